"""The bulk ingestion API (docs/formats.md §3) on SQLite and PostgreSQL."""

import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from gateway.settings import Settings
from resolvers.database import Database
from storage.tables import (
    ContextDay,
    EvaluationBucket,
    EventBucket,
    FlagVariation,
    IngestBatch,
    InstanceStatistics,
    MeterDay,
    StreamBucket,
)
from tests.conftest import ADMIN, FakeClock, auth

URL = "/api/gateway/ingest"
T0 = "2026-11-20T10:00:00Z"


def evaluation(**fields: Any) -> dict[str, Any]:
    base = {
        "type": "evaluation",
        "time": T0,
        "project": "p",
        "environment": "production",
        "flag": "f",
        "variation": 0,
    }
    return base | fields


async def count_rows(db: Database, model: Any, *where: Any) -> int:
    async with db.session() as session:
        stmt = select(func.count()).select_from(model)
        for condition in where:
            stmt = stmt.where(condition)
        return int((await session.execute(stmt)).scalar_one())


async def new_token(client: TestClient[Any, Any], kind: str) -> str:
    from gateway.keys import CLOCK, DATABASE
    from resolvers import tokens

    app = client.server.app
    _, secret = await tokens.create_token(app[DATABASE], kind=kind, name=kind, now=app[CLOCK]())
    return secret


async def post(
    client: TestClient[Any, Any],
    body: Any,
    *,
    headers: dict[str, str] | None = None,
    content_type: str = "application/json",
) -> tuple[int, Any]:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    response = await client.post(
        URL,
        data=data,
        headers={"Content-Type": content_type, **(headers if headers is not None else auth())},
    )
    return response.status, await response.json()


async def test_every_record_type_is_accepted(client: TestClient[Any, Any], db: Database) -> None:
    from resolvers.checksum import statistics_sum

    document = {
        "instanceId": "i-1",
        "users": 3,
        "featureToggles": 4,
        "projects": 1,
        "roles": 5,
        "groups": 0,
        "environments": 2,
        "segments": 0,
    }
    document["sum"] = statistics_sum(document)
    records = [
        evaluation(value=True, count=3, sdk="Go", sdkVersion="6.1.0"),
        {
            "type": "context",
            "time": T0,
            "contextKey": "u1",
            "project": "p",
            "environment": "production",
            "sdk": "Go",
            "sdkType": "server",
            "category": "backend",
        },
        {
            "type": "stream",
            "time": T0,
            "source": "server",
            "sdk": "Go",
            "sdkVersion": "6.1.0",
            "connections": 7,
        },
        {"type": "event", "time": 1763632800000, "eventType": "received", "count": 5},
        {"type": "meter", "time": T0, "meter": "service-connections", "value": 1.5},
        {"type": "statistics", "document": document},
    ]
    status, body = await post(client, {"records": records})
    assert (status, body) == (202, {"accepted": 6})
    assert await count_rows(db, EvaluationBucket) == 2  # one minute, one quarter-hour bucket
    assert await count_rows(db, FlagVariation) == 1
    assert await count_rows(db, ContextDay) == 1
    assert await count_rows(db, StreamBucket) == 2
    assert await count_rows(db, EventBucket) == 2
    assert await count_rows(db, MeterDay) == 1
    assert await count_rows(db, InstanceStatistics) == 1


async def test_many_events_in_one_bucket_leave_one_row_per_bucket(
    client: TestClient[Any, Any], db: Database
) -> None:
    # 500 evaluations in the same minute, two variations, sent in five batches.
    for batch in range(5):
        records = [
            evaluation(time=f"2026-11-20T10:07:{s:02d}Z", variation=s % 2)
            for s in range(batch * 10, batch * 10 + 10)
            for _ in range(10)
        ]
        assert (await post(client, {"records": records}))[0] == 202
    async with db.session() as session:
        rows = (
            await session.execute(
                select(
                    EvaluationBucket.width, EvaluationBucket.variation, EvaluationBucket.count
                ).order_by(EvaluationBucket.width, EvaluationBucket.variation)
            )
        ).all()
    assert [tuple(r) for r in rows] == [(60, 0, 250), (60, 1, 250), (900, 0, 250), (900, 1, 250)]


