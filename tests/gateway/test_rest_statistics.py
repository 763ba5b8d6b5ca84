"""The Unleash statistics routes, JSON and CSV, compared byte for byte with Unleash 8.2.0."""

import csv
import io
import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from gateway.app import create_app
from gateway.settings import Settings
from resolvers.checksum import statistics_sum
from tests.conftest import ADMIN, ClientFactory, FakeClock, auth
from tests.gateway.test_ingest import new_token
from tests.statistics_samples import (
    FRESH_CSV,
    FRESH_ID,
    FRESH_JSON,
    RICH_CSV,
    RICH_ID,
    fresh_document,
    rich_document,
)

JSON_URL = "/api/admin/instance-admin/statistics"
CSV_URL = JSON_URL + "/csv"
# 2026-11-20T12:00:00Z, the pinned clock, in Unix ms (date -u -d ... +%s, times 1000).
NOW_MS = 1795176000000
UNAUTHORIZED = {"name": "UnauthorizedError", "message": "You must log in to use Unleash."}
FORBIDDEN = {"message": "invalid token: expected a different token type for this endpoint"}


async def ingest(client: TestClient[Any, Any], *documents: dict[str, Any]) -> tuple[int, Any]:
    records = [{"type": "statistics", "document": d} for d in documents]
    response = await client.post(
        "/api/gateway/ingest",
        data=json.dumps({"records": records}),
        headers=auth(**{"Content-Type": "application/json"}),
    )
    return response.status, await response.json()


def keys_of(text: str) -> list[str]:
    return [k for k, _ in json.loads(text, object_pairs_hook=lambda pairs: pairs)]


async def test_fresh_unleash_document_comes_back_as_unleash_sent_it(
    client: TestClient[Any, Any],
) -> None:
    assert (await ingest(client, fresh_document()))[0] == 202
    response = await client.get(JSON_URL, headers=auth())
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    text = await response.text()
    assert text == FRESH_JSON
    assert keys_of(text) == list(fresh_document())


async def test_fresh_unleash_document_csv_is_byte_equal(client: TestClient[Any, Any]) -> None:
    await ingest(client, fresh_document())
    response = await client.get(CSV_URL, headers=auth())
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="unleash-{FRESH_ID}-{NOW_MS}.csv"'
    )
    assert await response.read() == FRESH_CSV.encode("utf-8")


async def test_rich_document_json_and_csv(client: TestClient[Any, Any]) -> None:
    document = rich_document()
    await ingest(client, document)
    text = await (await client.get(JSON_URL, headers=auth())).text()
    # A document already in Unleash's order, numbers without floats that end in .0:
    # JavaScript's JSON.stringify and Python's compact, non-ASCII dump agree on it.
    assert text == json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    assert keys_of(text) == list(document)
    response = await client.get(CSV_URL, headers=auth())
    assert await response.read() == RICH_CSV.encode("utf-8")
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="unleash-eu-prod \\"blue\\"-{NOW_MS}.csv"'
    )
    assert RICH_ID in RICH_CSV.replace('""', '"')


@pytest.mark.parametrize("make", [fresh_document, rich_document])
async def test_csv_round_trip_gives_back_the_json_values(
    client: TestClient[Any, Any], make: Any
) -> None:
    await ingest(client, make())
    served = json.loads(await (await client.get(JSON_URL, headers=auth())).text())
    text = await (await client.get(CSV_URL, headers=auth())).text()
    header, row = list(csv.reader(io.StringIO(text)))
    assert header == list(served)
    for key, cell in zip(header, row, strict=True):
        value = served[key]
        assert (cell if isinstance(value, str) else json.loads(cell)) == value, key


