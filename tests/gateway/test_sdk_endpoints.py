"""The SDK endpoints over HTTP: auth, channels, retries, CORS, and malformed payloads."""

import gzip
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from gateway.keys import CLOCK, DATABASE
from resolvers import tokens
from resolvers.clock import epoch_ms
from resolvers.database import Database
from resolvers.ingestion import context_hash
from storage.tables import (
    ClientApplication,
    ContextDay,
    EvaluationBucket,
    EventBucket,
    FlagVariation,
    IngestBatch,
    StreamBucket,
)
from tests.conftest import ADMIN, FakeClock
from tests.gateway.sdk_support import contexts_seen, evaluation_counts

USAGE_TABLES = (
    EvaluationBucket,
    FlagVariation,
    ContextDay,
    EventBucket,
    StreamBucket,
    ClientApplication,
    IngestBatch,
)


async def rows_stored(db: Database) -> int:
    total = 0
    async with db.session() as session:
        for model in USAGE_TABLES:
            total += int(
                (await session.execute(select(func.count()).select_from(model))).scalar_one()
            )
    return total


async def new_token(
    client: TestClient[Any, Any], kind: str = "ingest", scoped: bool = True
) -> tuple[tokens.TokenInfo, str]:
    app = client.server.app
    scope = {"project": "web", "environment": "production"} if scoped else {}
    info, secret = await tokens.create_token(
        app[DATABASE], kind=kind, name=kind, now=app[CLOCK](), **scope
    )
    return info, secret


def summary(clock: FakeClock, **counters: list[dict[str, Any]]) -> dict[str, Any]:
    now = epoch_ms(clock.now)
    return {
        "kind": "summary",
        "startDate": now - 5000,
        "endDate": now - 1000,
        "features": {flag: {"default": None, "counters": c} for flag, c in counters.items()},
    }


def index(clock: FakeClock, context: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "index", "creationDate": epoch_ms(clock.now) - 2000, "context": context}


async def post_json(
    client: TestClient[Any, Any], path: str, body: Any, headers: dict[str, str]
) -> tuple[int, str]:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    response = await client.post(
        path, data=data, headers={"Content-Type": "application/json", **headers}
    )
    return response.status, await response.text()


async def test_mobile_key_with_api_key_prefix_counts_as_mobile_client(
    client: TestClient[Any, Any], db: Database, clock: FakeClock
) -> None:
    _, secret = await new_token(client)
    payload = [
        index(clock, {"kind": "user", "key": "m1"}),
        summary(clock, flag=[{"variation": 1, "value": "x", "count": 4, "version": 2}]),
    ]
    headers = {"Authorization": f"api_key {secret}", "User-Agent": "AndroidClient/5.9.1"}
    for path in ("/mobile", "/mobile/events", "/mobile/events/bulk"):
        assert await post_json(client, path, payload, headers) == (202, "")
    assert await evaluation_counts(db) == {("web", "production", "flag", 1, "Android", "5.9.1"): 12}
    dims = ("web", "production", "Android", "client", "mobile")
    assert await contexts_seen(db) == {(context_hash("user", "m1"), "user", False, *dims)}


