"""The 12 LaunchDarkly /api/v2/usage routes over HTTP: shapes, parameters, errors, limits."""

import random
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp.test_utils import TestClient
from openapi_spec_validator import validate

from gateway.app import create_app
from gateway.keys import CLOCK, DATABASE
from gateway.launchdarkly.query import BETA_MESSAGE
from gateway.openapi import is_rest
from gateway.settings import Settings
from resolvers import tokens
from resolvers.clock import epoch_s
from resolvers.database import Database
from tests import usage_data as data
from tests.conftest import ADMIN, ClientFactory, FakeClock, auth
from tests.usage_data import NOW

BETA = {"LD-API-Version": "beta"}
HEADERS = auth(**BETA)
MS = 1000

SERIES_LIST = [
    "/api/v2/usage/evaluations/web/production/f",
    "/api/v2/usage/events/received",
    "/api/v2/usage/events/published",
    "/api/v2/usage/mau",
    "/api/v2/usage/mau/bycategory",
    "/api/v2/usage/streams/server",
    "/api/v2/usage/streams/client/bysdkversion",
]
INTERVALS = [
    "/api/v2/usage/data-export-events",
    "/api/v2/usage/experimentation-keys",
    "/api/v2/usage/experimentation-units",
    "/api/v2/usage/service-connections",
]
ALL = [
    *SERIES_LIST,
    *INTERVALS,
    "/api/v2/usage/mau/sdks",
    "/api/v2/usage/streams/server/sdkversions",
]


@pytest.fixture
async def usage(db: Database) -> dict[str, list[data.Raw]]:
    rng = random.Random(21)
    raw = {
        "evaluations": data.evaluations(rng),
        "events": data.events(rng),
        "streams": data.streams(rng),
        "contexts": data.contexts(rng),
        "meters": data.meters(rng),
    }
    await data.ingest(db, [r for rows in raw.values() for r in rows])
    return raw


async def get(
    client: TestClient[Any, Any], path: str, headers: dict[str, str] | None = None, **query: Any
) -> tuple[int, Any, Any]:
    response = await client.get(path, params=query, headers=HEADERS if headers is None else headers)
    return response.status, await response.json(), response.headers


def assert_integers(body: dict[str, Any]) -> None:
    n = len(body["metadata"])
    for point in body["series"]:
        assert set(point) == {"time", *map(str, range(n))}
        assert all(type(v) is int for v in point.values())


@pytest.mark.parametrize("path", ALL)
async def test_every_route_answers_in_its_shape(
    client: TestClient[Any, Any], usage: object, path: str
) -> None:
    status, body, headers = await get(client, path)
    assert status == 200, body
    assert body["_links"] == {"self": {"href": path, "type": "application/json"}}
    assert "X-Ratelimit-Route-Remaining" not in headers  # the limit is off by default
    if path in SERIES_LIST:
        assert set(body) == {"_links", "metadata", "series"}
        assert_integers(body)
        times = [p["time"] for p in body["series"]]
        assert times == sorted(times)
        assert len(times) > 1
        assert all(t % (60 * MS) == 0 for t in times)
    elif path in INTERVALS:
        assert set(body) == {"_links", "series"}
        assert all(set(p) == {"time", "value"} for p in body["series"])
        assert body["series"][0]["time"] == epoch_s(NOW.replace(day=1, hour=0)) * MS
    elif path.endswith("/sdks"):
        assert body["sdks"] == ["Go", "Node.js", "iOS"]
    else:
        assert body["sdkVersions"]
        assert all(set(v) == {"sdk", "version"} for v in body["sdkVersions"])


