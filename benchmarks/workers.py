"""Requests per second at 1 and 2 workers, and what observation costs per request.

Run: .venv/bin/python benchmarks/workers.py [--seconds 3] [--rounds 3] [--connections 16]
Starts two real `gateway serve` processes on one SQLite file (1 worker on one port,
2 workers on another), then in interleaved rounds loads each for a few seconds with
a small cached GraphQL query and with the Unleash statistics route, and prints the
median requests per second and the 2-worker / 1-worker ratio. The load generator runs
in this process, on the same cores, so ratios on a 2-core machine understate what two
workers give on a bigger one. Then it times the observation middleware (request id,
metrics, access-log line) around a trivial handler, in process, with and without it.
Ports: 18390-18391 unless BENCH_PORT is set.
"""

import argparse
import asyncio
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from aiohttp.web_urldispatcher import UrlMappingMatchInfo

from gateway import logs, observe
from gateway.metrics import Metrics
from resolvers.checksum import statistics_sum

GATEWAY = str(Path(sys.executable).parent / "gateway")
SECRET = "bench-admin-secret-0001"
QUERY = {"query": "query Fleet { fleetStatistics { instanceIds } }", "operationName": "Fleet"}
STATISTICS = "/api/admin/instance-admin/statistics"


def document() -> dict[str, Any]:
    """Return a small valid statistics document."""
    fields = {"instanceId": "bench", "users": 3, "featureToggles": 10, "projects": 2}
    fields |= {"roles": 5, "groups": 1, "environments": 3, "segments": 0}
    return fields | {"timestamp": "2026-11-20T12:00:00.000Z", "sum": statistics_sum(fields)}


def start(port: int, workers: int, database: Path, tmp: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "GATEWAY_ADMIN_TOKEN": SECRET,
        "GATEWAY_LOG_LEVEL": "INFO",  # access lines on: the cost measured is the real one
        "XDG_DATA_HOME": str(tmp),
    }
    args = [GATEWAY, "serve", "--port", str(port), "--workers", str(workers)]
    with (tmp / f"serve-{port}.log").open("wb") as log:
        return subprocess.Popen([*args, "--database", str(database)], env=env, stderr=log)


async def wait_ready(session: aiohttp.ClientSession, base: str) -> None:
    for _ in range(300):
        try:
            async with session.get(f"{base}/ready") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.2)
    raise SystemExit(f"{base} did not start")


async def load(base: str, kind: str, seconds: float, connections: int) -> float:
    """Return requests per second over ``seconds`` with ``connections`` keep-alive clients."""
    headers = {"Authorization": SECRET}
    done = 0
    deadline = time.monotonic() + seconds
    connector = aiohttp.TCPConnector(limit=connections, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def client() -> None:
            nonlocal done
            while time.monotonic() < deadline:
                if kind == "graphql":
                    request = session.post(f"{base}/graphql", json=QUERY, headers=headers)
                else:
                    request = session.get(base + STATISTICS, headers=headers)
                async with request as response:
                    await response.read()
                    assert response.status == 200, response.status
                done += 1

        started = time.monotonic()
        await asyncio.gather(*(client() for _ in range(connections)))
        return done / (time.monotonic() - started)


async def servers(args: argparse.Namespace) -> None:
    first = int(os.environ.get("BENCH_PORT", "18390"))
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as folder:
        tmp = Path(folder)
        database = tmp / "bench.db"
        ports = {1: first, 2: first + 1}
        processes = [start(ports[1], 1, database, tmp)]
        try:
            async with aiohttp.ClientSession() as session:
                await wait_ready(session, f"http://127.0.0.1:{ports[1]}")
                processes.append(start(ports[2], 2, database, tmp))
                await wait_ready(session, f"http://127.0.0.1:{ports[2]}")
                body = {"records": [{"type": "statistics", "document": document()}]}
                async with session.post(
                    f"http://127.0.0.1:{ports[1]}/api/gateway/ingest",
                    json=body,
                    headers={"Authorization": SECRET},
                ) as response:
                    assert response.status == 202
            results: dict[tuple[str, int], list[float]] = {}
            for _ in range(args.rounds):
                for kind in ("graphql", "statistics"):
                    for workers in (1, 2):
                        base = f"http://127.0.0.1:{ports[workers]}"
                        rate = await load(base, kind, args.seconds, args.connections)
                        results.setdefault((kind, workers), []).append(rate)
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=60)
    print(f"{'route':<28} {'1 worker':>10} {'2 workers':>10} {'ratio':>7}   (req/s, medians)")
    for kind, label in (("graphql", "POST /graphql (cached)"), ("statistics", "GET statistics")):
        one = statistics.median(results[(kind, 1)])
        two = statistics.median(results[(kind, 2)])
        print(f"{label:<28} {one:>10.0f} {two:>10.0f} {two / one:>7.2f}")


async def middleware_cost(n: int = 20_000) -> None:
    """Time a trivial handler with and without the observation middleware, interleaved."""
    app = web.Application()
    app[observe.OBSERVER] = observe.Observer(Metrics())
    stream = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115, ASYNC230
    stream.addFilter(logs.RequestIdFilter())
    stream.setFormatter(logs.JsonFormatter())
    access = logging.getLogger("gateway.access")
    access.addHandler(stream)
    access.setLevel(logging.INFO)
    access.propagate = False

    async def handler(_request: web.Request) -> web.StreamResponse:
        return web.Response(text="ok")

    route = app.router.add_get("/health", handler)
    match = UrlMappingMatchInfo({}, route)
    request = make_mocked_request("GET", "/health", app=app, match_info=match)

    async def plain() -> Any:
        return await handler(request)

    async def observed() -> Any:
        return await observe.observe_middleware(request, handler)

    calls = (("plain", plain), ("no access line", observed), ("JSON access line", observed))
    timings: dict[str, list[float]] = {name: [] for name, _ in calls}
    for _ in range(5):
        for name, call in calls:
            access.setLevel(logging.WARNING if name == "no access line" else logging.INFO)
            started = time.perf_counter()
            for _ in range(n):
                await call()
            timings[name].append((time.perf_counter() - started) / n * 1e6)
    plain_us = statistics.median(timings["plain"])
    print(f"trivial handler alone: {plain_us:.1f} µs per request; the observation adds:")
    for name, _ in calls[1:]:
        print(f"  {name:<18} {statistics.median(timings[name]) - plain_us:6.1f} µs")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--middleware-only", action="store_true")
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if not args.middleware_only:
        asyncio.run(servers(args))
    asyncio.run(middleware_cost())
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(json.dumps({"cores": os.cpu_count()}))


if __name__ == "__main__":
    main()
