"""The GraphQL door: auth on every operation, mutations, typed failures, coded errors."""

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from resolvers.checksum import statistics_sum
from resolvers.database import Database
from storage.tables import EvaluationBucket, InstanceStatistics
from tests.conftest import ADMIN
from tests.gateway.test_ingest import count_rows, evaluation, new_token
from tests.graphql_client import codes, gql

INGEST = """
mutation Ingest($records: [JSON!]!, $key: String) {
  ingest(records: $records, idempotencyKey: $key) {
    __typename
    ... on IngestAccepted { accepted }
    ... on InvalidInput { code message problems { index field message } }
  }
}
"""


async def test_viewer_names_the_caller(client: TestClient[Any, Any]) -> None:
    status, body = await gql(client, "{ viewer { name kind } }")
    assert status == 200
    assert body == {"data": {"viewer": {"name": "GATEWAY_ADMIN_TOKEN", "kind": "ADMIN"}}}


@pytest.mark.parametrize("token", [None, "not-a-token"])
async def test_operations_without_a_valid_token_are_401(
    client: TestClient[Any, Any], token: str | None
) -> None:
    status, body = await gql(client, "{ viewer { name } }", token=token)
    assert status == 401
    assert body["data"] is None
    assert codes(body) == ["unauthorized"]


async def test_ingest_tokens_cannot_query_even_introspection(
    client: TestClient[Any, Any],
) -> None:
    ingest = await new_token(client, "ingest")
    for query in ("{ viewer { name } }", "{ __schema { queryType { name } } }"):
        status, body = await gql(client, query, token=ingest)
        assert status == 200
        assert body["data"] is None
        assert codes(body) == ["forbidden"]
        assert "ingest token" in body["errors"][0]["message"]


async def test_read_tokens_query_but_do_not_write(client: TestClient[Any, Any]) -> None:
    read = await new_token(client, "read")
    _, body = await gql(client, "{ viewer { kind } }", token=read)
    assert body["data"] == {"viewer": {"kind": "READ"}}
    _, body = await gql(client, INGEST, {"records": [evaluation()]}, token=read)
    assert codes(body) == ["forbidden"]
    _, body = await gql(client, "{ tokens { id } }", token=read)
    assert codes(body) == ["forbidden"]


async def test_ingest_mutation_has_the_bulk_api_semantics(
    client: TestClient[Any, Any], db: Database
) -> None:
    ingest = await new_token(client, "ingest")
    records = [evaluation(count=3), evaluation(variation=1, count=2)]
    for _ in range(2):  # retried with the same key: acknowledged again, counted once
        status, body = await gql(client, INGEST, {"records": records, "key": "k1"}, token=ingest)
        assert status == 200
        assert body["data"]["ingest"] == {"__typename": "IngestAccepted", "accepted": 2}
    # one minute and one quarter-hour row per variation
    assert await count_rows(db, EvaluationBucket) == 4
    assert await count_rows(db, EvaluationBucket, EvaluationBucket.count == 3) == 2


async def test_invalid_records_are_a_typed_result_and_store_nothing(
    client: TestClient[Any, Any], db: Database
) -> None:
    _, body = await gql(client, INGEST, {"records": [evaluation(), evaluation(variation=-1)]})
    result = body["data"]["ingest"]
    assert result["__typename"] == "InvalidInput"
    assert result["code"] == "invalid_request"
    assert result["problems"] == [
        {"index": 1, "field": "variation", "message": "variation must be at least 0"}
    ]
    assert await count_rows(db, EvaluationBucket) == 0


def _document(**fields: Any) -> dict[str, Any]:
    document = {"instanceId": "i-1", "users": 3, "featureToggles": 4, "projects": 1}
    document |= fields
    document["sum"] = statistics_sum(document)
    return document


RECORD_STATISTICS = """
mutation Record($document: JSON!) {
  recordInstanceStatistics(document: $document) {
    __typename
    ... on StatisticsRecorded { instanceId takenAt }
    ... on InvalidInput { message problems { field } }
  }
}
"""


async def test_record_instance_statistics(client: TestClient[Any, Any], db: Database) -> None:
    document = _document(timestamp="2026-11-20T11:00:00.000Z")
    _, body = await gql(client, RECORD_STATISTICS, {"document": document})
    assert body["data"]["recordInstanceStatistics"] == {
        "__typename": "StatisticsRecorded",
        "instanceId": "i-1",
        "takenAt": "2026-11-20T11:00:00+00:00",
    }
    assert await count_rows(db, InstanceStatistics) == 1
    tampered = document | {"users": 4}
    _, body = await gql(client, RECORD_STATISTICS, {"document": tampered})
    result = body["data"]["recordInstanceStatistics"]
    assert result["__typename"] == "InvalidInput"
    assert result["problems"] == [{"field": "sum"}]
    assert await count_rows(db, InstanceStatistics) == 1


