"""Workload 2: the instance-statistics route at c=16, Unleash (computes it per request)
against the gateway (serves the stored document: Unleash's own, fed through the bulk API)."""

from benchmarks import payloads, peer, servers
from benchmarks.rates import Target, compare
from benchmarks.suite import Suite


def run(suite: Suite) -> None:
    suite.prepare_feeds()
    targets = []
    if suite.unleash is not None:
        targets.append(
            Target("Unleash 8.2.0", suite.unleash.base, [payloads.statistics(peer.ADMIN)])
        )
    for backend, server in suite.feeds.items():
        targets.append(
            Target(f"gateway {backend}", server.base, [payloads.statistics(servers.ADMIN)])
        )
    suite.log("workload 2: statistics route")
    compare(
        suite,
        "2. Instance statistics route, c=16",
        ["server", "req/s", "p50", "p99", "errors", "req/s ÷ Unleash"],
        targets,
        "Target ≥ 5x Unleash.",
    )
