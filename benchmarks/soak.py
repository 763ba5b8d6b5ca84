"""Soak: minutes of mixed reads and ingests against a real `gateway serve`.

Run: .venv/bin/python benchmarks/soak.py [--database URL] [--minutes 10] [--concurrency 16]
Starts `gateway serve` (127.0.0.1, a free port) on the database (default: a new SQLite
file; PostgreSQL URLs work, use an empty database), seeds --seed-days of demo data, then
keeps --concurrency clients busy with a fixed mix of requests until time is up. Prints,
per request type, the count, errors by status, p50 and p99 latency; the server's RSS at
start, peak and end; the load average; and whether every acknowledged evaluation was
stored exactly once. The load generator shares the machine with the server.
"""

import argparse
import asyncio
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, select

from storage.engine import Database
from storage.tables import MINUTE, EvaluationBucket

ADMIN = "soak-admin-secret"
GATEWAY = str(Path(sys.executable).parent / "gateway")
FLAG = "soak-flag"
BETA = {"Authorization": ADMIN, "LD-API-Version": "beta"}
# Request type -> weight in the mix (reads outnumber writes, as on a dashboarded fleet).
MIX = {
    "ingest": 3,
    "sdk_events": 3,
    "rest_evaluations": 2,
    "rest_mau": 1,
    "graphql": 2,
    "statistics": 1,
    "ready": 1,
}


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    acknowledged: int = 0  # evaluations of FLAG in 202-acknowledged requests
    rss_kib: list[int] = field(default_factory=list)


