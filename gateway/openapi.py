"""GET /openapi.json: an OpenAPI 3 document of every REST route the app serves.

The paths come from the app's router, so a route added later is listed even before
someone describes it here; the descriptions (here, in launchdarkly/openapi.py and in
openapi_bodies.py) add the rest. Every status a route can answer is listed with its body.
"""

from aiohttp import web

from gateway import openapi_bodies
from gateway.launchdarkly.openapi import SCHEMAS, USAGE, Doc, path_param, ref, usage_operation
from gateway.openapi_bodies import json_body
from gateway.unleash.errors import is_unleash

# GraphQL and its page's assets are not REST routes; the GraphQL schema describes itself.
NOT_REST = ("/graphql", "/static", "/dashboard")
# Browser pages, not API routes: the dashboard's shell at the root.
PAGES = frozenset({"/"})


def is_rest(path: str) -> bool:
    """Return whether a route belongs in the OpenAPI document (not GraphQL, not a page)."""
    return not path.startswith(NOT_REST) and path not in PAGES


UNLEASH_ERROR: Doc = {
    "type": "object",
    "required": ["message"],
    "properties": {
        "name": {"type": "string"},
        "message": {"type": "string"},
        "details": {"type": "array", "items": {"type": "object"}},
    },
}


def _answers(schema: str, *codes: str) -> Doc:
    """Return the error answers ``codes`` of a route, each with its error body."""
    texts = {
        "400": "Invalid request",
        "401": "Invalid access token",
        "403": "Wrong token kind or scope",
        "404": "Not found",
        "413": "Body over GATEWAY_MAX_BODY_BYTES",
        "503": "Database unavailable",
    }
    return {code: {"description": texts[code], "content": ref(schema)} for code in codes}


ACCEPTED = {"202": {"description": "Accepted and stored"}}
SDK_ERRORS = ("400", "401", "403", "413", "503")

OTHERS: dict[tuple[str, str], Doc] = {
    ("POST", "/api/gateway/ingest"): {
        "summary": "Bulk ingestion of usage records (JSON or NDJSON), all or nothing",
        "tags": ["Ingestion"],
        "security": [{"ApiKey": []}],
        "parameters": [
            {
                "name": "Idempotency-Key",
                "in": "header",
                "schema": {"type": "string", "minLength": 1, "maxLength": 200},
            }
        ],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Batch"}},
                "application/x-ndjson": {
                    "schema": {"type": "string", "description": "One Record per line"}
                },
            },
        },
        "responses": {
            "202": {
                "description": 'Accepted: {"accepted": n}',
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["accepted"],
                            "properties": {"accepted": {"type": "integer", "minimum": 0}},
                        }
                    }
                },
            },
            **_answers("Error", "400", "401", "403", "413", "503"),
        },
    },
    ("GET", "/api/admin/instance-admin/statistics"): {
        "summary": "Unleash instance statistics (JSON); admin or read token",
        "tags": ["Unleash Admin API"],
        "security": [{"ApiKey": []}],
        "responses": {
            "200": {"description": "Statistics document", "content": {"application/json": {}}},
            **_answers("UnleashError", "401", "403", "404", "503"),
        },
    },
    ("GET", "/api/admin/instance-admin/statistics/csv"): {
        "summary": "Unleash instance statistics (CSV); admin or read token",
        "tags": ["Unleash Admin API"],
        "security": [{"ApiKey": []}],
        "responses": {
            "200": {"description": "One header and one data row", "content": {"text/csv": {}}},
            **_answers("UnleashError", "401", "403", "404", "503"),
        },
    },
    ("POST", "/api/client/register"): {
        "requestBody": json_body("UnleashRegistration"),
        "responses": {**ACCEPTED, **_answers("UnleashError", *SDK_ERRORS)},
    },
    ("POST", "/api/client/metrics"): {
        "requestBody": json_body("UnleashMetrics"),
        "responses": {**ACCEPTED, **_answers("UnleashError", *SDK_ERRORS)},
    },
    ("GET", "/api/client/features"): {
        "parameters": [{"name": "project", "in": "query", "schema": {"type": "string"}}],
        "responses": {
            "200": {"description": "The configured toggles", "content": {"application/json": {}}},
            "304": {"description": "Not modified (If-None-Match)"},
            **_answers("UnleashError", "401", "403", "503"),
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


def _launchdarkly_sdk(method: str, path: str) -> Doc:
    if method == "OPTIONS":
        return {"responses": {"200": {"description": "CORS headers"}}}
    diagnostic = path.endswith("diagnostic") or "/diagnostic/" in path
    schema = "LaunchDarklyDiagnostic" if diagnostic else "LaunchDarklyEvents"
    # A browser SDK's client-side ID that names no token is a 404, as LaunchDarkly's.
    codes = (*SDK_ERRORS, "404") if "{" in path else SDK_ERRORS
    return {
        "requestBody": json_body(schema),
        "responses": {**ACCEPTED, **_answers("Error", *codes)},
    }


def _operation(method: str, path: str) -> Doc:
    if method == "GET" and path in USAGE:
        return usage_operation(*USAGE[path])
    params = [path_param(part[1:-1], "") for part in path.split("/") if part.startswith("{")]
    summary = _sdk_summary(method, path)
    known = OTHERS.get((method, path))
    if known is None and summary is not None and not path.startswith("/api/client/"):
        known = _launchdarkly_sdk(method, path)
    if known is not None:
        described = {"summary": summary, "parameters": params} if summary else {}
        return described | known
    return {
        "summary": f"{method} {path}",
        "parameters": params,
        "responses": {"200": {"description": "OK"}},
    }


RULES = (
    "Rules this document cannot state in its schemas, each refused with a 400 naming it: "
    "no string anywhere (path, query, header, JSON string or key) may hold a NUL character "
    "(U+0000) or a lone surrogate; JSON nests at most 64 arrays and objects; times are not "
    "in the future; `from` is not after `to`; a usage series holds at most 10,000 points; "
    "a meter range is at most 31 days; `/mau` `environment` needs exactly one `project`; "
    "`projectKey` and `environmentKey` (a meter record's `project` and `environment`) come "
    "together; a toggle name is not blank and at most 256 characters; a statistics "
    "document's `sum` must match its contents."
)


def document(app: web.Application) -> Doc:
    """Return the OpenAPI 3 document of the app's routes."""
    paths: Doc = {}
    for route in app.router.routes():
        path = route.resource.canonical if route.resource is not None else None
        if path is None or route.method in ("HEAD", "*"):
            continue
        if not is_rest(path):
            continue
        operation = dict(_operation(route.method, path))  # OTHERS stays as written
        # Every route refuses a bad header, path or query string (gateway/edge.py).
        dialect = "UnleashError" if is_unleash(path) else "Error"
        operation["responses"] = {**_answers(dialect, "400"), **operation["responses"]}
        paths.setdefault(path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.0.3",
        "info": {"title": "Usage Gateway", "version": "0.1.0", "description": RULES},
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": {**SCHEMAS, **openapi_bodies.SCHEMAS, "UnleashError": UNLEASH_ERROR},
            "securitySchemes": {
                "ApiKey": {"type": "apiKey", "in": "header", "name": "Authorization"}
            },
        },
    }


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(document(request.app))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/openapi.json", openapi, allow_head=False)