async def test_keys_are_put_in_unleash_order_and_unknown_keys_keep_their_neighbour(
    client: TestClient[Any, Any],
) -> None:
    document = rich_document()
    reversed_document = dict(reversed(list(document.items())))
    await ingest(client, reversed_document)
    text = await (await client.get(JSON_URL, headers=auth())).text()
    expected = [k for k in document if k != "featureLifecycleStages"]
    # Received reversed, the unknown key followed edgeInstanceUsage: it stays after it.
    expected.insert(expected.index("edgeInstanceUsage") + 1, "featureLifecycleStages")
    assert keys_of(text) == expected
    assert json.loads(text) == document


async def test_newest_document_of_the_instance_is_served(client: TestClient[Any, Any]) -> None:
    newer = fresh_document()
    older = fresh_document() | {"timestamp": "2026-11-01T00:00:00.000Z", "users": 9}
    older["sum"] = statistics_sum(older)
    await ingest(client, newer)
    await ingest(client, older)  # arrives later, but was taken earlier
    assert await (await client.get(JSON_URL, headers=auth())).text() == FRESH_JSON


@pytest.mark.parametrize("url", [JSON_URL, CSV_URL])
async def test_no_document_yet_is_a_clear_unleash_error(
    client: TestClient[Any, Any], url: str
) -> None:
    response = await client.get(url, headers=auth())
    assert response.status == 404
    body = await response.json()
    assert body["name"] == "NotFoundError"
    assert "No instance statistics received yet" in body["message"]


@pytest.mark.parametrize("url", [JSON_URL, CSV_URL])
async def test_auth_follows_unleash(client: TestClient[Any, Any], url: str) -> None:
    await ingest(client, fresh_document())
    for headers in ({}, {"Authorization": "nope"}, {"Authorization": "Bearer "}):
        response = await client.get(url, headers=headers)
        assert (response.status, await response.json()) == (401, UNAUTHORIZED)
    ingest_token = await new_token(client, "ingest")
    response = await client.get(url, headers={"Authorization": ingest_token})
    assert (response.status, await response.json()) == (403, FORBIDDEN)
    read_token = await new_token(client, "read")
    for header in (read_token, f"Bearer {read_token}", f"bearer {ADMIN}", ADMIN):
        assert (await client.get(url, headers={"Authorization": header})).status == 200


async def test_primary_instance_setting_chooses_the_instance(
    aiohttp_client: ClientFactory, settings: Settings, clock: FakeClock
) -> None:
    other = rich_document()  # taken 2026-11-20, before the fresh one (2026-11-21)
    default = await aiohttp_client(create_app(settings, clock=clock))
    await ingest(default, other, fresh_document())
    assert keys_of(await (await default.get(JSON_URL, headers=auth())).text())[:2] == [
        "timestamp",
        "instanceId",
    ]
    body = await (await default.get(JSON_URL, headers=auth())).json()
    assert body["instanceId"] == FRESH_ID  # the newest document overall

    pinned = await aiohttp_client(
        create_app(Settings(**{**settings.__dict__, "primary_instance": RICH_ID}), clock=clock)
    )
    body = await (await pinned.get(JSON_URL, headers=auth())).json()
    assert body == rich_document()
    missing = await aiohttp_client(
        create_app(Settings(**{**settings.__dict__, "primary_instance": "gone"}), clock=clock)
    )
    response = await missing.get(CSV_URL, headers=auth())
    assert response.status == 404
    assert "'gone'" in (await response.json())["message"]


async def test_tampered_sum_is_refused_end_to_end(client: TestClient[Any, Any]) -> None:
    tampered = fresh_document() | {"users": 2}  # sum still over users=1
    status, body = await ingest(client, fresh_document(), tampered)
    assert status == 400
    assert body["code"] == "invalid_request"
    assert [(e["index"], e["field"]) for e in body["errors"]] == [(1, "document.sum")]
    status, body = await ingest(client, tampered)
    assert (status, body["errors"][0]["field"]) == (400, "document.sum")
    assert "document.sum" in body["message"]
    # Nothing of the refused batches was stored.
    assert (await client.get(JSON_URL, headers=auth())).status == 404