TOKENS = "{ tokens { id name kind project environment revokedAt } }"
CREATE = """
mutation Create($kind: TokenKind!, $name: String!, $project: String, $environment: String) {
  createToken(kind: $kind, name: $name, project: $project, environment: $environment) {
    __typename
    ... on CreatedToken { secret token { id kind project environment } }
    ... on InvalidInput { message }
  }
}
"""
REVOKE = """
mutation Revoke($id: Int!) {
  revokeToken(id: $id) {
    __typename
    ... on RevokedToken { id }
    ... on NotFoundProblem { code message }
  }
}
"""


async def test_token_lifecycle(client: TestClient[Any, Any]) -> None:
    args = {"kind": "INGEST", "name": "edge", "project": "web", "environment": "prod"}
    _, body = await gql(client, CREATE, args)
    created = body["data"]["createToken"]
    assert created["__typename"] == "CreatedToken"
    assert created["token"]["kind"] == "INGEST"
    assert (created["token"]["project"], created["token"]["environment"]) == ("web", "prod")
    secret, token_id = created["secret"], created["token"]["id"]
    _, body = await gql(client, INGEST, {"records": [evaluation()]}, token=secret)
    assert body["data"]["ingest"]["__typename"] == "IngestAccepted"

    _, body = await gql(client, TOKENS)
    names = {t["name"]: t for t in body["data"]["tokens"]}
    assert set(names) == {"GATEWAY_ADMIN_TOKEN", "edge"}
    assert secret not in str(body)

    _, body = await gql(client, REVOKE, {"id": token_id})
    assert body["data"]["revokeToken"] == {"__typename": "RevokedToken", "id": token_id}
    status, body = await gql(client, INGEST, {"records": [evaluation()]}, token=secret)
    assert (status, codes(body)) == (401, ["unauthorized"])
    _, body = await gql(client, REVOKE, {"id": token_id})
    assert body["data"]["revokeToken"]["__typename"] == "NotFoundProblem"
    assert body["data"]["revokeToken"]["code"] == "not_found"

    _, body = await gql(client, CREATE, {"kind": "INGEST", "name": "half", "project": "web"})
    assert body["data"]["createToken"]["__typename"] == "InvalidInput"
    scoped_admin = {"kind": "ADMIN", "name": "x", "project": "web", "environment": "prod"}
    _, body = await gql(client, CREATE, scoped_admin)
    assert body["data"]["createToken"] == {
        "__typename": "InvalidInput",
        "message": "only ingest tokens take a project and environment; an admin token reaches "
        "every project: drop the project and environment",
    }


async def test_token_mutations_are_admin_only(client: TestClient[Any, Any]) -> None:
    ingest = await new_token(client, "ingest")
    _, body = await gql(client, CREATE, {"kind": "ADMIN", "name": "x"}, token=ingest)
    assert body["data"] is None
    assert codes(body) == ["forbidden"]


async def test_bad_documents_have_codes(client: TestClient[Any, Any]) -> None:
    _, body = await gql(client, "{ viewer { name }")
    assert codes(body) == ["graphql_parse_failed"]
    _, body = await gql(client, "{ nothing }")
    assert codes(body) == ["graphql_validation_failed"]


async def test_a_browser_gets_the_page_without_a_token(client: TestClient[Any, Any]) -> None:
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status == 200
    assert response.content_type == "text/html"
    assert "GraphQL" in await response.text()


async def test_queries_over_get_need_a_token_too(client: TestClient[Any, Any]) -> None:
    response = await client.get("/graphql", params={"query": "{ viewer { kind } }"})
    assert response.status == 401
    response = await client.get(
        "/graphql", params={"query": "{ viewer { kind } }"}, headers={"Authorization": ADMIN}
    )
    assert await response.json() == {"data": {"viewer": {"kind": "ADMIN"}}}


async def test_an_over_long_idempotency_key_is_invalid_input(
    client: TestClient[Any, Any], db: Database
) -> None:
    _, body = await gql(client, INGEST, {"records": [evaluation()], "key": "k" * 201})
    assert body["data"]["ingest"]["__typename"] == "InvalidInput"
    assert "Idempotency-Key" in body["data"]["ingest"]["message"]
    assert await count_rows(db, EvaluationBucket) == 0


@pytest.mark.parametrize(
    ("method", "data", "status", "code"),
    [
        ("POST", "{not json", 400, "invalid_request"),
        ("POST", '{"variables": {}}', 400, "invalid_request"),
        ("PUT", '{"query": "{ viewer { kind } }"}', 405, "method_not_allowed"),
    ],
)
async def test_transport_errors_are_coded_json(
    client: TestClient[Any, Any], method: str, data: str, status: int, code: str
) -> None:
    response = await client.request(
        method,
        "/graphql",
        data=data,
        headers={"Authorization": ADMIN, "Content-Type": "application/json"},
    )
    assert response.status == status
    body = await response.json()
    assert body["data"] is None
    assert codes(body) == [code]
