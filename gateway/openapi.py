"""GET /openapi.json: an OpenAPI 3 document of every REST route the app serves.

The paths come from the app's router, so a route added later is listed even before
someone describes it here; the descriptions (here and in openapi_usage.py) add the rest.
"""

from aiohttp import web

from gateway.launchdarkly.openapi import SCHEMAS, USAGE, Doc, path_param, ref, usage_operation

# GraphQL and its page's assets are not REST routes; the GraphQL schema describes itself.
NOT_REST = ("/graphql", "/static", "/dashboard")
# Browser pages, not API routes: the dashboard's shell at the root.
PAGES = frozenset({"/"})


def is_rest(path: str) -> bool:
    """Return whether a route belongs in the OpenAPI document (not GraphQL, not a page)."""
    return not path.startswith(NOT_REST) and path not in PAGES


OTHERS: dict[tuple[str, str], Doc] = {
    ("POST", "/api/gateway/ingest"): {
        "summary": "Bulk ingestion of usage records (JSON or NDJSON), all or nothing",
        "tags": ["Ingestion"],
        "security": [{"ApiKey": []}],
        "parameters": [{"name": "Idempotency-Key", "in": "header", "schema": {"type": "string"}}],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "application/x-ndjson": {"schema": {"type": "string"}},
            },
        },
        "responses": {
            "202": {"description": 'Accepted: {"accepted": n}'},
            "400": {"description": "Invalid records", "content": ref("Error")},
            "401": {"description": "Invalid access token", "content": ref("Error")},
            "403": {"description": "Forbidden", "content": ref("Error")},
            "413": {"description": "Body too large", "content": ref("Error")},
        },
    },
    ("GET", "/api/admin/instance-admin/statistics"): {
        "summary": "Unleash instance statistics (JSON); admin or read token",
        "tags": ["Unleash Admin API"],
        "security": [{"ApiKey": []}],
        "responses": {
            "200": {"description": "Statistics document", "content": {"application/json": {}}},
            "401": {"description": "UnauthorizedError"},
            "403": {"description": "An ingest token"},
        },
    },
    ("GET", "/api/admin/instance-admin/statistics/csv"): {
        "summary": "Unleash instance statistics (CSV); admin or read token",
        "tags": ["Unleash Admin API"],
        "security": [{"ApiKey": []}],
        "responses": {
            "200": {"description": "One header and one data row", "content": {"text/csv": {}}},
            "401": {"description": "UnauthorizedError"},
            "403": {"description": "An ingest token"},
        },
    },
    ("GET", "/health"): {"summary": "Liveness", "responses": {"200": {"description": "ok"}}},
    ("GET", "/ready"): {
        "summary": "Readiness: the database answers",
        "responses": {"200": {"description": "ok"}, "503": {"description": "unavailable"}},
    },
    ("GET", "/openapi.json"): {
        "summary": "This document",
        "responses": {"200": {"description": "OpenAPI 3 document"}},
    },
}


def _sdk_summary(method: str, path: str) -> str | None:
    if method == "OPTIONS":
        return "CORS preflight for browser SDKs"
    if path.startswith("/api/client/"):
        return "Unleash SDK client API (wire protocol of Unleash's SDKs)"
    if path.startswith(("/bulk", "/diagnostic", "/mobile", "/events/")):
        return "LaunchDarkly SDK events (wire protocol of LaunchDarkly's SDKs)"
    return None


def _operation(method: str, path: str) -> Doc:
    if method == "GET" and path in USAGE:
        return usage_operation(*USAGE[path])
    known = OTHERS.get((method, path))
    if known is not None:
        return known
    params = [path_param(part[1:-1], "") for part in path.split("/") if part.startswith("{")]
    summary = _sdk_summary(method, path)
    if summary is not None:
        answer = {"default": {"description": "As the vendor's service answers"}}
        return {"summary": summary, "parameters": params, "responses": answer}
    return {
        "summary": f"{method} {path}",
        "parameters": params,
        "responses": {"200": {"description": "OK"}},
    }


def document(app: web.Application) -> Doc:
    """Return the OpenAPI 3 document of the app's routes."""
    paths: Doc = {}
    for route in app.router.routes():
        path = route.resource.canonical if route.resource is not None else None
        if path is None or route.method in ("HEAD", "*"):
            continue
        if not is_rest(path):
            continue
        paths.setdefault(path, {})[route.method.lower()] = _operation(route.method, path)
    return {
        "openapi": "3.0.3",
        "info": {"title": "Usage Gateway", "version": "0.1.0"},
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "ApiKey": {"type": "apiKey", "in": "header", "name": "Authorization"}
            },
        },
    }


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(document(request.app))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/openapi.json", openapi, allow_head=False)
