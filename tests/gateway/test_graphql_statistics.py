"""GraphQL statistics: the Unleash routes' documents, plus history, fleet and instances."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from resolvers import collector
from resolvers.database import Database
from resolvers.upstreams import Upstream
from tests.conftest import ADMIN
from tests.graphql_client import codes, gql
from tests.statistics_helpers import document, store

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


async def graphql(client: TestClient[Any, Any], field: str) -> Any:
    status, body = await gql(client, f"{{ result: {field} }}")
    assert (status, body.get("errors")) == (200, None), body
    return body["data"]["result"]


async def _statistics(db: Database) -> dict[str, Any]:
    from tests.statistics_samples import rich_document

    older = document("eu-prod", "2026-11-19T10:00:00.000Z", users=3)
    newest = rich_document()
    await store(db, older, newest, now=NOW)
    return newest


async def test_statistics_json_route(client: TestClient[Any, Any], db: Database) -> None:
    await _statistics(db)
    response = await client.get(
        "/api/admin/instance-admin/statistics", headers={"Authorization": ADMIN}
    )
    body = json.loads(await response.text())
    got = await graphql(client, "instanceStatistics { instanceId users document }")
    assert got["document"] == body
    assert list(got["document"]) == list(body)  # same key order
    assert (got["instanceId"], got["users"]) == (body["instanceId"], body["users"])


async def test_statistics_csv_route(client: TestClient[Any, Any], db: Database) -> None:
    await _statistics(db)
    response = await client.get(
        "/api/admin/instance-admin/statistics/csv", headers={"Authorization": ADMIN}
    )
    header, row = list(csv.reader(io.StringIO(await response.text())))
    fields = (await graphql(client, "instanceStatistics { document }"))["document"]
    assert header == list(fields)
    for key, cell in zip(header, row, strict=True):
        value = fields[key]
        if isinstance(value, bool):
            assert cell == str(value).lower(), key
        elif isinstance(value, int | float):
            assert float(cell) == value, key
        elif isinstance(value, dict | list):
            assert json.loads(cell) == value, key
        else:
            assert cell == ("" if value is None else value), key


async def test_statistics_history_fleet_and_instances(
    client: TestClient[Any, Any], db: Database
) -> None:
    day = datetime(2026, 11, 17, tzinfo=UTC)
    docs = [
        document("a", (day + timedelta(hours=h)).isoformat(), users=h, projects=1)
        for h in (1, 5, 30)
    ]
    await store(db, *docs, document("b", day.isoformat(), users=10, projects=2), now=NOW)

    class Upstream200:
        async def fetch(self, upstream: Upstream, *, timeout_s: float) -> str:
            return json.dumps(document("c", "2026-11-19T00:00:00Z", users=7, projects=4))

    await collector.collect_once(
        db, Upstream200(), Upstream("eu", "http://eu.example"), clock=lambda: NOW, timeout_s=1
    )

    _, body = await gql(
        client,
        """{ instanceStatisticsHistory(instanceId: "a", from: "2026-11-17T00:00:00Z",
             to: "2026-11-19T00:00:00Z") { start statistics { users takenAt } } }""",
    )
    steps = body["data"]["instanceStatisticsHistory"]
    assert [(s["start"][:10], s["statistics"]["users"]) for s in steps] == [
        ("2026-11-17", 5),
        ("2026-11-18", 30),
    ]
    _, body = await gql(
        client,
        '{ fleetStatistics(at: "2026-11-18T00:00:00Z") { instanceIds document } }',
    )
    fleet = body["data"]["fleetStatistics"]
    assert sorted(fleet["instanceIds"]) == ["a", "b"]
    assert (fleet["document"]["users"], fleet["document"]["projects"]) == (15, 3)

    _, body = await gql(
        client,
        "{ instances { instanceId documents latest { users source } "
        "collector { name lastSuccessAt lastError } } }",
    )
    instances = {i["instanceId"]: i for i in body["data"]["instances"]}
    assert instances["a"]["documents"] == 3
    assert instances["a"]["latest"] == {"users": 30, "source": "ingest"}
    assert instances["a"]["collector"] is None
    assert instances["c"]["collector"] == {
        "name": "eu",
        "lastSuccessAt": NOW.isoformat(),
        "lastError": None,
    }
    _, body = await gql(client, '{ instanceStatistics(instanceId: "zzz") { users } }')
    assert body == {"data": {"instanceStatistics": None}}


async def test_each_instance_newest_document_is_read_once_per_query(
    client: TestClient[Any, Any], db: Database
) -> None:
    from sqlalchemy import event

    from gateway.keys import DATABASE

    await store(
        db,
        document("a", "2026-11-18T00:00:00Z", users=1),
        document("a", "2026-11-19T00:00:00Z", users=2),
        document("b", "2026-11-19T00:00:00Z", users=3),
        now=NOW,
    )

    class Fetched:
        def __init__(self, instance: str) -> None:
            self.instance = instance

        async def fetch(self, upstream: Upstream, *, timeout_s: float) -> str:
            return json.dumps(document(self.instance, "2026-11-19T00:00:00Z", users=4))

    for name, instance in (("eu", "c"), ("us", "d")):
        await collector.collect_once(
            db,
            Fetched(instance),
            Upstream(name, f"http://{name}.example"),
            clock=lambda: NOW,
            timeout_s=1,
        )
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    engine = client.server.app[DATABASE].engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        _, body = await gql(
            client, "{ instances { instanceId latest { users } collector { name } } }"
        )
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert body.get("errors") is None, body
    assert [
        (i["instanceId"], i["latest"]["users"], i["collector"]) for i in body["data"]["instances"]
    ] == [
        ("a", 2, None),
        ("b", 3, None),
        ("c", 4, {"name": "eu"}),
        ("d", 4, {"name": "us"}),
    ]
    # One listing, then one batched read of the newest documents for all instances,
    # and the collector states read once however many instances came from an upstream.
    assert len([s for s in statements if "instance_statistics" in s]) == 1 + 1
    assert len([s for s in statements if "upstream_status" in s]) == 1


TYPED = """sum versionOSS versionEnterprise timestamp users serviceAccounts licensedUsers
  apiTokens { admin backend client frontend } activeUsers { last7 last30 last60 last90 }
  featureToggles archivedFeatureToggles projects contextFields roles customRootRoles
  customRootRolesInUse groups environments segments strategies SAMLenabled OIDCenabled
  passwordAuthEnabled SCIMenabled clientApps { range count } featureExports featureImports
  productionChanges { last30 last60 last90 }
  previousDayMetricsBucketsCount { enabledCount variantCount }
  maxEnvironmentStrategies maxConstraintValues maxConstraints releaseTemplates releasePlans
  edgeInstanceUsage { month value } readOnlyUsers"""


def as_document(typed: dict[str, Any]) -> dict[str, Any]:
    """Return typed fields in the document's own shape (lists back to what Unleash sends)."""
    shaped = dict(typed)
    if shaped.get("edgeInstanceUsage") is not None:
        shaped["edgeInstanceUsage"] = {e["month"]: e["value"] for e in shaped["edgeInstanceUsage"]}
    for key, value in typed.items():
        if isinstance(value, dict):  # absent inner keys come back as null
            shaped[key] = {k: v for k, v in value.items() if v is not None}
    return shaped


