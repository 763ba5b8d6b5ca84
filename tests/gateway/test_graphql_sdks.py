"""SDKs over GraphQL: registered instances, and evaluations per SDK name and version."""

from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from resolvers.database import Database
from tests.conftest import FakeClock
from tests.gateway.test_sdk_endpoints import new_token, post_json
from tests.graphql_client import codes, gql
from tests.usage_data import ingest, sdk_evaluation

QUERY = """query ($environment: String, $sdk: String, $since: DateTime) {
  sdkInstances(environment: $environment, sdk: $sdk, since: $since) {
    appName instanceId environment sdk sdkVersion intervalMs firstSeen lastSeen
  }
}"""


async def _register(
    client: TestClient[Any, Any], secret: str, app: str, instance: str, sdk_version: str
) -> None:
    registration = {
        "appName": app,
        "instanceId": instance,
        "sdkVersion": sdk_version,
        "interval": 15000,
        "started": "2026-11-20T11:00:00Z",
        "strategies": ["default"],
    }
    status, text = await post_json(
        client, "/api/client/register", registration, {"Authorization": secret}
    )
    assert status == 202, text


async def test_registered_instances_with_their_sdk_for_read_tokens(
    client: TestClient[Any, Any], clock: FakeClock
) -> None:
    _, ingest = await new_token(client)
    _, read = await new_token(client, kind="read", scoped=False)
    await _register(client, ingest, "shop", "pod-1", "unleash-python-sdk:6.9.1")
    clock.advance(hours=1)
    await _register(client, ingest, "cart", "pod-9", "unleash-client-go:4.1.0")

    status, body = await gql(client, QUERY, token=read)

    assert (status, body.get("errors")) == (200, None), body
    started, later = "2026-11-20T12:00:00+00:00", "2026-11-20T13:00:00+00:00"
    assert body["data"]["sdkInstances"] == [
        {
            "appName": "cart",
            "instanceId": "pod-9",
            "environment": "production",
            "sdk": "unleash-client-go",
            "sdkVersion": "4.1.0",
            "intervalMs": 15000,
            "firstSeen": later,
            "lastSeen": later,
        },
        {
            "appName": "shop",
            "instanceId": "pod-1",
            "environment": "production",
            "sdk": "unleash-python-sdk",
            "sdkVersion": "6.9.1",
            "intervalMs": 15000,
            "firstSeen": started,
            "lastSeen": started,
        },
    ]
    variables = {"sdk": "unleash-python-sdk", "since": started}
    _, body = await gql(client, QUERY, variables, token=read)
    assert [i["appName"] for i in body["data"]["sdkInstances"]] == ["shop"]
    _, body = await gql(client, QUERY, {"environment": "staging"}, token=read)
    assert body["data"]["sdkInstances"] == []


async def test_ingest_tokens_may_not_list_instances(client: TestClient[Any, Any]) -> None:
    _, ingest = await new_token(client)
    status, body = await gql(client, QUERY, token=ingest)
    assert (status, codes(body)) == (200, ["forbidden"])


EVALUATION_SDKS = """query ($from: DateTime, $to: DateTime, $project: String) {
  evaluationSdks(from: $from, to: $to, project: $project) { sdk version evaluations }
}"""


async def test_evaluations_per_sdk_follow_from_to_and_project(
    client: TestClient[Any, Any], db: Database
) -> None:
    hour = timedelta(hours=1)
    await ingest(
        db,
        [
            sdk_evaluation(2 * hour, 3, "Go", "6.1.0"),
            sdk_evaluation(5 * hour, 4, "Go", "6.1.0", project="app"),
            sdk_evaluation(40 * 24 * hour, 9, "Go", "6.1.0"),  # before the 30-day default
        ],
    )

    async def ask(**variables: Any) -> Any:
        status, body = await gql(client, EVALUATION_SDKS, variables)
        assert (status, body.get("errors")) == (200, None), body
        return body["data"]["evaluationSdks"]

    go = {"sdk": "Go", "version": "6.1.0"}
    assert await ask() == [{**go, "evaluations": 7}]
    assert await ask(project="web") == [{**go, "evaluations": 3}]
    assert await ask(**{"from": "2026-11-20T07:00:00Z", "to": "2026-11-20T09:00:00Z"}) == [
        {**go, "evaluations": 4}
    ]
    assert await ask(**{"from": "2026-10-01T00:00:00Z"}) == [{**go, "evaluations": 16}]
    status, body = await gql(client, EVALUATION_SDKS, {"from": "2026-11-21T00:00:00Z"})
    assert (status, codes(body)) == (200, ["invalid_request"])