async def test_browser_sdk_uses_the_client_side_id_and_cors(
    client: TestClient[Any, Any], db: Database, clock: FakeClock
) -> None:
    info, _ = await new_token(client)
    path = f"/events/bulk/{info.client_id}"
    preflight = await client.options(
        path,
        headers={"Origin": "https://shop.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert "X-LaunchDarkly-Payload-ID" in preflight.headers["Access-Control-Allow-Headers"]
    payload = [
        index(
            clock,
            {"kind": "multi", "user": {"key": "b1", "anonymous": True}, "device": {"key": "d1"}},
        ),
        summary(clock, flag=[{"variation": 0, "value": True, "count": 2}]),
    ]
    headers = {
        "Origin": "https://shop.example",
        "User-Agent": "Mozilla/5.0 (X11; Linux x86_64)",
        "X-LaunchDarkly-User-Agent": "JSClient/3.4.0",
        "X-LaunchDarkly-Wrapper": "react-client-sdk/3.6.0",
    }
    response = await client.post(path, data=json.dumps(payload), headers=headers)
    assert response.status == 202
    assert response.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert await evaluation_counts(db) == {("web", "production", "flag", 0, "React", "3.6.0"): 2}
    dims = ("web", "production", "React", "client", "browser")
    assert await contexts_seen(db) == {
        (context_hash("user", "b1"), "user", True, *dims),
        (context_hash("device", "d1"), "device", False, *dims),
    }
    # An unknown client-side ID is refused, in LaunchDarkly's shape, readable cross-origin.
    refused = await client.post("/events/bulk/nope", data="[]", headers=headers)
    assert refused.status == 401
    assert refused.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert (await refused.json())["code"] == "unauthorized"


async def test_a_retried_payload_id_counts_once(
    client: TestClient[Any, Any], db: Database, clock: FakeClock
) -> None:
    _, secret = await new_token(client)
    payload = [
        summary(clock, flag=[{"variation": 0, "value": 1, "count": 3}]),
        {
            "kind": "custom",
            "key": "buy",
            "creationDate": epoch_ms(clock.now),
            "contextKeys": {"user": "u"},
        },
    ]
    headers = {"Authorization": secret, "User-Agent": "GoClient/7.1.0"}
    for _ in range(2):
        retry = {**headers, "X-LaunchDarkly-Payload-ID": "2f6c1d0e-retry"}
        assert (await post_json(client, "/bulk", payload, retry))[0] == 202
    assert (await post_json(client, "/bulk", payload, headers))[0] == 202  # no ID: new data
    assert await evaluation_counts(db) == {("web", "production", "flag", 0, "Go", "7.1.0"): 6}
    async with db.session() as session:
        received = (
            (await session.execute(select(EventBucket.count).where(EventBucket.width == 60)))
            .scalars()
            .all()
        )
    assert received == [2]
    # contextKeys alone carry no anonymous flag: no MAU row from them.
    assert await contexts_seen(db) == set()


async def test_counters_without_variation_and_unknown_kinds_are_skipped(
    client: TestClient[Any, Any], db: Database, clock: FakeClock
) -> None:
    _, secret = await new_token(client)
    payload = [
        summary(
            clock,
            known=[{"variation": 2, "value": "b", "count": 1, "version": 4}],
            gone=[{"value": "fallback", "count": 9, "unknown": True}],
        ),
        {"kind": "some-future-kind", "whatever": [1, 2]},
    ]
    assert (await post_json(client, "/bulk", payload, {"Authorization": secret}))[0] == 202
    assert await evaluation_counts(db) == {("web", "production", "known", 2, "", ""): 1}


async def test_diagnostics_gauge_live_instances(
    client: TestClient[Any, Any], db: Database, clock: FakeClock
) -> None:
    _, secret = await new_token(client)
    headers = {"Authorization": secret, "User-Agent": "NodeJSClient/9.2.0"}

    def init(instance: str) -> dict[str, Any]:
        return {
            "kind": "diagnostic-init",
            "id": {"diagnosticId": instance, "sdkKeySuffix": secret[-6:]},
            "creationDate": epoch_ms(clock.now),
            "sdk": {"name": "node-server-sdk", "version": "9.2.0"},
            "configuration": {"diagnosticRecordingIntervalMillis": 900000},
        }

    for instance in ("i-1", "i-2", "i-3"):
        assert (await post_json(client, "/diagnostic", init(instance), headers))[0] == 202
    clock.advance(minutes=31)  # i-1..i-3 are no longer live; i-4 is alone
    assert (await post_json(client, "/diagnostic", init("i-4"), headers))[0] == 202
    async with db.session() as session:
        peaks = (
            await session.execute(
                select(StreamBucket.source, StreamBucket.sdk, StreamBucket.connections)
                .where(StreamBucket.width == 60)
                .order_by(StreamBucket.start)
            )
        ).all()
    assert [tuple(p) for p in peaks] == [("server", "Node.js", 3), ("server", "Node.js", 1)]


@pytest.mark.parametrize(
    ("kind", "scoped", "status"),
    [("admin", False, 403), ("ingest", False, 403), ("read", False, 403)],
)
async def test_sdks_need_a_scoped_ingest_token(
    client: TestClient[Any, Any], db: Database, kind: str, scoped: bool, status: int
) -> None:
    _, secret = await new_token(client, kind, scoped)
    for path in ("/bulk", "/diagnostic", "/mobile/events/bulk", "/api/client/metrics"):
        assert (await post_json(client, path, "[]", {"Authorization": secret}))[0] == status
    assert (await post_json(client, "/bulk", "[]", {"Authorization": ADMIN}))[0] == 403
    assert (await post_json(client, "/bulk", "[]", {"Authorization": "unknown"}))[0] == 401
    assert (await post_json(client, "/bulk", "[]", {}))[0] == 401


async def test_unleash_features_default_empty_with_etag(client: TestClient[Any, Any]) -> None:
    _, secret = await new_token(client)
    response = await client.get("/api/client/features", headers={"Authorization": secret})
    assert response.status == 200
    assert await response.json() == {"version": 2, "features": []}
    etag = response.headers["ETag"]
    again = await client.get(
        "/api/client/features", headers={"Authorization": secret, "If-None-Match": etag}
    )
    assert again.status == 304
    unauthorized = await client.get("/api/client/features")
    assert unauthorized.status == 401
    assert (await unauthorized.json())["message"] == "You must log in to use Unleash."


NOW_MS = epoch_ms(FakeClock(datetime(2026, 11, 20, 12, 0, tzinfo=UTC)).now)
GOOD_SUMMARY = {
    "kind": "summary",
    "startDate": NOW_MS - 5000,
    "endDate": NOW_MS - 1000,
    "features": {"f": {"counters": [{"variation": 0, "value": True, "count": 1}]}},
}


def _counter(**counter: Any) -> dict[str, Any]:
    return {**GOOD_SUMMARY, "features": {"f": {"counters": [counter]}}}


def _indexed(context: Any) -> list[Any]:
    # A good summary first: nothing of a rejected payload may be stored.
    return [GOOD_SUMMARY, {"kind": "index", "creationDate": NOW_MS, "context": context}]


ANALYTICS = {
    "not json": "{",
    "not an array": GOOD_SUMMARY,
    "event not an object": [GOOD_SUMMARY, 3],
    "kind missing": [GOOD_SUMMARY, {"creationDate": NOW_MS}],
    "count not an integer": [_counter(variation=0, count="1")],
    "negative variation": [_counter(variation=-1, count=1)],
    "counters not an array": [{**GOOD_SUMMARY, "features": {"f": {"counters": {}}}}],
    "start after end": [{**GOOD_SUMMARY, "startDate": NOW_MS, "endDate": NOW_MS - 10}],
    "context key missing": _indexed({"kind": "user"}),
    "context key not a string": _indexed({"key": 7}),
    "anonymous not a bool": _indexed({"key": "k", "anonymous": "yes"}),
    "empty multi-kind context": _indexed({"kind": "multi"}),
    "context not an object": _indexed("k"),
    "creationDate a string": [
        GOOD_SUMMARY,
        {"kind": "identify", "creationDate": "now", "context": {"key": "k"}},
    ],
    "custom without key": [
        GOOD_SUMMARY,
        {"kind": "custom", "creationDate": NOW_MS, "context": {"key": "k"}},
    ],
}
DIAGNOSTIC = {
    "not json": "nope",
    "not an object": [],
    "no id": {"kind": "diagnostic", "creationDate": NOW_MS},
    "no diagnosticId": {"kind": "diagnostic", "creationDate": NOW_MS, "id": {}},
    "bad creationDate": {"kind": "diagnostic", "creationDate": -1, "id": {"diagnosticId": "x"}},
    "sdk not an object": {
        "kind": "diagnostic-init",
        "creationDate": NOW_MS,
        "id": {"diagnosticId": "x"},
        "sdk": "python",
    },
}
_REGISTRATION = {
    "appName": "a",
    "interval": 1000,
    "started": "2026-11-20T11:00:00Z",
    "strategies": [],
}
REGISTER = {
    "not json": "{",
    "an array": [_REGISTRATION],
    "appName missing": {k: v for k, v in _REGISTRATION.items() if k != "appName"},
    "interval a string": {**_REGISTRATION, "interval": "10s"},
    "started missing": {k: v for k, v in _REGISTRATION.items() if k != "started"},
    "started not a date": {**_REGISTRATION, "started": "yesterday"},
    "strategies not strings": {**_REGISTRATION, "strategies": [1]},
}
_BUCKET = {"start": "2026-11-20T11:00:00Z", "stop": "2026-11-20T11:01:00Z"}


def _toggles(**toggles: Any) -> dict[str, Any]:
    # A good toggle first: nothing of a rejected payload may be stored.
    good = {"good": {"yes": 1, "no": 1}}
    return {"appName": "a", "bucket": {**_BUCKET, "toggles": {**good, **toggles}}}


METRICS = {
    "not json": "]",
    "bucket missing": {"appName": "a"},
    "appName missing": {"bucket": {**_BUCKET, "toggles": {}}},
    "toggles missing": {"appName": "a", "bucket": _BUCKET},
    "yes negative": _toggles(t={"yes": -1, "no": 0}),
    "no a float": _toggles(t={"yes": 1, "no": 0.5}),
    "toggle not an object": _toggles(t=3),
    "variants not counts": _toggles(t={"yes": 1, "variants": {"v": "2"}}),
    "stop before start": {
        **_toggles(),
        "bucket": {**_toggles()["bucket"], "stop": "2026-11-20T10:00:00Z"},
    },
    "start not a date": {**_toggles(), "bucket": {**_toggles()["bucket"], "start": "soon"}},
}
ANALYTICS_PATHS = ("/bulk", "/mobile", "/mobile/events", "/mobile/events/bulk", "/events/bulk/{id}")
DIAGNOSTIC_PATHS = ("/diagnostic", "/mobile/events/diagnostic", "/events/diagnostic/{id}")
# Every case on one path per way of authenticating; two cases on each alias.
ALIAS_CASES = ("not json", "context key missing", "no diagnosticId")
MALFORMED = [
    *(
        (path, name, body)
        for path in ANALYTICS_PATHS
        for name, body in ANALYTICS.items()
        if path in ("/bulk", "/events/bulk/{id}") or name in ALIAS_CASES
    ),
    *(
        (path, name, body)
        for path in DIAGNOSTIC_PATHS
        for name, body in DIAGNOSTIC.items()
        if path in ("/diagnostic", "/events/diagnostic/{id}") or name in ALIAS_CASES
    ),
    *(("/api/client/register", name, body) for name, body in REGISTER.items()),
    *(("/api/client/metrics", name, body) for name, body in METRICS.items()),
]


@pytest.mark.parametrize(
    ("path", "body"),
    [pytest.param(path, body, id=f"{path}:{name}") for path, name, body in MALFORMED],
)
async def test_malformed_payloads_get_a_clear_400_and_store_nothing(
    client: TestClient[Any, Any], db: Database, path: str, body: Any
) -> None:
    info, secret = await new_token(client)
    status, text = await post_json(
        client, path.replace("{id}", info.client_id), body, {"Authorization": secret}
    )
    assert status == 400, text
    error = json.loads(text)
    if path.startswith("/api/client/"):
        assert error["name"] == "BadDataError"
        assert error["details"][0]["message"]
    else:
        assert error["code"] == "invalid_request"
    assert len(error["message"]) > 20
    assert await rows_stored(db) == 0


async def test_gzip_compressed_payloads_are_accepted(
    client: TestClient[Any, Any], db: Database
) -> None:
    _, secret = await new_token(client)
    body = gzip.compress(json.dumps([GOOD_SUMMARY]).encode())
    headers = {
        "Authorization": secret,
        "Content-Encoding": "gzip",
        "User-Agent": "PythonClient/9.18.2",
    }
    assert await post_json(client, "/bulk", body, headers) == (202, "")
    assert await evaluation_counts(db) == {("web", "production", "f", 0, "Python", "9.18.2"): 1}


async def test_unleash_metrics_take_the_sdk_the_instance_registered_with(
    client: TestClient[Any, Any], db: Database
) -> None:
    _, secret = await new_token(client)
    headers = {"Authorization": secret}
    registration = {**_REGISTRATION, "appName": "shop", "instanceId": "pod-7"}
    registration["sdkVersion"] = "unleash-client-go:4.1.0"
    assert (await post_json(client, "/api/client/register", registration, headers))[0] == 202
    metrics = {"appName": "shop", "instanceId": "pod-7", "bucket": _toggles()["bucket"]}
    assert (await post_json(client, "/api/client/metrics", metrics, headers))[0] == 202
    sdk = ("unleash-client-go", "4.1.0")
    assert await evaluation_counts(db) == {
        ("web", "production", "good", 0, *sdk): 1,
        ("web", "production", "good", 1, *sdk): 1,
    }
