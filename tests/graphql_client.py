"""Helpers to send GraphQL operations to the real app."""

from typing import Any

from aiohttp.test_utils import TestClient

from tests.conftest import ADMIN


async def gql(
    client: TestClient[Any, Any],
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None = ADMIN,
) -> tuple[int, dict[str, Any]]:
    """POST an operation; return the status and the decoded body."""
    headers = {"Authorization": token} if token is not None else {}
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    return response.status, await response.json()


def codes(body: dict[str, Any]) -> list[str]:
    """Return the ``extensions.code`` of every error of a response."""
    return [e["extensions"]["code"] for e in body.get("errors") or []]
