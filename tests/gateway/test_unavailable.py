"""503 service_unavailable while the database is unreachable, and recovery without restart."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient
from launchdarkly_api.exceptions import ServiceException

from gateway.app import create_app
from gateway.settings import Settings
from tests.attacks.forwarder import forwarded
from tests.conftest import ADMIN, PG_ADMIN_DSN, ClientFactory, FakeClock, auth
from tests.gateway.test_launchdarkly_client import make_api

pytestmark = pytest.mark.postgres

BETA = auth(**{"LD-API-Version": "beta"})
ROUTES = [
    ("GET", "/api/v2/usage/mau"),
    ("GET", "/api/v2/usage/evaluations/web/production/f"),
    ("GET", "/api/v2/usage/streams/server/sdkversions"),
    ("GET", "/api/v2/usage/data-export-events"),
    ("POST", "/api/gateway/ingest"),
]


async def admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
async def own_database() -> AsyncIterator[str]:
    """A database of this test alone, so it can be closed to connections."""
    name = f"ug_down_{uuid.uuid4().hex[:10]}"
    try:
        await admin(f'CREATE DATABASE "{name}"')
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    yield name if False else f"{base}/{name}"
    await admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# A batch with something to store: an empty one needs no database once the token check
# comes from memory.
BATCH = {
    "records": [
        {
            "type": "evaluation",
            "time": "2026-11-20T11:00:00Z",
            "project": "web",
            "environment": "production",
            "flag": "down",
            "variation": 1,
            "count": 1,
        }
    ]
}


async def statuses(client: TestClient[Any, Any]) -> list[tuple[int, Any]]:
    out = []
    for method, path in ROUTES:
        response = await client.request(
            method, path, headers=BETA, json=BATCH if method == "POST" else None
        )
        out.append((response.status, await response.json()))
    return out


async def test_503_while_the_database_is_down_then_recovery(
    aiohttp_client: ClientFactory, own_database: str, clock: FakeClock
) -> None:
    name = own_database.rsplit("/", 1)[1]
    client = await aiohttp_client(
        create_app(Settings(database_url=own_database, admin_token=ADMIN), clock=clock)
    )
    before = await statuses(client)
    assert [s for s, _ in before] == [200, 404, 200, 200, 202]

    await admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    await admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
    down = await statuses(client)
    assert down == [
        (503, {"code": "service_unavailable", "message": "Requested service unavailable"})
    ] * len(ROUTES)
    assert (await client.get("/ready")).status == 503
    # LaunchDarkly's generated client raises its ServiceException for our 503.
    with pytest.raises(ServiceException) as caught:
        await asyncio.to_thread(make_api(client, retries=False).get_mau_usage)
    assert caught.value.status == 503

    await admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    await asyncio.sleep(0)
    after = await statuses(client)
    assert [s for s, _ in after] == [200, 404, 200, 200, 202]


async def test_503_when_nothing_listens_then_recovery(
    aiohttp_client: ClientFactory, own_database: str, clock: FakeClock
) -> None:
    forwarder, url = await forwarded(own_database, PG_ADMIN_DSN)
    client = await aiohttp_client(
        create_app(Settings(database_url=url, admin_token=ADMIN), clock=clock)
    )
    assert [s for s, _ in await statuses(client)] == [200, 404, 200, 200, 202]
    await forwarder.stop()  # the port now refuses connections; pooled ones are cut
    down = await statuses(client)
    assert {s for s, _ in down} == {503}
    await forwarder.start()  # same port again
    try:
        assert [s for s, _ in await statuses(client)] == [200, 404, 200, 200, 202]
    finally:
        await forwarder.stop()
