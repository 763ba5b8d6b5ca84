"""For every LaunchDarkly REST shim route, the equivalent GraphQL query gives the same numbers.

The Unleash statistics routes have theirs in test_graphql_statistics.py.
"""

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from resolvers.database import Database
from tests import usage_data as data
from tests.conftest import ADMIN
from tests.graphql_client import codes, gql
from tests.usage_data import NOW

LD = {"Authorization": ADMIN, "LD-API-Version": "beta"}
LABELS = {
    "variation": "variation",
    "value": "value",
    "project": "project",
    "environment": "environment",
    "sdk": "sdk",
    "sdktype": "sdkType",
    "version": "version",
    "category": "category",
    "source": "source",
    "anonymous": "anonymous",
    "type": "eventType",
    "contextKind": "contextKind",
    "meter": "meter",
}
SERIES = "series { labels { " + " ".join(LABELS.values()) + " } times values total amounts }"


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def iso(moment: datetime) -> str:
    return moment.isoformat()


@pytest.fixture
async def usage(db: Database) -> None:
    rng = random.Random(5)
    raw = [
        *data.evaluations(rng),
        *data.events(rng),
        *data.streams(rng),
        *data.contexts(rng),
        *data.meters(rng),
    ]
    await data.ingest(db, raw)


async def rest(client: TestClient[Any, Any], path: str, **query: Any) -> Any:
    response = await client.get(path, params=query, headers=LD)
    assert response.status == 200, await response.text()
    return await response.json()


async def graphql(client: TestClient[Any, Any], field: str) -> Any:
    status, body = await gql(client, f"{{ result: {field} }}")
    assert (status, body.get("errors")) == (200, None), body
    return body["data"]["result"]


def columns_of_rest(body: dict[str, Any]) -> tuple[list[int], list[list[int]], list[Any]]:
    points = body["series"]
    n = len(body["metadata"])
    return (
        [p["time"] for p in points],
        [[p[str(i)] for p in points] for i in range(n)],
        body["metadata"],
    )


def columns_of_graphql(result: dict[str, Any]) -> tuple[list[int], list[list[int]], list[Any]]:
    series = result["series"]
    times = [ms(datetime.fromisoformat(t)) for t in series[0]["times"]] if series else []
    for s in series:
        assert [ms(datetime.fromisoformat(t)) for t in s["times"]] == times
    values = [s["values"] for s in series]
    # Counts arrive as exact JSON integers (the Long scalar), never as floats.
    assert all(type(v) is int for s in series for v in s["values"])
    assert all(s["total"] == sum(s["values"]) and s["amounts"] is None for s in series)
    labels = [{k: v for k, v in s["labels"].items() if v is not None} for s in series]
    return times, values, labels


def same_labels(metadata: list[dict[str, Any]], labels: list[dict[str, Any]]) -> None:
    assert [{LABELS[k]: v for k, v in m.items()} for m in metadata] == labels


def ago(**delta: float) -> datetime:
    return NOW - timedelta(**delta)


EVALUATIONS = "/api/v2/usage/evaluations/web"
WEB_PRODUCTION = 'project: "web", environment: "production"'
# (REST path, REST query, GraphQL field): one row per route and parameter set.
SERIES_CASES = [
    (f"{EVALUATIONS}/production/f", {}, f'evaluations({WEB_PRODUCTION}, flag: "f")'),
    (
        f"{EVALUATIONS}/staging/f",
        {"from": ms(ago(days=9)), "to": ms(ago(days=2)), "tz": "Asia/Kolkata"},
        f'evaluations(project: "web", environment: "staging", flag: "f", '
        f'from: "{iso(ago(days=9))}", to: "{iso(ago(days=2))}", tz: "Asia/Kolkata")',
    ),
    (
        f"{EVALUATIONS}/production/other",
        {"from": ms(ago(hours=30))},
        f'evaluations({WEB_PRODUCTION}, flag: "other", from: "{iso(ago(hours=30))}")',
    ),
    (
        f"{EVALUATIONS}/production/f",
        {"from": ms(ago(minutes=90))},
        f'evaluations({WEB_PRODUCTION}, flag: "f", from: "{iso(ago(minutes=90))}")',
    ),
    ("/api/v2/usage/events/received", {}, "events(type: RECEIVED)"),
    (
        "/api/v2/usage/events/published",
        {"from": ms(ago(days=2))},
        f'events(type: PUBLISHED, from: "{iso(ago(days=2))}")',
    ),
    ("/api/v2/usage/streams/server", {}, "streams(source: SERVER)"),
    (
        "/api/v2/usage/streams/client",
        {"from": ms(ago(days=3)), "tz": "Asia/Kathmandu"},
        f'streams(source: CLIENT, from: "{iso(ago(days=3))}", tz: "Asia/Kathmandu")',
    ),
    (
        "/api/v2/usage/streams/server/bysdkversion",
        {},
        "streams(source: SERVER, bySdkVersion: true)",
    ),
    (
        "/api/v2/usage/streams/server/bysdkversion",
        {"sdk": "Go", "from": ms(ago(hours=1))},
        f'streams(source: SERVER, bySdkVersion: true, sdk: ["Go"], from: "{iso(ago(hours=1))}")',
    ),
    ("/api/v2/usage/mau", {}, "mau"),
    (
        "/api/v2/usage/mau",
        {"project": "web", "groupby": ["sdktype", "anonymous"], "aggregationType": "month_to_date"},
        'mau(projects: ["web"], groupBy: [SDK_TYPE, ANONYMOUS], aggregation: MONTH_TO_DATE)',
    ),
    (
        "/api/v2/usage/mau",
        {
            "project": "mobile",
            "environment": "staging",
            "sdktype": "client",
            "anonymous": "false",
            "aggregationType": "daily_incremental",
            "from": ms(ago(days=12)),
        },
        'mau(projects: ["mobile"], environments: ["staging"], sdkTypes: [CLIENT], anonymous: false,'
        f' aggregation: DAILY_INCREMENTAL, from: "{iso(ago(days=12))}")',
    ),
    ("/api/v2/usage/mau", {"groupby": "contextKind"}, "mau(groupBy: [CONTEXT_KIND])"),
    (
        "/api/v2/usage/mau",
        {"contextKind": ["org", "user"], "anonymous": "true", "groupby": "contextKind"},
        'mau(contextKinds: ["org", "user"], anonymous: true, groupBy: [CONTEXT_KIND])',
    ),
    ("/api/v2/usage/mau/bycategory", {}, "mauByCategory"),
    (
        "/api/v2/usage/mau/bycategory",
        {"from": ms(ago(days=60))},
        f'mauByCategory(from: "{iso(ago(days=60))}")',
    ),
]


