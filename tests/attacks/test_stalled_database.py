"""Attack: the database stops answering (packets go nowhere, nothing is refused).

PostgreSQL is reached through a forwarder that the test pauses: /ready, a REST read, a
GraphQL query and an ingest must each answer 503 within 5 s, then all work again once
the forwarder resumes, without a restart, and the refused ingest was stored nowhere.
On SQLite the equivalent is another process holding the write lock: writes answer 503
within 5 s while reads go on (WAL), and all is well once the lock is released.
"""

import asyncio
import sqlite3
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from gateway.app import create_app
from gateway.keys import DATABASE
from gateway.settings import Settings
from storage.tables import EvaluationBucket
from tests.attacks.forwarder import forwarded
from tests.conftest import ADMIN, PG_ADMIN_DSN, ClientFactory, FakeClock, auth
from tests.graphql_client import codes

BOUND_S = 5.0
BETA = auth(**{"LD-API-Version": "beta"})
UNAVAILABLE = {"code": "service_unavailable", "message": "Requested service unavailable"}
Check = Callable[[TestClient[Any, Any]], Awaitable[tuple[int, Any]]]


async def ready(client: TestClient[Any, Any]) -> tuple[int, Any]:
    response = await client.get("/ready")
    return response.status, await response.json()


async def rest_read(client: TestClient[Any, Any]) -> tuple[int, Any]:
    response = await client.get("/api/v2/usage/streams/server/sdkversions", headers=BETA)
    return response.status, await response.json()


async def graphql_read(client: TestClient[Any, Any]) -> tuple[int, Any]:
    response = await client.post("/graphql", json={"query": "{ mauSdks }"}, headers=auth())
    body = await response.json()
    return response.status, codes(body) or body["data"]


def ingest(key: str) -> Check:
    async def post(client: TestClient[Any, Any]) -> tuple[int, Any]:
        record = {
            "type": "evaluation",
            "time": "2026-11-20T11:00:00Z",
            "project": "web",
            "environment": "production",
            "flag": "stall",
            "variation": 1,
            "count": 7,
        }
        response = await client.post(
            "/api/gateway/ingest",
            json={"records": [record]},
            headers=auth(**{"Idempotency-Key": key}),
        )
        return response.status, await response.json()

    return post


async def timed(check: Check, client: TestClient[Any, Any]) -> tuple[int, Any, float]:
    started = time.monotonic()
    status, body = await check(client)
    return status, body, time.monotonic() - started


async def until_ok(checks: list[Check], client: TestClient[Any, Any]) -> float:
    """Return how long it took until every check answered 2xx (at most BOUND_S)."""
    started = time.monotonic()
    while True:
        statuses = [(await check(client))[0] for check in checks]
        if all(200 <= s < 300 for s in statuses):
            return time.monotonic() - started
        assert time.monotonic() - started < BOUND_S, f"no recovery: {statuses}"
        await asyncio.sleep(0.1)


async def stalled_count(client: TestClient[Any, Any]) -> int:
    b = EvaluationBucket
    async with client.server.app[DATABASE].session() as session:
        total = await session.execute(
            select(func.coalesce(func.sum(b.count), 0)).where(b.flag == "stall", b.width == 60)
        )
        return int(total.scalar_one())


@pytest.mark.postgres
async def test_postgresql_that_stops_answering_gives_503_fast_then_recovers(
    aiohttp_client: ClientFactory, postgres_url: str, clock: FakeClock
) -> None:
    forwarder, url = await forwarded(postgres_url, PG_ADMIN_DSN)
    client = await aiohttp_client(
        create_app(Settings(database_url=url, admin_token=ADMIN), clock=clock)
    )
    checks = [ready, rest_read, graphql_read]
    try:
        await until_ok([*checks, ingest("before")], client)

        forwarder.pause()
        down = await asyncio.gather(*(timed(c, client) for c in [*checks, ingest("stalled")]))
        assert [(status, body) for status, body, _ in down] == [
            (503, {"status": "unavailable", "reason": "database unreachable"}),
            (503, UNAVAILABLE),
            (503, ["service_unavailable"]),
            (503, UNAVAILABLE),
        ]
        slowest = max(elapsed for _, _, elapsed in down)
        assert slowest < BOUND_S

        forwarder.resume()
        await until_ok([*checks, ingest("stalled")], client)
        # Acknowledged once before the stall and once after; the refused try left nothing.
        assert await stalled_count(client) == 14
    finally:
        await forwarder.stop()


async def test_sqlite_write_lock_held_elsewhere_gives_503_fast_then_recovers(
    aiohttp_client: ClientFactory, tmp_path: Any, sqlite_template: Any, clock: FakeClock
) -> None:
    path = tmp_path / "held.db"
    path.write_bytes(sqlite_template.read_bytes())
    client = await aiohttp_client(
        create_app(
            Settings(database_url=f"sqlite+aiosqlite:///{path}", admin_token=ADMIN), clock=clock
        )
    )
    reads = [ready, rest_read, graphql_read]
    await until_ok([*reads, ingest("before")], client)

    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's write transaction, never ending
    try:
        status, body, elapsed = await timed(ingest("stalled"), client)
        assert (status, body) == (503, UNAVAILABLE)
        assert elapsed < BOUND_S
        for check in reads:
            assert (await check(client))[0] == 200  # readers are not blocked by a writer
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    await until_ok([ingest("stalled")], client)
    assert await stalled_count(client) == 14
