"""Workload 7: a gateway's resident memory over a mixed run.

A fresh gateway process on each feed database gets, in turn for the whole duration, 5 s of
each load: REST and GraphQL series at c=16, Unleash metrics and LaunchDarkly payloads at
c=16, statistics at c=16, bulk batches from 4 clients and MAU queries. Its RSS is sampled
twice a second: at start (ready and idle), peak, and end (after the load, idle again).
"""

import threading
import time
from datetime import timedelta
from typing import NamedTuple

from benchmarks import load, machine, payloads, servers
from benchmarks.report import Table, mib
from benchmarks.suite import Suite

PHASE_S = 5.0


class Phase(NamedTuple):
    name: str
    requests: list[load.Request]
    connections: int
    unique_header: str | None


def _phases(suite: Suite) -> list[Phase]:
    since = suite.now - timedelta(hours=payloads.HOURS)
    mau = load.Request(
        "GET", "/api/v2/usage/mau", {"Authorization": servers.ADMIN, "LD-API-Version": "beta"}
    )
    return [
        Phase("rest", [payloads.series_rest(f, since) for f in payloads.FLAGS], 16, None),
        Phase("graphql", [payloads.series_graphql(f, since) for f in payloads.FLAGS], 16, None),
        Phase("metrics", payloads.metrics_requests(suite.now, servers.INGEST), 16, None),
        Phase("bulk-ld", payloads.launchdarkly_bulk(suite.now), 16, payloads.LD_PAYLOAD_ID),
        Phase("statistics", [payloads.statistics(servers.ADMIN)], 16, None),
        Phase(
            "ingest",
            [payloads.ingest_request(payloads.bulk_evaluations(suite.now, s)) for s in range(8)],
            4,
            None,
        ),
        Phase("mau", [mau], 2, None),
    ]


def run(suite: Suite) -> None:
    suite.prepare_feeds(with_unleash=False)
    before = machine.load()
    table = Table(
        "7. Gateway memory (RSS) over a mixed run",
        ["database", "start", "peak", "end", "end ÷ start", "requests ok", "errors"],
    )
    phases = _phases(suite)
    for backend in suite.options.backends:
        url, database = suite.feed_url(backend)
        server = suite.gateway(f"memory-{backend}", url, pg_database=database)
        start = machine.rss_mib(server.pid)
        peak = [start]
        stop = threading.Event()

        def sample(
            pid: int = server.pid, top: list[float] = peak, done: threading.Event = stop
        ) -> None:
            while not done.wait(0.5):
                top[0] = max(top[0], machine.rss_mib(pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        ok = errors = 0
        deadline = time.monotonic() + suite.options.memory_seconds
        suite.log(
            f"workload 7: mixed load on gateway {backend} for {suite.options.memory_seconds:.0f} s"
        )
        while time.monotonic() < deadline:
            for phase in phases:
                if time.monotonic() >= deadline:
                    break
                if phase.connections <= 4:
                    # Few slow requests: the asyncio client, which waits out every request.
                    result = load.run_client(
                        server.base,
                        phase.requests,
                        connections=phase.connections,
                        seconds=PHASE_S,
                        timeout_s=120,
                    )
                else:
                    result = load.run(
                        server.base, phase.requests, connections=phase.connections, seconds=PHASE_S,
                        unique_header=phase.unique_header,
                    )  # fmt: skip
                ok += result.ok
                errors += result.errors
        servers.settle(server, database, limit_s=60)
        stop.set()
        sampler.join()
        end = machine.rss_mib(server.pid)
        table.add(
            backend,
            mib(start),
            mib(max(peak[0], end)),
            mib(end),
            f"{end / start:.2f}x",
            f"{ok:,}",
            f"{errors:,}",
        )
        suite.stop(server)
    table.notes.append(
        f"{suite.options.memory_seconds:.0f} s of mixed load per database, "
        f"phases of {PHASE_S:.0f} s; "
        "target: RSS flat (±15%) over a 10-minute run (`--memory-seconds 600`)."
    )
    suite.emit(table, before)
