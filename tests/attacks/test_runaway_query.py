"""Attack: a MAU range of decades must not pin the database.

Against a real ``gateway serve`` with a 6 s statement timeout, on a database with enough
contexts that the query would run far longer: a client that waits gets 503 once the
timeout passes, a client that hangs up after 1 s stops the query at once, and in both
cases nothing is left running, neither a PostgreSQL backend nor SQLite's thread.
"""

import asyncio
import time

import aiohttp
import asyncpg
import pytest

from storage import mau_links, usage
from storage.engine import Database
from storage.tables import DAY
from tests.attacks.conftest import GatewayFactory
from tests.attacks.serve import Gateway
from tests.conftest import PG_ADMIN_DSN, auth

CONTEXTS = 20_000  # enough that the query would run for well over TIMEOUT_S
TIMEOUT_S = 6.0
# Nearly the longest range a series may have (10,000 buckets): 9,000 days, by SDK. MAU reads
# per-day run sums, so it is the thousands of SDKs, each seen on days spread over decades,
# times the 9,000 days that make the query run long.
MAU_DECADES = f"/api/v2/usage/mau?from={(int(time.time()) - 9000 * DAY) * 1000}&groupby=sdk"
BETA = auth(**{"LD-API-Version": "beta"})


async def seed_contexts(database_url: str) -> None:
    today = int(time.time()) // DAY * DAY
    rows = [
        usage.ContextSeen(
            day=today - (i % 8999) * DAY,
            context_hash=f"{i:064x}",
            context_kind="user",
            anonymous=False,
            project="web",
            environment="production",
            sdk=f"sdk-{i % 4000}",
            sdk_type="server",
            category="backend",
        )
        for i in range(CONTEXTS)
    ]
    db = Database(database_url)
    try:
        async with db.session() as session:
            await usage.note_contexts(session, rows=rows)
        # Linked already, so the gateway's linker has nothing to do while the test watches
        # whether the database is still working for the query.
        await db.transaction(mau_links.link_everything)
    finally:
        await db.dispose()


@pytest.fixture
async def gateway(database_url: str, gateways: GatewayFactory) -> Gateway:
    await seed_contexts(database_url)
    server = gateways(database_url, "serve", database_statement_timeout_s=str(TIMEOUT_S))
    await server.start()
    return server


async def working(gateway: Gateway, admin: asyncpg.Connection | None) -> bool:
    """Return whether the gateway's database is working on a statement for it right now."""
    if admin is None:
        # SQLite runs statements in a thread of the gateway: an idle gateway has no
        # thread on (or waiting for) a CPU; one still at work has, whatever the load.
        return gateway.running_threads() > 0
    active = await admin.fetchval(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND state = 'active' "
        "AND pid <> pg_backend_pid()",
        gateway.database_url.rsplit("/", 1)[1],
    )
    return bool(active)


async def stopped_within(gateway: Gateway, seconds: float) -> bool:
    """Return whether the statement stopped (idle in 5 samples in a row) within ``seconds``."""
    postgres = "postgresql" in gateway.database_url
    admin = await asyncpg.connect(PG_ADMIN_DSN, timeout=5) if postgres else None
    deadline, idle = time.monotonic() + seconds, 0
    try:
        while time.monotonic() < deadline:
            idle = 0 if await working(gateway, admin) else idle + 1
            if idle == 5:
                return True
            await asyncio.sleep(0.05)
        return False
    finally:
        if admin is not None:
            await admin.close()


async def test_a_query_stops_when_its_client_hangs_up_and_at_the_statement_timeout(
    gateway: Gateway,
) -> None:
    started = time.monotonic()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=1.0)) as session:
        with pytest.raises(TimeoutError):
            await session.get(gateway.url + MAU_DECADES, headers=BETA)
    # Stopped by the hang-up, well before the statement timeout would have stopped it.
    assert await stopped_within(gateway, started + TIMEOUT_S - 1 - time.monotonic())

    started = time.monotonic()
    async with (
        aiohttp.ClientSession() as session,
        session.get(gateway.url + MAU_DECADES, headers=BETA) as response,
    ):
        assert response.status == 503
        assert (await response.json())["code"] == "service_unavailable"
    assert TIMEOUT_S <= time.monotonic() - started < TIMEOUT_S + 3
    assert await stopped_within(gateway, 2)