async def test_stream_buckets_keep_the_peak(client: TestClient[Any, Any], db: Database) -> None:
    records = [
        {
            "type": "stream",
            "time": f"2026-11-20T10:0{m}:00Z",
            "source": "client",
            "sdk": "iOS",
            "sdkVersion": "9.1.0",
            "connections": c,
        }
        for m, c in ((0, 5), (1, 9), (2, 4))
    ]
    assert (await post(client, {"records": records[:2]}))[0] == 202
    assert (await post(client, {"records": records[2:]}))[0] == 202
    async with db.session() as session:
        quarter = (
            await session.execute(select(StreamBucket.connections).where(StreamBucket.width == 900))
        ).scalar_one()
    assert quarter == 9


async def test_ndjson_body(client: TestClient[Any, Any], db: Database) -> None:
    lines = "\n".join(json.dumps(evaluation(count=2)) for _ in range(3)) + "\n\n"
    status, body = await post(client, lines, content_type="application/x-ndjson")
    assert (status, body) == (202, {"accepted": 3})
    async with db.session() as session:
        total = (
            await session.execute(
                select(func.sum(EvaluationBucket.count)).where(EvaluationBucket.width == 60)
            )
        ).scalar_one()
    assert total == 6


async def test_idempotency_key_stores_a_retried_batch_once(
    client: TestClient[Any, Any], db: Database
) -> None:
    headers = auth(**{"Idempotency-Key": "batch-42"})
    for _ in range(3):
        status, body = await post(client, {"records": [evaluation(count=4)] * 2}, headers=headers)
        assert (status, body) == (202, {"accepted": 2})
    async with db.session() as session:
        total = (
            await session.execute(
                select(func.sum(EvaluationBucket.count)).where(EvaluationBucket.width == 60)
            )
        ).scalar_one()
    assert total == 8
    assert await count_rows(db, IngestBatch) == 1


@pytest.mark.parametrize(
    ("record", "field"),
    [
        (evaluation(variation=-1), "variation"),
        (evaluation(variation="1"), "variation"),
        (evaluation(count=0), "count"),
        (evaluation(flag=""), "flag"),
        (evaluation(time="yesterday"), "time"),
        (evaluation(time="2026-11-20T10:00:00"), "time"),
        (evaluation(time="2026-11-21T10:00:00Z"), "time"),  # in the future
        ({"type": "nope", "time": T0}, "type"),
        (
            {
                "type": "stream",
                "time": T0,
                "source": "edge",
                "sdk": "Go",
                "sdkVersion": "1",
                "connections": 1,
            },
            "source",
        ),
        ({"type": "meter", "time": T0, "meter": "service-connections", "value": -1}, "value"),
        (
            {
                "type": "meter",
                "time": T0,
                "meter": "service-connections",
                "value": 1,
                "project": "p",
            },
            "environment",
        ),
        (
            {"type": "statistics", "document": {"instanceId": "x", "users": 1, "sum": "0" * 64}},
            "document.sum",
        ),
        (
            {
                "type": "context",
                "time": T0,
                "contextKey": "u",
                "project": "p",
                "environment": "e",
                "sdk": "Go",
                "sdkType": "server",
                "category": "desktop",
            },
            "category",
        ),
    ],
)
async def test_bad_records_are_rejected_whole(
    client: TestClient[Any, Any], db: Database, record: dict[str, Any], field: str
) -> None:
    status, body = await post(client, {"records": [evaluation(), record]})
    assert status == 400
    assert body["code"] == "invalid_request"
    assert field in body["message"]
    assert body["errors"] == [{"index": 1, "field": field, "message": body["errors"][0]["message"]}]
    assert await count_rows(db, EvaluationBucket) == 0  # the good record was not stored either


@pytest.mark.parametrize(
    ("data", "content_type", "needle"),
    [
        ('{"records": [', "application/json", "not valid JSON"),
        ('{"rows": []}', "application/json", '"records" array'),
        ('[{"type": "event"}]', "application/json", '"records" array'),
        ('{"type":"event"}\n{oops', "application/x-ndjson", "line 2"),
        ("records=1", "text/plain", "Content-Type"),
        (b"\xff\xfe", "application/json", "UTF-8"),
    ],
)
async def test_malformed_bodies(
    client: TestClient[Any, Any], data: str | bytes, content_type: str, needle: str
) -> None:
    status, body = await post(client, data, content_type=content_type)
    assert status == 400
    assert body["code"] == "invalid_request"
    assert needle in body["message"]


