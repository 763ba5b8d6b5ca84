"""Every error of every route comes in its vendor's shape (503s: tests/gateway/test_unavailable.py).

Routes are enumerated from the live router, so a new route that is not classified here
fails the first test instead of silently escaping the check.
"""

import json
import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, make_mocked_request
from graphql import GraphQLError

from gateway.app import create_app
from gateway.errors import error_response, launchdarkly_body
from gateway.settings import Settings
from gateway.unleash.errors import FORBIDDEN as UNLEASH_FORBIDDEN
from gateway.unleash.errors import UNAUTHORIZED as UNLEASH_UNAUTHORIZED
from gateway.unleash.errors import is_unleash
from resolvers.errors import (
    Forbidden,
    GatewayError,
    InvalidRequest,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    Unauthorized,
    Unavailable,
)
from schema.errors import classify
from tests.gateway.test_ingest import new_token

PUBLIC = {"/health", "/ready", "/openapi.json", "/metrics"}  # /metrics: see README
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
        if path == "/" or path.startswith("/dashboard"):
            continue  # the dashboard's public pages and files: tests/gateway/test_dashboard.py
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


def _wrong_method(path: str) -> str:
    taken = {method for method, p in ROUTES if p == path}
    return next(m for m in ("DELETE", "PATCH", "PUT", "POST", "GET") if m not in taken)


@pytest.mark.parametrize("path", sorted({path for _, path in ROUTES}))
async def test_wrong_method(client: TestClient[Any, Any], path: str) -> None:
    method = _wrong_method(path)
    response = await client.request(method, path, headers={"Authorization": "x"}, data="{}")
    assert response.status == 405, path
    assert response.content_type == "application/json"
    body = await response.json()
    allowed = sorted({m for m, p in ROUTES if p == path})
    assert set(allowed) <= set(response.headers["Allow"].split(","))
    if is_unleash(path):
        assert body == {
            "name": "MethodNotAllowedError",
            "message": f"method {method} is not allowed here; use {', '.join(allowed)}",
        }
    else:
        assert body == {
            "code": "method_not_allowed",
            "message": f"method {method} is not allowed here; use {', '.join(allowed)}",
        }


V2_ROUTES = [r for r in ROUTES if r[1].startswith("/api/v2/")]


@pytest.mark.parametrize(("method", "path"), V2_ROUTES)
@pytest.mark.parametrize("secret", [None, "no-such-token"], ids=["missing", "unknown"])
async def test_launchdarkly_401_message(
    client: TestClient[Any, Any], method: str, path: str, secret: str | None
) -> None:
    headers = {"LD-API-Version": "beta"} | ({"Authorization": secret} if secret else {})
    response = await client.request(method, path, headers=headers)
    assert response.status == 401
    assert await response.json() == {"code": "unauthorized", "message": "Invalid access token"}


@pytest.mark.parametrize(("method", "path"), V2_ROUTES)
async def test_launchdarkly_403_messages(
    client: TestClient[Any, Any], method: str, path: str
) -> None:
    wrong_kind = await new_token(client, "ingest")
    response = await client.request(
        method, path, headers={"LD-API-Version": "beta", "Authorization": wrong_kind}
    )
    assert response.status == 403
    assert await response.json() == {
        "code": "forbidden",
        "message": "Forbidden. Access to the requested resource was denied.",
    }
    reader = await new_token(client, "read")
    response = await client.request(method, path, headers={"Authorization": reader})
    assert response.status == 403
    assert await response.json() == {
        "code": "forbidden",
        "message": "This API is in beta. To use it, your request must include the header "
        "`LD-API-Version: beta`.",
    }


async def test_own_routes_keep_descriptive_messages(client: TestClient[Any, Any]) -> None:
    response = await client.post("/api/gateway/ingest", data="{}")
    assert response.status == 401
    assert (await response.json())["message"] != "Invalid access token"


@pytest.mark.parametrize(
    "error",
    [
        InvalidRequest(""),
        Unauthorized(None),
        Forbidden(None),
        NotFound(None),
        PayloadTooLarge(None),
        RateLimited(retry_after_s=1, reset_ms=0),
        Unavailable(None),
    ],
    ids=lambda e: type(e).__name__,
)
def test_both_doors_share_default_messages(error: GatewayError) -> None:
    graphql_message, _ = classify(GraphQLError("x", original_error=error))
    assert launchdarkly_body(error)["message"] == graphql_message == error.default_message


class _FlagGone(NotFound):
    """A subclass nobody listed: it must render as its nearest listed ancestor."""


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v2/usage/x", {"code": "not_found", "message": "gone"}),
        ("/api/admin/x", {"name": "NotFoundError", "message": "gone"}),
    ],
)
def test_errors_are_rendered_by_class_hierarchy(path: str, body: dict[str, str]) -> None:
    request = make_mocked_request("GET", path)
    response = error_response(request, _FlagGone("gone"))
    assert response.status == 404
    assert response.text is not None
    assert json.loads(response.text) == body
    message, extensions = classify(GraphQLError("x", original_error=_FlagGone("gone")))
    assert (message, extensions) == ("gone", {"code": "not_found"})