async def test_every_unleash_key_is_a_typed_field(
    client: TestClient[Any, Any], db: Database
) -> None:
    from resolvers.statistics import KEY_ORDER
    from tests.statistics_samples import fresh_document, rich_document

    await store(db, rich_document(), now=NOW)
    got = await graphql(client, f"instanceStatistics {{ instanceId {TYPED} document }}")
    document = got.pop("document")
    assert set(got) == set(KEY_ORDER)
    assert as_document(got) == {k: v for k, v in document.items() if k in KEY_ORDER}
    assert type(got["users"]) is int and got["SAMLenabled"] is True
    # What the issue asks for, word for word.
    _, body = await gql(
        client, "{ instanceStatistics { sum activeUsers { last30 } apiTokens { admin } } }"
    )
    assert body["data"]["instanceStatistics"] == {
        "sum": document["sum"],
        "activeUsers": {"last30": document["activeUsers"]["last30"]},
        "apiTokens": {"admin": document["apiTokens"]["admin"]},
    }
    # A key a document lacks is null; history steps and instances show the same type.
    fresh = fresh_document()
    await store(db, fresh, now=NOW)
    history = await graphql(
        client,
        f"""instanceStatisticsHistory(instanceId: "{fresh["instanceId"]}",
            from: "2026-11-21T00:00:00Z", to: "2026-11-22T00:00:00Z")
            {{ statistics {{ {TYPED} }} }}""",
    )
    [step] = history
    assert step["statistics"]["apiTokens"] == {
        "admin": 1,
        "backend": None,
        "client": None,
        "frontend": None,
    }
    assert as_document(step["statistics"]) == {k: v for k, v in fresh.items() if k != "instanceId"}
    instances = await graphql(client, f"instances {{ instanceId latest {{ {TYPED} }} }}")
    assert {i["instanceId"]: i["latest"]["users"] for i in instances} == {
        fresh["instanceId"]: 1,
        rich_document()["instanceId"]: 1234,
    }


