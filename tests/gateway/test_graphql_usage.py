"""GraphQL usage fields beyond REST parity: explicit granularity, columns, points limit."""

import time
from datetime import datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from gateway.app import create_app
from gateway.settings import Settings
from resolvers.database import Database
from tests import usage_data as data
from tests.conftest import ADMIN, ClientFactory, FakeClock
from tests.graphql_client import codes, gql
from tests.usage_data import NOW

T0 = NOW - timedelta(days=3)


def evaluation(moment: datetime, count: int, variation: int = 0) -> dict[str, Any]:
    return {
        "type": "evaluation",
        "time": moment.isoformat(),
        "project": "web",
        "environment": "production",
        "flag": "f",
        "variation": variation,
        "value": variation == 1,
        "count": count,
    }


async def test_an_explicit_granularity_is_honoured(
    client: TestClient[Any, Any], db: Database
) -> None:
    await data.ingest(
        db,
        [
            evaluation(T0 + timedelta(minutes=5), 2),
            evaluation(T0 + timedelta(hours=5, minutes=1), 3),
            evaluation(T0 + timedelta(hours=5, minutes=59), 4, variation=1),
        ],
    )
    query = """{ evaluations(project: "web", environment: "production", flag: "f",
                 from: "%s", to: "%s", granularity: HOURLY) {
                 granularity from to series { labels { variation value } total times values } } }"""
    _, body = await gql(client, query % (T0.isoformat(), (T0 + timedelta(hours=6)).isoformat()))
    result = body["data"]["evaluations"]
    assert result["granularity"] == "HOURLY"
    assert (result["from"], result["to"]) == (
        T0.isoformat(),
        (T0 + timedelta(hours=6)).isoformat(),
    )
    off, on = result["series"]
    assert off["labels"] == {"variation": 0, "value": False}
    assert on["labels"] == {"variation": 1, "value": True}
    assert len(off["times"]) == 7  # 12:00 .. 18:00 inclusive of the hour holding `to`
    assert off["values"][:6] == [2, 0, 0, 0, 0, 3]
    assert on["values"][5] == 4
    assert (off["total"], on["total"]) == (5, 4)


async def test_points_and_columns_agree(client: TestClient[Any, Any], db: Database) -> None:
    await data.ingest(db, [evaluation(T0, 1), evaluation(T0 + timedelta(days=1), 6)])
    _, body = await gql(
        client,
        '{ evaluations(project: "web", environment: "production", flag: "f") '
        "{ series { times values points { time value } } } }",
    )
    [series] = body["data"]["evaluations"]["series"]
    assert [p["time"] for p in series["points"]] == series["times"]
    assert [p["value"] for p in series["points"]] == series["values"]
    assert sum(series["values"]) == 7


async def test_a_series_far_beyond_the_points_limit_is_refused_fast(
    client: TestClient[Any, Any], db: Database
) -> None:
    await data.ingest(db, [evaluation(T0, 1)])
    started = time.perf_counter()
    _, body = await gql(
        client,
        '{ evaluations(project: "web", environment: "production", flag: "f", '
        'from: "2016-01-01T00:00:00Z", granularity: MINUTELY) { series { values } } }',
    )
    assert time.perf_counter() - started < 1.0
    assert body["data"] == {"evaluations": None}
    assert codes(body) == ["too_many_points"]
    assert "limit is 100000" in body["errors"][0]["message"]


async def test_ingest_tokens_cannot_read_series(client: TestClient[Any, Any]) -> None:
    from tests.gateway.test_ingest import new_token

    token = await new_token(client, "ingest")
    _, body = await gql(client, "{ mauSdks }", token=token)
    assert codes(body) == ["forbidden"]


async def test_bad_parameters_are_invalid_requests(client: TestClient[Any, Any]) -> None:
    _, body = await gql(client, '{ streams(source: SERVER, tz: "Mars/Olympus") { to } }')
    assert codes(body) == ["invalid_request"]
    assert "tz" in body["errors"][0]["message"]
    _, body = await gql(client, '{ mau(environments: ["production"]) { to } }')
    assert codes(body) == ["invalid_request"]


async def test_the_points_limit_counts_the_whole_response(
    aiohttp_client: ClientFactory, database_url: str, clock: FakeClock
) -> None:
    settings = Settings(database_url=database_url, admin_token=ADMIN, graphql_max_points=60)
    client = await aiohttp_client(create_app(settings, clock=clock))
    two = "a: events(type: RECEIVED) { to } b: events(type: PUBLISHED) { to }"
    _, body = await gql(client, f"{{ {two} }}")  # 2 x 25 hourly points: within 60
    assert body.get("errors") is None, body
    _, body = await gql(client, f"{{ {two} c: events(type: RECEIVED) {{ to }} }}")
    assert codes(body) == ["too_many_points"]
    assert "already in this response" in body["errors"][0]["message"]
    # The next request starts from zero again.
    _, body = await gql(client, f"{{ {two} }}")
    assert body.get("errors") is None, body
