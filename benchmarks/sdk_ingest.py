"""Workload 3: SDK payloads acknowledged per second at c=16.

Unleash's ``/api/client/metrics`` (Unleash answers before it writes: it flushes every 5 s)
against the gateway's (a scoped ingest token; it answers after the commit), and the
gateway's LaunchDarkly ``/bulk`` (the same hours and counts as a summary event, plus 5 index
events, a unique ``X-LaunchDarkly-Payload-ID`` per request) with Unleash's rate as the bar.
"""

from functools import partial

from benchmarks import load, machine, payloads, peer, profiles, servers
from benchmarks.report import Table, divide, ms, rate, ratio
from benchmarks.suite import Suite

HIGH = 16


def run(suite: Suite) -> None:
    suite.prepare_feeds()
    before = machine.load()
    measured: list[tuple[str, str, list[load.Request], str | None]] = []
    if suite.unleash is not None:
        measured.append(
            (
                "Unleash 8.2.0 /api/client/metrics",
                suite.unleash.base,
                payloads.metrics_requests(suite.now, peer.CLIENT),
                None,
            )
        )
    for backend, server in suite.feeds.items():
        measured.append(
            (
                f"gateway {backend} /api/client/metrics",
                server.base,
                payloads.metrics_requests(suite.now, servers.INGEST),
                None,
            )
        )
        measured.append(
            (
                f"gateway {backend} LaunchDarkly /bulk",
                server.base,
                payloads.launchdarkly_bulk(suite.now),
                payloads.LD_PAYLOAD_ID,
            )
        )
    seconds = suite.options.seconds

    def measure(target: tuple[str, str, list[load.Request], str | None]) -> dict[str, float]:
        _, base, requests, unique = target
        sample = load.run(base, requests, connections=HIGH, seconds=seconds, unique_header=unique)
        return {
            "rps": sample.rate,
            "p50": sample.p50_ms,
            "p99": sample.p99_ms,
            "errors": sample.errors,
        }

    suite.log("workload 3: SDK payloads acknowledged per second")
    results = suite.interleaved(measured, measure)
    peer_result = results[0] if suite.unleash is not None else None
    table = Table(
        "3. SDK payloads acknowledged per second, c=16",
        ["server and endpoint", "payloads/s", "p50", "p99", "errors", "÷ Unleash metrics/s"],
    )
    for (label, _, _, _), r in zip(measured, results, strict=True):
        vs = (
            ratio(divide(r["rps"], peer_result["rps"]))
            if peer_result and r is not peer_result
            else "-"
        )
        table.add(label, rate(r["rps"]), ms(r["p50"]), ms(r["p99"]), f"{r['errors']:.0f}", vs)
    table.notes.append(
        f"Medians of {suite.options.rounds} interleaved rounds of {seconds:.0f} s. A payload is "
        "4 flags of one app and hour (the 144 cycle); Unleash acknowledges before writing (it "
        "flushes every "
        "5 s), the gateway after its commit. Target ≥ 2x Unleash."
    )
    if suite.unleash_note:
        table.notes.append(suite.unleash_note)
    suite.emit(table, before)
    if suite.options.profile:
        for backend, server in suite.feeds.items():
            requests = payloads.metrics_requests(suite.now, servers.INGEST)
            profiles.record(
                suite, f"3-client-metrics-{backend}", server, backend,
                partial(
                    load.run, server.base, requests, connections=HIGH,
                    seconds=suite.options.profile_seconds,
                ),
            )  # fmt: skip