async def test_evaluations_default_range_and_tz(
    client: TestClient[Any, Any], usage: dict[str, list[data.Raw]]
) -> None:
    path = "/api/v2/usage/evaluations/web/production/f"
    status, body, _ = await get(client, path, tz="Asia/Kathmandu")
    assert status == 200
    assert body["metadata"] == [
        {"variation": 0, "value": False},
        {"variation": 1, "value": True},
        {"variation": 3, "value": {"colour": "blue"}},
    ]
    assert body["_links"]["self"]["href"] == path + "?tz=Asia/Kathmandu"
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Asia/Kathmandu")
    starts = data.daily_starts(NOW - timedelta(days=30), NOW, zone)
    assert [p["time"] for p in body["series"]] == [s * MS for s in starts]
    mine = [
        r
        for r in usage["evaluations"]
        if r["flag"] == "f" and r["environment"] == "production"
        and epoch_s(data.moment_of(r)) >= starts[0]
    ]  # fmt: skip
    expected = data.sums(mine, data.day_key(zone), lambda r: str([0, 1, 3].index(r["variation"])))
    got = {(p["time"] // MS, k): v for p in body["series"] for k, v in p.items() if k != "time"}
    assert {k: v for k, v in got.items() if v} == dict(expected)


async def test_units_milliseconds_and_seconds(
    client: TestClient[Any, Any], usage: dict[str, list[data.Raw]]
) -> None:
    lo = NOW - timedelta(hours=1)
    status, body, _ = await get(
        client, "/api/v2/usage/events/received", **{"from": epoch_s(lo) * MS}
    )
    assert status == 200
    assert len(body["series"]) == 61
    expected = sum(
        r["count"]
        for r in usage["events"]
        if r["eventType"] == "received" and data.moment_of(r) >= lo
    )
    assert sum(p["0"] for p in body["series"]) == expected
    lo = NOW - timedelta(days=3)
    status, body, _ = await get(
        client,
        "/api/v2/usage/data-export-events",
        **{"from": epoch_s(lo), "to": epoch_s(NOW)},
    )
    assert status == 200
    assert len(body["series"]) == 4
    last = sum(
        r["value"]
        for r in usage["meters"]
        if r["meter"] == "data-export-events" and data.moment_of(r) >= NOW.replace(day=1, hour=0)
    )
    assert body["series"][-1]["value"] == last


async def test_mau_repeated_keys_and_groupby(
    client: TestClient[Any, Any], usage: dict[str, list[data.Raw]]
) -> None:
    query = [("sdk", "Go"), ("sdk", "iOS"), ("groupby", "sdk"), ("groupby", "project")]
    response = await client.get(f"/api/v2/usage/mau?{urlencode(query)}", headers=HEADERS)
    body = await response.json()
    assert response.status == 200
    assert {m["sdk"] for m in body["metadata"]} == {"Go", "iOS"}
    assert {m["project"] for m in body["metadata"]} == {"web", "mobile"}
    assert body["_links"]["self"]["href"].endswith("?" + urlencode(query))
    last_day = NOW.date()
    window = [
        r for r in usage["contexts"]
        if r["sdk"] in ("Go", "iOS")
        and r["contextKind"] == "user"
        and last_day - timedelta(days=29) <= data.moment_of(r).date() <= last_day
    ]  # fmt: skip
    for i, meta in enumerate(body["metadata"]):
        keys = {
            (r["contextKind"], r["contextKey"])
            for r in window
            if (r["sdk"], r["project"]) == (meta["sdk"], meta["project"])
        }
        assert body["series"][-1][str(i)] == len(keys)


ERRORS: list[tuple[str, dict[str, str] | None, dict[str, Any], int, str]] = [
    ("/api/v2/usage/mau", {}, {}, 401, "unauthorized"),
    ("/api/v2/usage/mau", {"Authorization": "nope", **BETA}, {}, 401, "unauthorized"),
    ("/api/v2/usage/mau", {"Authorization": "", **BETA}, {}, 401, "unauthorized"),
    ("/api/v2/usage/mau", auth(), {"from": "x"}, 403, "forbidden"),
    ("/api/v2/usage/mau", auth(**{"LD-API-Version": "20240415"}), {}, 403, "forbidden"),
    ("/api/v2/usage/mau", auth(**{"LD-API-Version": "20240415, beta"}), {}, 403, "forbidden"),
    ("/api/v2/usage/events/sent", None, {"from": "x"}, 400, "invalid_request"),
    ("/api/v2/usage/events/received", None, {"from": "1.5"}, 400, "invalid_request"),
    ("/api/v2/usage/events/received", None, {"from": "-5"}, 400, "invalid_request"),
    ("/api/v2/usage/events/received", None, {"to": "soon"}, 400, "invalid_request"),
    ("/api/v2/usage/streams/server", None, {"tz": "Mars/Olympus"}, 400, "invalid_request"),
    ("/api/v2/usage/streams/server/bysdkversion", None, {"tz": "../x"}, 400, "invalid_request"),
    ("/api/v2/usage/evaluations/web/production/f", None, {"tz": ""}, 400, "invalid_request"),
    ("/api/v2/usage/mau/sdks", None, {"sdktype": "edge"}, 400, "invalid_request"),
    ("/api/v2/usage/mau", None, {"environment": "production"}, 400, "invalid_request"),
    ("/api/v2/usage/mau", None, {"groupby": "sdkAppId"}, 400, "invalid_request"),
    ("/api/v2/usage/mau", None, {"aggregationType": "weekly"}, 400, "invalid_request"),
    ("/api/v2/usage/mau/bycategory", None, {"from": "2", "to": "1"}, 400, "invalid_request"),
    ("/api/v2/usage/service-connections", None, {"projectKey": "web"}, 400, "invalid_request"),
    ("/api/v2/usage/experimentation-keys", None, {"environmentKey": "p"}, 400, "invalid_request"),
    ("/api/v2/usage/experimentation-units", None, {"from": "0"}, 400, "invalid_request"),
    ("/api/v2/usage/events/sent", None, {}, 404, "not_found"),
    ("/api/v2/usage/streams/mobile", None, {}, 404, "not_found"),
    ("/api/v2/usage/streams/mobile/bysdkversion", None, {}, 404, "not_found"),
    ("/api/v2/usage/streams/mobile/sdkversions", None, {}, 404, "not_found"),
    ("/api/v2/usage/evaluations/web/production/nope", None, {}, 404, "not_found"),
    ("/api/v2/usage/evaluations/web/nope/f", None, {}, 404, "not_found"),
    ("/api/v2/usage/evaluations/nope/production/f", None, {}, 404, "not_found"),
    ("/api/v2/usage/nothing", None, {}, 404, "not_found"),
]


@pytest.mark.parametrize(("path", "headers", "query", "status", "code"), ERRORS)
async def test_errors_in_contract_order_and_shape(
    client: TestClient[Any, Any],
    usage: object,
    path: str,
    headers: dict[str, str] | None,
    query: dict[str, Any],
    status: int,
    code: str,
) -> None:
    got, body, _ = await get(client, path, headers, **query)
    assert (got, body["code"]) == (status, code), body
    assert isinstance(body["message"], str)
    assert body["message"]
    if status == 403:
        assert body["message"] == BETA_MESSAGE
    if status == 400:
        # The message starts with the parameter at fault (the missing partner for meters).
        partner = {"projectKey": "environmentKey", "environmentKey": "projectKey"}
        name = next(iter(query))
        assert body["message"].startswith(partner.get(name, name) + ":"), body


async def test_repeated_single_value_and_first_beta_header_wins(
    client: TestClient[Any, Any], usage: object
) -> None:
    response = await client.get("/api/v2/usage/events/received?to=1&to=2", headers=HEADERS)
    assert response.status == 400
    assert (await response.json())["message"].startswith("to:")
    headers = [("Authorization", ADMIN), ("LD-API-Version", "beta"), ("LD-API-Version", "x")]
    response = await client.get("/api/v2/usage/mau", headers=headers)
    assert response.status == 200
    headers = [("Authorization", ADMIN), ("LD-API-Version", "x"), ("LD-API-Version", "beta")]
    response = await client.get("/api/v2/usage/mau", headers=headers)
    assert response.status == 403


async def token(client: TestClient[Any, Any], kind: str) -> str:
    app = client.server.app
    _, secret = await tokens.create_token(app[DATABASE], kind=kind, name=kind, now=app[CLOCK]())
    return secret


async def test_read_and_admin_tokens_may_read_ingest_tokens_may_not(
    client: TestClient[Any, Any],
) -> None:
    read, ingest = await token(client, "read"), await token(client, "ingest")
    assert (await get(client, "/api/v2/usage/mau", auth(read, **BETA)))[0] == 200
    status, body, _ = await get(client, "/api/v2/usage/mau", auth(ingest, **BETA))
    assert (status, body["code"]) == (403, "forbidden")


async def test_a_future_to_is_clipped_to_now(client: TestClient[Any, Any]) -> None:
    future = epoch_s(NOW + timedelta(days=3)) * MS
    status, body, _ = await get(client, "/api/v2/usage/mau/bycategory", to=future)
    assert status == 200
    assert body["series"][-1]["time"] == epoch_s(NOW.replace(hour=0)) * MS


async def limited_client(
    aiohttp_client: ClientFactory, database_url: str, clock: FakeClock, **extra: Any
) -> TestClient[Any, Any]:
    settings = Settings(
        database_url=database_url, admin_token=ADMIN, rate_limit_per_minute=3, **extra
    )
    return await aiohttp_client(create_app(settings, clock=clock))


async def spend_limit(clients: list[TestClient[Any, Any]], clock: FakeClock) -> None:
    reset = str((epoch_s(clock.now) // 60 + 1) * 60 * MS)
    for i, remaining in enumerate(["2", "1", "0"]):
        response = await clients[i % len(clients)].get("/api/v2/usage/mau/sdks", headers=HEADERS)
        assert response.status == 200
        assert response.headers["X-Ratelimit-Route-Remaining"] == remaining
        assert response.headers["X-Ratelimit-Reset"] == reset
    response = await clients[-1].get("/api/v2/usage/events/received", headers=HEADERS)
    assert response.status == 429
    assert await response.json() == {
        "code": "rate_limited",
        "message": "You've exceeded the API rate limit. Try again later.",
    }
    assert response.headers["X-Ratelimit-Route-Remaining"] == "0"
    assert response.headers["X-Ratelimit-Reset"] == reset
    assert response.headers["Retry-After"] == str(int(reset) // MS - epoch_s(clock.now))


async def test_rate_limit_in_process(
    aiohttp_client: ClientFactory, database_url: str, clock: FakeClock
) -> None:
    client = await limited_client(aiohttp_client, database_url, clock)
    clock.advance(seconds=15)
    await spend_limit([client], clock)
    other = await token(client, "read")
    assert (await get(client, "/api/v2/usage/mau", auth(other, **BETA)))[0] == 200
    clock.advance(seconds=60)
    assert (await get(client, "/api/v2/usage/mau"))[0] == 200


REDIS_URL = "redis://127.0.0.1:6379/0"


async def test_rate_limit_shared_through_redis(
    aiohttp_client: ClientFactory, database_url: str, clock: FakeClock
) -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(REDIS_URL)
    try:
        await redis.ping()
    except OSError as exc:
        pytest.skip(f"Redis unreachable: {exc}")
    prefix = f"ug-test-{uuid.uuid4().hex}:"
    try:
        # Two apps on one database and one Redis: two gateway processes.
        first = await limited_client(
            aiohttp_client, database_url, clock, redis_url=REDIS_URL, redis_prefix=prefix
        )
        second = await limited_client(
            aiohttp_client, database_url, clock, redis_url=REDIS_URL, redis_prefix=prefix
        )
        await spend_limit([first, second], clock)
        assert await redis.keys(prefix + "*")
    finally:
        keys = await redis.keys(prefix + "*")
        if keys:
            await redis.delete(*keys)
        await redis.aclose()


async def test_an_unreachable_redis_does_not_take_the_api_down(
    aiohttp_client: ClientFactory, database_url: str, clock: FakeClock
) -> None:
    client = await limited_client(
        aiohttp_client, database_url, clock, redis_url="redis://127.0.0.1:1/0"
    )
    status, _, headers = await get(client, "/api/v2/usage/mau")
    assert status == 200
    assert "X-Ratelimit-Route-Remaining" not in headers


async def test_openapi_lists_every_route(client: TestClient[Any, Any]) -> None:
    response = await client.get("/openapi.json")
    doc = await response.json()
    assert response.status == 200
    assert doc["openapi"].startswith("3.")
    validate(doc)  # a valid OpenAPI 3 document, $refs resolved
    served = {
        (r.method.lower(), r.resource.canonical)
        for r in client.server.app.router.routes()
        if r.resource is not None
        and r.method not in ("HEAD", "*")
        and is_rest(r.resource.canonical)
    }
    listed = {(m, p) for p, ops in doc["paths"].items() for m in ops}
    assert served == listed
    for path in ALL:
        canonical = (
            "/api/v2/usage/evaluations/{projectKey}/{environmentKey}/{featureFlagKey}"
            if "evaluations" in path
            else path.replace("/events/received", "/events/{type}")
            .replace("/events/published", "/events/{type}")
            .replace("/streams/server", "/streams/{source}")
            .replace("/streams/client", "/streams/{source}")
        )
        assert "200" in doc["paths"][canonical]["get"]["responses"]
    assert {
        "/api/gateway/ingest",
        "/health",
        "/ready",
        "/api/admin/instance-admin/statistics",
        "/api/admin/instance-admin/statistics/csv",
    } <= set(doc["paths"])


async def test_graphql_spends_the_same_budget(
    aiohttp_client: ClientFactory, database_url: str, clock: FakeClock
) -> None:
    client = await limited_client(aiohttp_client, database_url, clock)
    query = {"query": "{ mauSdks { sdks } }"}
    for remaining in ("2", "1"):
        response = await client.post("/graphql", json=query, headers=auth())
        assert response.status == 200
        assert response.headers["X-Ratelimit-Route-Remaining"] == remaining
    assert (await get(client, "/api/v2/usage/mau/sdks"))[0] == 200  # the third request
    response = await client.post("/graphql", json=query, headers=auth())
    assert response.status == 429
    body = await response.json()
    assert body["errors"][0]["extensions"]["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) > 0