async def test_fleet_totals_are_typed_like_an_instance(
    client: TestClient[Any, Any], db: Database
) -> None:
    from resolvers.statistics import KEY_ORDER
    from tests.statistics_samples import rich_document

    await _statistics(db)
    await store(db, document("b", "2026-11-20T10:00:00Z", users=6, maxConstraints=40), now=NOW)
    fleet = await graphql(client, f"fleetStatistics {{ document totals {{ instanceId {TYPED} }} }}")
    totals, combined = fleet["totals"], fleet["document"]
    assert totals.pop("instanceId") is None and totals["sum"] is None
    # Three instances: the older sample's 3 users, the rich one's, and b's 6.
    assert totals["users"] == 3 + rich_document()["users"] + 6 == combined["users"]
    assert totals["maxConstraints"] == 40
    typed = {k: v for k, v in as_document(totals).items() if v is not None}
    assert typed == {k: v for k, v in combined.items() if k in KEY_ORDER}


async def test_statistics_series_draws_like_usage(
    client: TestClient[Any, Any], db: Database
) -> None:
    await store(
        db,
        document("a", "2026-11-18T06:00:00Z", users=2, edgeInstanceUsage={"2026-11": 0.5}),
        document("a", "2026-11-19T06:00:00Z", users=5, edgeInstanceUsage={"2026-11": 1.25}),
        document("b", "2026-11-19T08:00:00Z", users=10),
        now=NOW,
    )
    query = """statisticsSeries(field: "%s", %s from: "2026-11-17T00:00:00Z") { granularity
               series { labels { field instanceId } times total values amountTotal amounts } }"""
    fleet = await graphql(client, query % ("users", ""))
    assert fleet["granularity"] == "DAILY"
    [line] = fleet["series"]
    assert line["labels"] == {"field": "users", "instanceId": None}
    assert [t[:10] for t in line["times"]] == [
        "2026-11-17",
        "2026-11-18",
        "2026-11-19",
        "2026-11-20",
    ]
    assert (line["values"], line["total"], line["amounts"]) == ([0, 2, 15, 15], 15, None)
    edge = await graphql(client, query % ("edgeInstanceUsage.2026-11", 'instanceId: "a",'))
    [line] = edge["series"]
    assert (line["amounts"], line["amountTotal"], line["values"]) == (
        [0.0, 0.5, 1.25, 1.25],
        1.25,
        None,
    )
    _, body = await gql(client, '{ statisticsSeries(field: "sum") { to } }')
    assert codes(body) == ["invalid_request"]
    assert body["errors"][0]["message"].startswith("field: 'sum'")
