"""Workload 3: SDK payloads acknowledged per second at c=16.

Unleash's ``/api/client/metrics`` (Unleash answers before it writes: it flushes every 5 s)
against the gateway's (a scoped ingest token; it answers after the commit), and the
gateway's LaunchDarkly ``/bulk`` (the same hours and counts as a summary event, plus 5 index
events, a unique ``X-LaunchDarkly-Payload-ID`` per request) with Unleash's rate as the bar.
"""

from benchmarks import payloads, peer, servers
from benchmarks.rates import Target, compare, profile_load
from benchmarks.suite import Suite


def run(suite: Suite) -> None:
    suite.prepare_feeds()
    metrics = payloads.metrics_requests(suite.now, servers.INGEST)
    targets = []
    if suite.unleash is not None:
        unleash_metrics = payloads.metrics_requests(suite.now, peer.CLIENT)
        targets.append(
            Target("Unleash 8.2.0 /api/client/metrics", suite.unleash.base, unleash_metrics)
        )
    for backend, server in suite.feeds.items():
        ld = payloads.launchdarkly_bulk(suite.now)
        targets.append(Target(f"gateway {backend} /api/client/metrics", server.base, metrics))
        targets.append(
            Target(f"gateway {backend} LaunchDarkly /bulk", server.base, ld, payloads.LD_PAYLOAD_ID)
        )
    suite.log("workload 3: SDK payloads acknowledged per second")
    compare(
        suite,
        "3. SDK payloads acknowledged per second, c=16",
        ["server and endpoint", "payloads/s", "p50", "p99", "errors", "÷ Unleash metrics/s"],
        targets,
        "A payload is 4 flags of one app and hour (the 144 cycle); Unleash acknowledges before "
        "writing (it flushes every 5 s), the gateway after its commit. Target ≥ 2x Unleash.",
    )
    profile_load(suite, "3-client-metrics", metrics)
    bulk = payloads.launchdarkly_bulk(suite.now)
    profile_load(suite, "3-launchdarkly-bulk", bulk, payloads.LD_PAYLOAD_ID)
