"""Every error of every route comes in its vendor's shape (503s: tests/gateway/test_unavailable.py).

Routes are enumerated from the live router, so a new route that is not classified here
fails the first test instead of silently escaping the check.
"""

import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from gateway.app import create_app
from gateway.errors import UNLEASH_FORBIDDEN, UNLEASH_UNAUTHORIZED, is_unleash
from gateway.settings import Settings
from tests.gateway.test_ingest import new_token

PUBLIC = {"/health", "/ready", "/openapi.json"}
PATH_VALUES = {
    "projectKey": "p",
    "environmentKey": "e",
    "featureFlagKey": "f",
    "type": "received",
    "source": "server",
    "env_id": "no-such-client-id",
}
# Which token kind each family of routes refuses with 403.
WRONG_KIND = [
    ("/api/v2/", "ingest"),
    ("/api/admin/", "ingest"),
    ("/api/gateway/", "read"),
    ("/api/client/", "read"),
    ("/bulk", "read"),
    ("/diagnostic", "read"),
    ("/mobile", "read"),
]


def _routes() -> list[tuple[str, str]]:
    app = create_app(Settings())
    found = set()
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter")
        if route.method in ("HEAD", "OPTIONS") or path is None or path in PUBLIC:
            continue
        if path.startswith("/graphql"):
            continue  # GraphQL has its own error format, tested with the schema
        found.add((route.method, re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m[1]], path)))
    return sorted(found)


ROUTES = _routes()


def _assert_shape(path: str, status: int, body: Any, expected_status: int) -> None:
    assert status == expected_status, (path, body)
    if is_unleash(path):
        if expected_status == 401:
            assert body.items() >= UNLEASH_UNAUTHORIZED.items()
        elif expected_status == 403:
            assert body.items() >= UNLEASH_FORBIDDEN.items()
        else:
            assert isinstance(body.get("name"), str)
            assert isinstance(body.get("message"), str)
            assert body["message"]
    else:
        assert set(body) <= {"code", "message", "id", "errors"}, body
        assert isinstance(body["code"], str)
        assert isinstance(body["message"], str)
        assert body["message"]


def test_every_route_is_classified() -> None:
    assert len(ROUTES) >= 25
    for _, path in ROUTES:
        assert any(path.startswith(prefix) for prefix, _ in WRONG_KIND) or path.startswith(
            "/events/"
        ), f"{path}: say which token kind it refuses"


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize("secret", [None, "no-such-token"], ids=["missing", "unknown"])
async def test_unauthorized(
    client: TestClient[Any, Any], method: str, path: str, secret: str | None
) -> None:
    headers = {"LD-API-Version": "beta", "Content-Type": "application/json"}
    if secret:
        headers["Authorization"] = secret
    response = await client.request(method, path, headers=headers, data="{}")
    _assert_shape(path, response.status, await response.json(), 401)


@pytest.mark.parametrize(("method", "path"), [r for r in ROUTES if not r[1].startswith("/events/")])
async def test_forbidden_token_kind(client: TestClient[Any, Any], method: str, path: str) -> None:
    kind = next(k for prefix, k in WRONG_KIND if path.startswith(prefix))
    secret = await new_token(client, kind)
    headers = {
        "LD-API-Version": "beta",
        "Content-Type": "application/json",
        "Authorization": secret,
    }
    response = await client.request(method, path, headers=headers, data="{}")
    _assert_shape(path, response.status, await response.json(), 403)


@pytest.mark.parametrize(
    "path",
    ["/api/v2/usage/nope", "/api/admin/nope", "/api/client/nope", "/api/gateway/nope", "/nope"],
)
async def test_unknown_paths(client: TestClient[Any, Any], path: str) -> None:
    response = await client.get(path)
    _assert_shape(path, response.status, await response.json(), 404)
