"""Request ids, metrics and access-log lines of the real app, on both databases."""

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families

from gateway.logs import JsonFormatter, RequestIdFilter
from tests.conftest import ADMIN, auth

Client = TestClient[Any, Any]


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("gateway.access")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield out
    logger.removeHandler(handler)


async def test_a_sane_request_id_is_echoed_and_others_are_replaced(client: Client) -> None:
    given = await client.get("/health", headers={"X-Request-Id": "abc-123"})
    assert given.headers["X-Request-Id"] == "abc-123"
    for bad in ("two words", "x" * 200):
        replaced = await client.get("/health", headers={"X-Request-Id": bad})
        assert len(replaced.headers["X-Request-Id"]) == 32
    missing = await client.get("/no/such/route")
    assert missing.status == 404 and len(missing.headers["X-Request-Id"]) == 32


async def test_graphql_errors_carry_the_request_id(client: Client) -> None:
    headers = {"X-Request-Id": "gql-1"}
    denied = await client.post("/graphql", json={"query": "{ viewer { name } }"}, headers=headers)
    assert (await denied.json())["errors"][0]["extensions"] == {
        "code": "unauthorized",
        "requestId": "gql-1",
    }
    invalid = await client.post("/graphql", json={"query": "{ nope }"}, headers=auth(**headers))
    extensions = (await invalid.json())["errors"][0]["extensions"]
    assert extensions == {"code": "graphql_validation_failed", "requestId": "gql-1"}


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_metrics_count_routes_operations_and_ingested_records(client: Client) -> None:
    records = [
        {"type": "event", "time": "2026-11-20T11:00:00Z", "eventType": "received", "count": 1},
        {"type": "event", "time": "2026-11-20T11:01:00Z", "eventType": "received", "count": 1},
    ]
    assert (
        await client.post("/api/gateway/ingest", json={"records": records}, headers=auth())
    ).status == 202
    bad = await client.post("/api/gateway/ingest", json={"records": [{}]}, headers=auth())
    assert bad.status == 400
    query = {"query": "query Who { viewer { name } }", "operationName": "Who"}
    assert (await client.post("/graphql", json=query, headers=auth())).status == 200
    mutation = 'mutation Add { ingest(records: [{type: "nope"}]) { __typename } }'
    assert (await client.post("/graphql", json={"query": mutation}, headers=auth())).status == 200
    await client.get("/api/v2/usage/streams/server", headers=auth(**{"LD-API-Version": "beta"}))
    page = await client.get("/metrics")
    assert page.headers["Content-Type"].startswith("text/plain")
    samples = _samples(await page.text())

    def value(name: str, **labels: str) -> float:
        return samples[(name, frozenset(labels.items()))]

    assert value("gateway_ingested_records_total", kind="event", door="bulk") == 2
    assert value("gateway_ingest_rejected_batches_total", door="bulk", status="400") == 1
    assert value("gateway_ingest_rejected_batches_total", door="graphql", status="200") == 1
    assert value("gateway_graphql_operations_total", operation="Who", outcome="ok") == 1
    route = "/api/v2/usage/streams/{source}"  # the pattern, not the URL
    assert value("gateway_http_requests_total", route=route, method="GET", status="200") == 1
    assert value("gateway_http_request_duration_seconds_count", route=route, method="GET") == 1


async def test_access_log_lines_are_json_with_the_request_id_and_token(
    client: Client, json_log: io.StringIO
) -> None:
    await client.get("/api/admin/instance-admin/statistics", headers=auth(**{"X-Request-Id": "r1"}))
    (line,) = [json.loads(x) for x in json_log.getvalue().splitlines()]
    assert line["request_id"] == "r1" and line["token_id"] == 1
    assert (line["route"], line["status"], line["level"]) == (
        "/api/admin/instance-admin/statistics",
        404,
        "INFO",
    )
    assert ADMIN not in json_log.getvalue()
