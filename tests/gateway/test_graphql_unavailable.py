"""GraphQL while the database is unreachable: 503 with a coded GraphQL error, then recovery."""

import pytest

from gateway.app import create_app
from gateway.settings import Settings
from tests.conftest import ADMIN, ClientFactory, FakeClock
from tests.gateway.test_unavailable import admin, own_database
from tests.graphql_client import codes, gql

pytestmark = pytest.mark.postgres
__all__ = ["own_database"]  # the fixture, shared with the REST test


async def test_503_while_the_database_is_down_then_recovery(
    aiohttp_client: ClientFactory, own_database: str, clock: FakeClock
) -> None:
    name = own_database.rsplit("/", 1)[1]
    client = await aiohttp_client(
        create_app(Settings(database_url=own_database, admin_token=ADMIN), clock=clock)
    )
    assert (await gql(client, "{ viewer { kind } }"))[0] == 200

    await admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    await admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
    # A field that reads the database: the token check itself may come from memory.
    status, body = await gql(client, "{ mauSdks }")
    assert status == 503
    assert body["data"] is None
    assert codes(body) == ["service_unavailable"]
    assert body["errors"][0]["message"] == "Requested service unavailable"

    await admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    status, body = await gql(client, "{ viewer { kind } }")
    assert (status, body) == (200, {"data": {"viewer": {"kind": "ADMIN"}}})
