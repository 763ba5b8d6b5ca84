"""Every number ingested is bounded and every body is strict JSON: 400s naming the field.

Oversized integers used to overflow a column or a batch sum (HTTP 500), and ``NaN``
was stored and later served as invalid JSON. Both databases, every ingestion door.
"""

import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from resolvers.database import Database
from resolvers.payloads import MAX_COUNT, MAX_METER_VALUE, MAX_VARIATION
from storage.tables import EvaluationBucket, EventBucket, MeterDay, StreamBucket
from tests.conftest import auth
from tests.gateway.test_sdk_endpoints import NOW_MS, new_token, post_json, rows_stored

URL = "/api/gateway/ingest"
T0 = "2026-11-20T10:00:00Z"
BIG = 2**63 - 1


def _record(kind: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, dict[str, Any]] = {
        "evaluation": {"project": "p", "environment": "e", "flag": "f", "variation": 0},
        "event": {"eventType": "received", "count": 1},
        "stream": {"source": "server", "sdk": "Go", "sdkVersion": "1", "connections": 1},
        "meter": {"meter": "service-connections", "value": 1},
    }
    return {"type": kind, "time": T0, **base[kind], **fields}


def _batch(*records: dict[str, Any]) -> str:
    return json.dumps({"records": list(records)})


BULK = {
    "count too big": (_batch(_record("evaluation", count=10**20)), "count"),
    "two event counts that overflow a sum": (
        _batch(_record("event", count=BIG), _record("event", count=BIG)),
        "count",
    ),
    "variation beyond 32 bits": (_batch(_record("evaluation", variation=2**31)), "variation"),
    "connections too big": (_batch(_record("stream", connections=10**19)), "connections"),
    "event count over the per-record bound": (
        _batch(_record("event", count=MAX_COUNT + 1)),
        "count",
    ),
    "meter value too big": (_batch(_record("meter", value=1e16)), "value"),
    "meter value out of float range": (
        _batch(_record("meter")).replace('"value": 1', '"value": 1e400'),
        "1e400",
    ),
    "NaN value": (
        _batch(_record("evaluation", value=1)).replace('"value": 1', '"value": NaN'),
        "NaN",
    ),
    "Infinity meter": (
        _batch(_record("meter")).replace('"value": 1', '"value": Infinity'),
        "Infinity",
    ),
}


@pytest.mark.parametrize(("body", "field"), BULK.values(), ids=list(BULK))
async def test_bulk_api_refuses_out_of_range_numbers(
    client: TestClient[Any, Any], db: Database, body: str, field: str
) -> None:
    response = await client.post(
        URL, data=body, headers=auth(**{"Content-Type": "application/json"})
    )
    error = await response.json()
    assert response.status == 400, error
    assert error["code"] == "invalid_request"
    assert field in error["message"]
    assert await rows_stored(db) == 0


async def test_ndjson_refuses_nan(client: TestClient[Any, Any], db: Database) -> None:
    lines = [json.dumps(_record("evaluation")), json.dumps(_record("meter")).replace("1}", "NaN}")]
    headers = auth(**{"Content-Type": "application/x-ndjson"})
    response = await client.post(URL, data="\n".join(lines), headers=headers)
    error = await response.json()
    assert response.status == 400, error
    assert "line 2" in error["message"] and "NaN" in error["message"]
    assert await rows_stored(db) == 0


async def test_the_bounds_themselves_are_stored_exactly(
    client: TestClient[Any, Any], db: Database
) -> None:
    body = _batch(
        _record("evaluation", variation=MAX_VARIATION, count=MAX_COUNT),
        _record("evaluation", variation=MAX_VARIATION, count=MAX_COUNT),
        _record("event", count=MAX_COUNT),
        _record("stream", connections=MAX_COUNT),
        _record("meter", value=MAX_METER_VALUE),
    )
    response = await client.post(
        URL, data=body, headers=auth(**{"Content-Type": "application/json"})
    )
    assert response.status == 202, await response.text()
    async with db.session() as s:
        evaluations = (
            await s.execute(select(EvaluationBucket.variation, EvaluationBucket.count))
        ).all()
        events = (await s.execute(select(EventBucket.count))).scalars().all()
        streams = (await s.execute(select(StreamBucket.connections))).scalars().all()
        meters = (await s.execute(select(MeterDay.value))).scalars().all()
    # One row per bucket width (minute and quarter-hour).
    assert sorted(evaluations) == [(2**31 - 1, 2 * 10**9)] * 2
    assert list(events) == [10**9] * 2
    assert list(streams) == [10**9] * 2
    assert [float(v) for v in meters] == [1e15]


def _summary(**counter: Any) -> str:
    event = {
        "kind": "summary",
        "startDate": NOW_MS - 5000,
        "endDate": NOW_MS - 1000,
        "features": {"f": {"counters": [{"variation": 0, "value": True, "count": 1}, counter]}},
    }
    return json.dumps([event])


def _metrics(**toggle: Any) -> str:
    bucket = {"start": "2026-11-20T11:00:00Z", "stop": "2026-11-20T11:01:00Z"}
    toggles = {"good": {"yes": 1, "no": 1}, "t": toggle}
    return json.dumps({"appName": "a", "bucket": {**bucket, "toggles": toggles}})


_REGISTRATION = {"appName": "a", "started": "2026-11-20T11:00:00Z", "strategies": []}
_DIAGNOSTIC = {"kind": "diagnostic", "creationDate": NOW_MS, "id": {"diagnosticId": "x"}}

SDK = {
    "LD count too big": ("/bulk", _summary(variation=1, count=10**20), "count"),
    "LD counts that overflow a sum": (
        "/bulk",
        _summary(variation=0, count=BIG).replace('"count": 1}', f'"count": {BIG}}}'),
        "count",
    ),
    "LD variation beyond 32 bits": ("/bulk", _summary(variation=2**31, count=1), "variation"),
    "LD NaN value": (
        "/bulk",
        _summary(variation=1, value="x", count=1).replace('"x"', "NaN"),
        "NaN",
    ),
    "LD interval beyond 32 bits": (
        "/diagnostic",
        json.dumps({**_DIAGNOSTIC, "configuration": {"diagnosticRecordingIntervalMillis": 2**40}}),
        "diagnosticRecordingIntervalMillis",
    ),
    "Unleash yes too big": ("/api/client/metrics", _metrics(yes=10**20, no=0), "yes"),
    "Unleash no too big": ("/api/client/metrics", _metrics(yes=0, no=BIG), "no"),
    "Unleash variant too big": (
        "/api/client/metrics",
        _metrics(yes=1, no=0, variants={"v": 10**20}),
        "variants.v",
    ),
    "Unleash NaN count": (
        "/api/client/metrics",
        _metrics(yes=1, no=2).replace('"no": 2', '"no": NaN'),
        "NaN",
    ),
    "Unleash interval beyond 32 bits": (
        "/api/client/register",
        json.dumps({**_REGISTRATION, "interval": 2**40}),
        "interval",
    ),
    "Unleash blank appName": (
        "/api/client/register",
        json.dumps({**_REGISTRATION, "appName": "   ", "interval": 1}),
        "appName",
    ),
}


@pytest.mark.parametrize(("path", "body", "field"), SDK.values(), ids=list(SDK))
async def test_sdk_endpoints_refuse_out_of_range_numbers(
    client: TestClient[Any, Any], db: Database, path: str, body: str, field: str
) -> None:
    _, secret = await new_token(client)
    status, text = await post_json(client, path, body, {"Authorization": secret})
    assert status == 400, text
    assert field in text
    assert await rows_stored(db) == 0
