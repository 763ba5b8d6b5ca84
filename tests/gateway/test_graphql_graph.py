"""The graph over GraphQL: flags, usage and projects, against the REST routes and demo data."""

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import event

from gateway.keys import DATABASE
from resolvers.database import Database
from tests import usage_data as data
from tests.conftest import ADMIN
from tests.graphql_client import codes, gql
from tests.usage_data import NOW

LD = {"Authorization": ADMIN, "LD-API-Version": "beta"}


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


async def graphql(client: TestClient[Any, Any], query: str) -> Any:
    status, body = await gql(client, query)
    assert (status, body.get("errors")) == (200, None), body
    return body["data"]


async def rest(client: TestClient[Any, Any], path: str, **query: Any) -> Any:
    response = await client.get(path, params=query, headers=LD)
    assert response.status == 200, await response.text()
    return await response.json()


async def rest_total(
    client: TestClient[Any, Any], node: dict[str, Any], start: datetime, end: datetime
) -> int:
    path = f"/api/v2/usage/evaluations/{node['project']}/{node['environment']}/{node['key']}"
    body = await rest(client, path, **{"from": ms(start), "to": ms(end)})
    return sum(v for point in body["series"] for k, v in point.items() if k != "time")


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    """Collect the SQL statements the database runs meanwhile."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", note)


def many_flags(n: int) -> list[data.Raw]:
    rng = random.Random(8)
    return [
        {
            "type": "evaluation",
            "time": (NOW - timedelta(hours=rng.randrange(1, 100))).isoformat(),
            "project": "web",
            "environment": "staging" if i % 3 == 0 else "production",
            "flag": f"flag-{i:03d}",
            "variation": rng.choice([0, 1]),
            "value": rng.choice([True, False]),
            "count": rng.randint(1, 500),
            "sdk": rng.choice(["Go", "Python"]),
            "sdkVersion": "1.2.3",
        }
        for i in range(n)
        for _ in range(3)
    ]


PAGE = """{ flags(first: %d, orderBy: %s) { totalCount edges { cursor node {
  key project environment firstEvaluated lastEvaluated evaluationTotal
  lastWeek: evaluationTotal(from: "%s")
  variations { variation value firstSeen lastSeen }
  sdks { sdk version evaluations }
  evaluations { granularity series { labels { variation value } total values } } } } } }"""


async def test_no_statement_count_grows_with_the_page(
    client: TestClient[Any, Any], db: Database
) -> None:
    await data.ingest(db, many_flags(60))
    since = (NOW - timedelta(days=3)).isoformat()
    await graphql(client, "{ viewer { name } }")  # the token's first use is written down once
    for order in ("EVALUATIONS_DESC", "LAST_EVALUATED_DESC", "KEY"):
        counted = []
        for first in (5, 50):
            with statements(client.app[DATABASE]) as seen:
                result = await graphql(client, PAGE % (first, order, since))
            assert len(result["flags"]["edges"]) == first
            assert all(
                e["node"]["sdks"] and e["node"]["variations"] for e in result["flags"]["edges"]
            )
            counted.append(len(seen))
        assert counted[0] == counted[1], (order, counted)


async def test_flags_totals_are_their_rest_series_and_pages_continue(
    client: TestClient[Any, Any], db: Database
) -> None:
    await data.ingest(db, many_flags(12))
    query = """{ flags(first: 5, after: %s) { totalCount pageInfo { hasNextPage endCursor }
                 edges { cursor node { key project environment evaluationTotal
                 sdks { evaluations } evaluations { series { total } } } } } }"""
    nodes, after = [], "null"
    while True:
        page = (await graphql(client, query % after))["flags"]
        assert page["totalCount"] == 12
        nodes += [e["node"] for e in page["edges"]]
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = f'"{page["pageInfo"]["endCursor"]}"'
    assert len(nodes) == 12
    totals = [n["evaluationTotal"] for n in nodes]
    assert totals == sorted(totals, reverse=True)
    for node in nodes:
        expected = await rest_total(client, node, NOW - timedelta(days=7), NOW)
        assert node["evaluationTotal"] == expected > 0
        assert sum(s["evaluations"] for s in node["sdks"]) == expected
        assert sum(s["total"] for s in node["evaluations"]["series"]) == expected


async def test_usage_by_sdk_and_version_totals_equal_evaluation_sdks(
    client: TestClient[Any, Any], db: Database
) -> None:
    await data.ingest(db, many_flags(20))
    start = (NOW - timedelta(days=4)).replace(hour=0).isoformat()
    result = await graphql(
        client,
        f"""{{ usage(measure: EVALUATIONS, from: "{start}", groupBy: [SDK, SDK_VERSION]) {{
              granularity series {{ labels {{ sdk version }} total }} }}
             evaluationSdks(from: "{start}") {{ sdk version evaluations }} }}""",
    )
    usage = {
        (s["labels"]["sdk"], s["labels"]["version"]): s["total"] for s in result["usage"]["series"]
    }
    expected = {(e["sdk"], e["version"]): e["evaluations"] for e in result["evaluationSdks"]}
    assert usage == expected and len(usage) == 2
    assert all(type(total) is int for total in usage.values())


async def test_usage_mau_by_sdk_type_is_rest_mau_day_by_day(
    client: TestClient[Any, Any], db: Database
) -> None:
    await data.ingest(db, data.contexts(random.Random(2)))
    body = await rest(client, "/api/v2/usage/mau", groupby="sdktype")
    result = await graphql(
        client,
        "{ usage(measure: MAU, groupBy: [SDK_TYPE]) "
        "{ granularity series { labels { sdkType } times values total } } }",
    )
    usage = result["usage"]
    assert usage["granularity"] == "DAILY"
    assert sorted(s["labels"]["sdkType"] for s in usage["series"]) == ["client", "server"]
    by_type = {s["labels"]["sdkType"]: s for s in usage["series"]}
    for i, meta in enumerate(body["metadata"]):
        line = by_type[meta["sdktype"]]
        assert [ms(datetime.fromisoformat(t)) for t in line["times"]] == [
            p["time"] for p in body["series"]
        ]
        assert line["values"] == [p[str(i)] for p in body["series"]]
        assert 0 < line["total"] < sum(line["values"])


async def test_bad_arguments_are_invalid_requests_naming_them(
    client: TestClient[Any, Any], db: Database
) -> None:
    cases = {
        "usage(measure: EVENTS, groupBy: [FLAG]) { to }": "groupBy: ",
        'usage(measure: MAU, tz: "Europe/Berlin") { to }': "tz: ",
        'usage(measure: EVALUATIONS, tz: "Mars/Olympus") { to }': "tz: ",
        "usage(measure: EVALUATIONS, first: 0) { to }": "first: ",
        'flags(after: "nonsense") { totalCount }': "after: ",
        "flags(first: 500) { totalCount }": "first: ",
    }
    for field, prefix in cases.items():
        _, body = await gql(client, f"{{ {field} }}")
        assert codes(body) == ["invalid_request"], field
        assert body["errors"][0]["message"].startswith(prefix), body
    _, body = await gql(
        client, '{ flag(project: "web", environment: "production", key: "x") { key } }'
    )
    assert body == {"data": {"flag": None}}
