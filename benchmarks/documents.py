"""Workload 2: the instance-statistics route at c=16, Unleash (computes it per request)
against the gateway (serves the stored document: Unleash's own, fed through the bulk API)."""

from benchmarks import load, machine, payloads, peer, servers
from benchmarks.report import Table, divide, ms, rate, ratio
from benchmarks.suite import Suite

HIGH = 16


def run(suite: Suite) -> None:
    suite.prepare_feeds()
    before = machine.load()
    measured: list[tuple[str, str, list[load.Request]]] = []
    if suite.unleash is not None:
        measured.append(("Unleash 8.2.0", suite.unleash.base, [payloads.statistics(peer.ADMIN)]))
    for backend, server in suite.feeds.items():
        measured.append((f"gateway {backend}", server.base, [payloads.statistics(servers.ADMIN)]))
    seconds = suite.options.seconds
    for _, base, requests in measured:
        load.run(base, requests, connections=4, seconds=1)

    def measure(target: tuple[str, str, list[load.Request]]) -> dict[str, float]:
        sample = load.run(target[1], target[2], connections=HIGH, seconds=seconds)
        return {
            "rps": sample.rate,
            "p50": sample.p50_ms,
            "p99": sample.p99_ms,
            "errors": sample.errors,
        }

    suite.log("workload 2: statistics route")
    results = suite.interleaved(measured, measure)
    peer_result = results[0] if suite.unleash is not None else None
    table = Table(
        "2. Instance statistics route, c=16",
        ["server", "req/s", "p50", "p99", "errors", "req/s ÷ Unleash"],
    )
    for (label, _, _), r in zip(measured, results, strict=True):
        vs = (
            ratio(divide(r["rps"], peer_result["rps"]))
            if peer_result and r is not peer_result
            else "-"
        )
        table.add(label, rate(r["rps"]), ms(r["p50"]), ms(r["p99"]), f"{r['errors']:.0f}", vs)
    table.notes.append(
        f"Medians of {suite.options.rounds} interleaved rounds of {seconds:.0f} s; "
        "target ≥ 5x Unleash."
    )
    if suite.unleash_note:
        table.notes.append(suite.unleash_note)
    suite.emit(table, before)