async def test_oversize_body_is_413(
    aiohttp_client: Any, database_url: str, clock: FakeClock, db: Database
) -> None:
    from gateway.app import create_app

    app = create_app(
        Settings(database_url=database_url, admin_token=ADMIN, max_body_bytes=1000), clock=clock
    )
    client = await aiohttp_client(app)
    status, body = await post(client, {"records": [evaluation()] * 50})
    assert status == 413
    assert body["code"] == "payload_too_large"
    assert await count_rows(db, EvaluationBucket) == 0


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "unauthorized"),
        ({"Authorization": "wrong"}, 401, "unauthorized"),
        ({"Authorization": f"Bearer {ADMIN}"}, 202, None),
        ({"Authorization": f"bearer {ADMIN}"}, 202, None),
    ],
)
async def test_auth(
    client: TestClient[Any, Any], headers: dict[str, str], status: int, code: str | None
) -> None:
    got, body = await post(client, {"records": [evaluation()]}, headers=headers)
    assert got == status
    assert body.get("code") == code


async def test_token_kinds(client: TestClient[Any, Any], db: Database) -> None:
    read = await new_token(client, "read")
    ingest = await new_token(client, "ingest")
    status, body = await post(client, {"records": [evaluation()]}, headers=auth(read))
    assert (status, body["code"]) == (403, "forbidden")
    assert "read token" in body["message"]
    assert (await post(client, {"records": [evaluation()]}, headers=auth(ingest)))[0] == 202


async def test_health_and_ready(client: TestClient[Any, Any]) -> None:
    assert (await client.get("/health")).status == 200
    response = await client.get("/ready")
    assert (response.status, await response.json()) == (200, {"status": "ok"})


async def test_unknown_route_has_the_error_shape(client: TestClient[Any, Any]) -> None:
    response = await client.get("/api/v2/usage/nothing-here")
    assert response.status == 404
    assert await response.json() == {"code": "not_found", "message": "Invalid resource identifier"}


async def test_concurrent_retries_with_one_key_are_stored_once(
    client: TestClient[Any, Any], db: Database
) -> None:
    import asyncio

    headers = auth(**{"Idempotency-Key": "race"})
    results = await asyncio.gather(
        *(post(client, {"records": [evaluation(count=3)]}, headers=headers) for _ in range(6))
    )
    assert results == [(202, {"accepted": 1})] * 6
    async with db.session() as session:
        total = (
            await session.execute(
                select(func.sum(EvaluationBucket.count)).where(EvaluationBucket.width == 60)
            )
        ).scalar_one()
    assert total == 3


async def test_same_key_from_another_token_is_another_batch(
    client: TestClient[Any, Any], db: Database
) -> None:
    other = await new_token(client, "ingest")
    for secret in (ADMIN, other):
        status, _ = await post(
            client, {"records": [evaluation()]}, headers=auth(secret, **{"Idempotency-Key": "k"})
        )
        assert status == 202
    assert await count_rows(db, IngestBatch) == 2


async def test_a_late_old_record_does_not_overwrite_a_newer_variation_value(
    client: TestClient[Any, Any], db: Database
) -> None:
    newer = evaluation(time="2026-11-20T11:00:00Z", variation=1, value="blue")
    older = evaluation(time="2026-11-20T09:00:00Z", variation=1, value="red")
    unvalued = evaluation(time="2026-11-20T11:30:00Z", variation=1)
    for record in (newer, older, unvalued):
        assert (await post(client, {"records": [record]}))[0] == 202
    async with db.session() as session:
        value = (await session.execute(select(FlagVariation.value_json))).scalar_one()
    assert value == '"blue"'
    newest = evaluation(time="2026-11-20T11:45:00Z", variation=1, value="green")
    assert (await post(client, {"records": [newest]}))[0] == 202
    async with db.session() as session:
        value = (await session.execute(select(FlagVariation.value_json))).scalar_one()
    assert value == '"green"'
