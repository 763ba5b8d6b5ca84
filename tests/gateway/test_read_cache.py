"""What a gateway process keeps in memory (GATEWAY_CACHE_S): token checks and the current
statistics document. A change through the process shows at once; through another process
(the CLI, a second gateway on the same database) within the cache lifetime, never later."""

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from gateway.app import create_app
from gateway.keys import DATABASE
from gateway.settings import Settings
from resolvers import tokens
from resolvers.database import Database, Generations
from resolvers.errors import Unauthorized
from tests.conftest import ADMIN, ClientFactory, FakeClock, auth
from tests.statistics_helpers import document, store

GATEWAY = str(Path(sys.executable).parent / "gateway")
LIFETIME_S = 5.0
SERIES = "/api/v2/usage/streams/server"
STATISTICS = "/api/admin/instance-admin/statistics"
BETA = {"LD-API-Version": "beta"}


def gateway(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the gateway command as its own process (another process than the server)."""
    return subprocess.run(
        [GATEWAY, *args], capture_output=True, text=True, timeout=120, env=os.environ, check=False
    )


async def cached_app(
    aiohttp_client: ClientFactory, database_url: str, clock: FakeClock
) -> TestClient[Any, Any]:
    settings = Settings(database_url=database_url, admin_token=ADMIN, cache_s=LIFETIME_S)
    return await aiohttp_client(create_app(settings, clock=clock))


async def status(client: TestClient[Any, Any], secret: str) -> int:
    response = await client.get(SERIES, headers=auth(secret, **BETA))
    await response.read()
    return response.status


async def test_a_token_revoked_by_another_process_is_refused_within_the_lifetime(
    aiohttp_client: ClientFactory, database_url: str, clock: FakeClock
) -> None:
    client = await cached_app(aiohttp_client, database_url, clock)
    info, secret = await tokens.create_token(
        client.server.app[DATABASE], kind="read", name="dash", now=clock()
    )
    assert await status(client, secret) == 200

    revoked = await asyncio.to_thread(
        gateway, "tokens", "revoke", str(info.id), "--database", database_url
    )
    assert revoked.returncode == 0, revoked.stderr
    clock.advance(seconds=LIFETIME_S - 0.5)
    assert await status(client, secret) == 200  # still trusted: the documented lifetime
    clock.advance(seconds=0.5)
    assert await status(client, secret) == 401
    clock.advance(seconds=LIFETIME_S * 10)
    assert await status(client, secret) == 401  # a refusal is never cached as a pass


async def test_a_token_revoked_through_the_api_is_refused_at_once(
    aiohttp_client: ClientFactory, database_url: str, clock: FakeClock
) -> None:
    client = await cached_app(aiohttp_client, database_url, clock)
    info, secret = await tokens.create_token(
        client.server.app[DATABASE], kind="read", name="dash", now=clock()
    )
    assert await status(client, secret) == 200
    mutation = "mutation($id: Int!) { revokeToken(id: $id) { __typename } }"
    response = await client.post(
        "/graphql", json={"query": mutation, "variables": {"id": info.id}}, headers=auth()
    )
    assert (await response.json())["data"] == {"revokeToken": {"__typename": "RevokedToken"}}
    assert await status(client, secret) == 401


async def test_workers_sharing_generations_see_a_revocation_at_once(
    database_url: str, clock: FakeClock
) -> None:
    # Two workers of one `gateway serve`: the generations are made before the fork.
    shared = Generations(shared=True)
    first = Database(database_url, cache_s=LIFETIME_S, generations=shared)
    second = Database(database_url, cache_s=LIFETIME_S, generations=shared)
    try:
        info, secret = await tokens.create_token(first, kind="read", name="dash", now=clock())
        assert (await tokens.authenticate(second, secret, now=clock())).token_id == info.id
        await tokens.revoke_token(first, token_id=info.id, now=clock())
        refused = await _refused(tokens.authenticate(second, secret, now=clock()))
        assert refused == "unauthorized"
    finally:
        await first.dispose()
        await second.dispose()


async def _refused(attempt: Any) -> str | None:
    try:
        await attempt
    except Unauthorized as error:
        return error.code
    return None


async def test_a_statistics_document_stored_here_is_served_at_once(
    aiohttp_client: ClientFactory, database_url: str, clock: FakeClock
) -> None:
    client = await cached_app(aiohttp_client, database_url, clock)
    db = client.server.app[DATABASE]
    await store(db, document("i-1", "2026-11-20T10:00:00.000Z", users=1), now=clock())
    assert (await _served(client))["users"] == 1
    await store(db, document("i-1", "2026-11-20T11:00:00.000Z", users=2), now=clock())
    assert (await _served(client))["users"] == 2


async def test_a_statistics_document_stored_elsewhere_shows_within_the_lifetime(
    aiohttp_client: ClientFactory, database_url: str, clock: FakeClock
) -> None:
    client = await cached_app(aiohttp_client, database_url, clock)
    await store(
        client.server.app[DATABASE],
        document("i-1", "2026-11-20T10:00:00.000Z", users=1),
        now=clock(),
    )
    assert (await _served(client))["users"] == 1
    elsewhere = Database(database_url)  # another gateway process on the same database
    try:
        await store(elsewhere, document("i-1", "2026-11-20T11:00:00.000Z", users=2), now=clock())
    finally:
        await elsewhere.dispose()
    clock.advance(seconds=LIFETIME_S)
    assert (await _served(client))["users"] == 2


async def _served(client: TestClient[Any, Any]) -> dict[str, Any]:
    response = await client.get(STATISTICS, headers=auth())
    assert response.status == 200
    body: dict[str, Any] = await response.json()
    return body