@pytest.mark.parametrize(("path", "query", "field"), SERIES_CASES)
async def test_series_routes(
    client: TestClient[Any, Any], usage: None, path: str, query: dict[str, Any], field: str
) -> None:
    params = [(k, str(x)) for k, v in query.items() for x in (v if isinstance(v, list) else [v])]
    response = await client.get(path, params=params, headers=LD)
    assert response.status == 200, await response.text()
    expected = columns_of_rest(await response.json())
    got = columns_of_graphql(await graphql(client, f"{field} {{ granularity {SERIES} }}"))
    assert got[0] == expected[0]
    assert got[1] == expected[1]
    same_labels(expected[2], got[2])
    assert any(v for series in got[1] for v in series), "the case should see some data"


METERS = [
    ("data-export-events", "DATA_EXPORT_EVENTS", {}),
    (
        "experimentation-keys",
        "EXPERIMENTATION_KEYS",
        {"projectKey": "web", "environmentKey": "production"},
    ),
    ("experimentation-units", "EXPERIMENTATION_UNITS", {}),
    (
        "service-connections",
        "SERVICE_CONNECTIONS",
        {"from": int((NOW - timedelta(days=25)).timestamp())},
    ),
]


@pytest.mark.parametrize(("path", "name", "query"), METERS)
async def test_meter_routes(
    client: TestClient[Any, Any], usage: None, path: str, name: str, query: dict[str, Any]
) -> None:
    body = await rest(client, f"/api/v2/usage/{path}", **query)
    args = [f"name: {name}"]
    if "projectKey" in query:
        args += [f'project: "{query["projectKey"]}"', f'environment: "{query["environmentKey"]}"']
    if "from" in query:
        args.append(f'from: "{iso(datetime.fromtimestamp(query["from"], UTC))}"')
    fields = "times values amounts"
    result = await graphql(client, f"meter({', '.join(args)}) {{ series {{ {fields} }} }}")
    [series] = result["series"]
    assert [ms(datetime.fromisoformat(t)) for t in series["times"]] == [
        p["time"] for p in body["series"]
    ]
    assert series["values"] is None
    assert series["amounts"] == [float(p["value"]) for p in body["series"]]


@pytest.mark.parametrize(
    ("query", "args"), [({}, ""), ({"sdktype": "server"}, "(sdkType: SERVER)")]
)
async def test_mau_sdks(
    client: TestClient[Any, Any], usage: None, query: dict[str, Any], args: str
) -> None:
    body = await rest(client, "/api/v2/usage/mau/sdks", **query)
    assert body["sdks"]
    assert await graphql(client, f"mauSdks{args}") == body["sdks"]


@pytest.mark.parametrize(("source", "enum"), [("server", "SERVER"), ("client", "CLIENT")])
async def test_stream_sdk_versions(
    client: TestClient[Any, Any], usage: None, source: str, enum: str
) -> None:
    body = await rest(client, f"/api/v2/usage/streams/{source}/sdkversions")
    assert body["sdkVersions"]
    got = await graphql(client, f"streamSdkVersions(source: {enum}) {{ sdk version }}")
    assert got == body["sdkVersions"]


async def test_not_found_has_the_same_code(client: TestClient[Any, Any], usage: None) -> None:
    response = await client.get("/api/v2/usage/evaluations/web/production/nope", headers=LD)
    rest_code = (await response.json())["code"]
    _, body = await gql(
        client,
        '{ evaluations(project: "web", environment: "production", flag: "nope") { to } mauSdks }',
    )
    assert codes(body) == [rest_code] == ["not_found"]
    # The other fields of the query still answer.
    assert body["data"]["evaluations"] is None
    assert body["data"]["mauSdks"]
