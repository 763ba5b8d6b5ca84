"""Workload 1: the 48 h hourly series of a flag, on Unleash's own ground.

Unleash's ``/api/admin/client-metrics/features/{flag}/raw?hoursBack=48`` against the
gateway's REST ``/api/v2/usage/evaluations/{p}/{e}/{flag}?from=<48 h ago>`` and GraphQL
``evaluations(...)``, all over the same 144 payloads, cycling through the 4 flags.
"""

from datetime import timedelta

from benchmarks import load, machine, payloads, peer
from benchmarks.rates import HIGH, finish, profile_load
from benchmarks.report import Table, divide, ms, rate, ratio
from benchmarks.suite import Suite


def targets(suite: Suite) -> list[tuple[str, str, list[load.Request]]]:
    """Return (label, base URL, requests) of every server and door measured."""
    since = suite.now - timedelta(hours=payloads.HOURS)
    found = []
    if suite.unleash is not None:
        found.append(
            (
                "Unleash 8.2.0",
                suite.unleash.base,
                [payloads.unleash_raw(f, peer.ADMIN) for f in payloads.FLAGS],
            )
        )
    for backend, server in suite.feeds.items():
        found.append(
            (
                f"gateway {backend} REST",
                server.base,
                [payloads.series_rest(f, since) for f in payloads.FLAGS],
            )
        )
        found.append(
            (
                f"gateway {backend} GraphQL",
                server.base,
                [payloads.series_graphql(f, since) for f in payloads.FLAGS],
            )
        )
    return found


def run(suite: Suite) -> None:
    suite.prepare_feeds()
    before = machine.load()
    measured = targets(suite)
    seconds = suite.options.seconds
    for _, base, requests in measured:
        load.run(base, requests, connections=4, seconds=1)  # warm-up: connections, caches

    def measure(target: tuple[str, str, list[load.Request]]) -> dict[str, float]:
        _, base, requests = target
        one = load.run(base, requests, connections=1, seconds=seconds)
        many = load.run(base, requests, connections=HIGH, seconds=seconds)
        return {
            "p50": one.p50_ms, "p99": one.p99_ms, "rps": many.rate, "p50_16": many.p50_ms,
            "p99_16": many.p99_ms, "errors": one.errors + many.errors,
        }  # fmt: skip

    suite.log("workload 1: 48 h hourly series")
    results = suite.interleaved(measured, measure)
    by_label = {label: r for (label, _, _), r in zip(measured, results, strict=True)}
    peer_result = by_label.get("Unleash 8.2.0")
    table = Table(
        "1. 48 h hourly flag series (4 flags in turn)",
        ["server and door", "c=1 p50", "c=1 p99", "c=16 req/s", "c=16 p50", "c=16 p99",
         "errors", "Unleash p50 ÷ this p50", "req/s ÷ Unleash", "GraphQL ÷ REST p50"],
    )  # fmt: skip
    for label, r in by_label.items():
        rest = by_label.get(label.replace("GraphQL", "REST")) if label.endswith("GraphQL") else None
        vs_peer = peer_result if peer_result is not None and peer_result is not r else None
        table.add(
            label, ms(r["p50"]), ms(r["p99"]), rate(r["rps"]), ms(r["p50_16"]), ms(r["p99_16"]),
            f"{r['errors']:.0f}",
            ratio(divide(vs_peer["p50"], r["p50"])) if vs_peer else "-",
            ratio(divide(r["rps"], vs_peer["rps"])) if vs_peer else "-",
            ratio(divide(r["p50"], rest["p50"])) if rest else "-",
        )  # fmt: skip
    finish(
        suite,
        table,
        before,
        f"Medians of {suite.options.rounds} interleaved rounds of {seconds:.0f} s per cell; "
        "targets: Unleash p50 ÷ gateway REST p50 ≥ 2, req/s ÷ Unleash ≥ 2, GraphQL ÷ REST ≤ 1.3.",
    )
    since = suite.now - timedelta(hours=payloads.HOURS)
    profile_load(suite, "1-series-rest", [payloads.series_rest(f, since) for f in payloads.FLAGS])