@dataclass
class Soak:
    url: str
    sdk_key: str
    tally: Tally
    rng: random.Random

    def evaluations(self, n: int) -> tuple[list[tuple[datetime, int, int]], int]:
        now = datetime.now(UTC)
        rows = [
            (now - timedelta(seconds=self.rng.randrange(3600)), self.rng.randint(0, 1), c)
            for c in (self.rng.randint(1, 20) for _ in range(n))
        ]
        return rows, sum(c for _, _, c in rows)

    async def ingest(self, session: aiohttp.ClientSession) -> tuple[int, int]:
        rows, total = self.evaluations(30)
        records: list[dict[str, Any]] = [
            {
                "type": "evaluation",
                "time": t.isoformat(),
                "project": "web",
                "environment": "production",
                "flag": FLAG,
                "variation": v,
                "count": c,
            }
            for t, v, c in rows
        ]
        records += [
            {
                "type": "context",
                "time": datetime.now(UTC).isoformat(),
                "contextKey": f"soak-{self.rng.randrange(5000)}",
                "project": "web",
                "environment": "production",
                "sdk": "Go",
                "sdkType": "server",
                "category": "backend",
            }
            for _ in range(5)
        ]
        headers = {"Authorization": ADMIN, "Idempotency-Key": f"soak-{self.rng.getrandbits(64)}"}
        async with session.post(
            f"{self.url}/api/gateway/ingest", json={"records": records}, headers=headers
        ) as response:
            await response.read()
            return response.status, total

    async def sdk_events(self, session: aiohttp.ClientSession) -> tuple[int, int]:
        rows, total = self.evaluations(10)
        events: list[dict[str, Any]] = [
            {
                "kind": "summary",
                "startDate": int(t.timestamp() * 1000) - 1000,
                "endDate": int(t.timestamp() * 1000),
                "features": {FLAG: {"counters": [{"variation": v, "value": bool(v), "count": c}]}},
            }
            for t, v, c in rows
        ]
        events.append(
            {
                "kind": "index",
                "creationDate": int(time.time() * 1000),
                "context": {"kind": "user", "key": f"soak-{self.rng.randrange(5000)}"},
            }
        )
        headers = {"Authorization": self.sdk_key, "User-Agent": "GoClient/7.1.0"}
        async with session.post(f"{self.url}/bulk", json=events, headers=headers) as response:
            await response.read()
            return response.status, total

    async def get(self, session: aiohttp.ClientSession, path: str, **kw: Any) -> tuple[int, int]:
        async with session.get(self.url + path, **kw) as response:
            await response.read()
            return response.status, 0

    async def graphql(self, session: aiohttp.ClientSession) -> tuple[int, int]:
        query = (
            '{ evaluations(project: "web", environment: "production", flag: "new-checkout", '
            "granularity: HOURLY) { series { total } } mauSdks }"
        )
        async with session.post(
            f"{self.url}/graphql", json={"query": query}, headers={"Authorization": ADMIN}
        ) as response:
            body = await response.json()
            return (response.status if not body.get("errors") else 599), 0

    def request(self, kind: str) -> Callable[[aiohttp.ClientSession], Awaitable[tuple[int, int]]]:
        reads = {
            "rest_evaluations": lambda s: self.get(
                s, "/api/v2/usage/evaluations/web/production/new-checkout", headers=BETA
            ),
            "rest_mau": lambda s: self.get(s, "/api/v2/usage/mau", headers=BETA),
            "statistics": lambda s: self.get(
                s, "/api/admin/instance-admin/statistics", headers={"Authorization": ADMIN}
            ),
            "ready": lambda s: self.get(s, "/ready"),
        }
        writes = {"ingest": self.ingest, "sdk_events": self.sdk_events, "graphql": self.graphql}
        return {**reads, **writes}[kind]

    async def client(self, until: float) -> None:
        kinds, weights = list(MIX), list(MIX.values())
        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while time.monotonic() < until:
                kind = self.rng.choices(kinds, weights)[0]
                started = time.perf_counter()
                try:
                    status, evaluations = await self.request(kind)(session)
                except (aiohttp.ClientError, TimeoutError) as exc:
                    status, evaluations = 0, 0
                    self.tally.errors[kind][type(exc).__name__] += 1
                self.tally.latencies[kind].append(time.perf_counter() - started)
                if 200 <= status < 300:
                    self.tally.acknowledged += evaluations
                elif status:
                    self.tally.errors[kind][str(status)] += 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def gateway(*args: str, database: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GATEWAY_DATABASE_URL": database, "GATEWAY_ADMIN_TOKEN": ADMIN}
    return subprocess.run([GATEWAY, *args], env=env, check=True, capture_output=True, text=True)


def serve(database: str, port: int, log: Path) -> "subprocess.Popen[bytes]":
    env = {
        **os.environ,
        "GATEWAY_DATABASE_URL": database,
        "GATEWAY_ADMIN_TOKEN": ADMIN,
        "GATEWAY_LOG_LEVEL": "WARNING",
    }
    with log.open("wb") as out:
        return subprocess.Popen(
            [GATEWAY, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=out,
        )


async def wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(600):
            if process.poll() is not None:
                raise SystemExit("gateway serve exited during start-up")
            try:
                async with session.get(f"{url}/ready") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("gateway serve did not become ready")


async def stored_evaluations(database: str) -> int:
    db = Database(database)
    try:
        async with db.session() as session:
            b = EvaluationBucket
            total = await session.execute(
                select(func.coalesce(func.sum(b.count), 0)).where(b.flag == FLAG, b.width == MINUTE)
            )
            return int(total.scalar_one())
    finally:
        await db.dispose()


async def sample_rss(pid: int, tally: Tally, until: float) -> None:
    while time.monotonic() < until:
        tally.rss_kib.append(rss_kib(pid))
        await asyncio.sleep(5)
    tally.rss_kib.append(rss_kib(pid))


REQUEST_ID = re.compile(r" ?\[[0-9a-f]{16,}\]")


def server_warnings(log: Path) -> Counter[str]:
    """Return the server's warnings and errors, without request ids, counted by their text."""
    found: Counter[str] = Counter()
    for line in log.read_text(errors="replace").splitlines():
        if " WARNING " in line or " ERROR " in line:
            found[REQUEST_ID.sub("", line.split(" ", 2)[2])[:240]] += 1
    return found


def report(tally: Tally, seconds: float, loads: tuple[Any, Any], stored: int) -> None:
    print(f"\n{'request':<18}{'count':>8}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}  errors")
    for kind in MIX:
        lat = sorted(tally.latencies[kind])
        if not lat:
            continue
        p50 = statistics.median(lat) * 1000
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
        errors = dict(tally.errors[kind]) or 0
        print(f"{kind:<18}{len(lat):>8}{len(lat) / seconds:>8.1f}{p50:>9.1f}{p99:>9.1f}  {errors}")
    total = sum(len(v) for v in tally.latencies.values())
    failed = sum(sum(c.values()) for c in tally.errors.values())
    rss = [k / 1024 for k in tally.rss_kib]
    print(f"\nrequests {total} in {seconds:.0f} s, errors {failed}")
    print(f"server RSS MiB: start {rss[0]:.1f}, peak {max(rss):.1f}, end {rss[-1]:.1f}")
    print(f"load average (1, 5, 15 min): start {loads[0]}, end {loads[1]}")
    print(f"evaluations acknowledged {tally.acknowledged}, stored {stored}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="database URL (default: a new SQLite file)")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seed-days", type=int, default=7)
    args = parser.parse_args()
    scratch = tempfile.TemporaryDirectory(prefix="soak-")
    database = args.database or f"sqlite+aiosqlite:///{scratch.name}/soak.db"
    print(f"soak: {args.minutes:g} min, {args.concurrency} clients, mix {MIX}", flush=True)
    if args.seed_days:
        gateway("seed", "--days", str(args.seed_days), database=database)
    sdk_key = gateway(
        "tokens",
        "create",
        "--type",
        "ingest",
        "--project",
        "web",
        "--environment",
        "production",
        database=database,
    ).stdout.strip()
    port = free_port()
    log = Path(scratch.name) / "serve.log"
    process = serve(database, port, log)
    try:
        url = f"http://127.0.0.1:{port}"
        await wait_ready(url, process)
        tally = Tally()
        soak = Soak(url, sdk_key, tally, random.Random(1))
        loads = [os.getloadavg()]
        started = time.monotonic()
        until = started + args.minutes * 60
        await asyncio.gather(
            sample_rss(process.pid, tally, until),
            *(soak.client(until) for _ in range(args.concurrency)),
        )
        seconds = time.monotonic() - started
        loads.append(os.getloadavg())
        stored = await stored_evaluations(database)
        fmt = tuple(tuple(round(x, 2) for x in load) for load in loads)
        report(tally, seconds, fmt, stored)
        for message, n in server_warnings(log).most_common(10):
            print(f"server log x{n}: {message}")
    finally:
        process.terminate()
        process.wait(timeout=30)
        scratch.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
