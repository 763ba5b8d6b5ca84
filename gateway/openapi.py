"""GET /openapi.json: an OpenAPI 3 document of every REST route the app serves.

The paths come from the app's router, so a route added later is listed even before
someone describes it here; the descriptions below add parameters and schemas.
"""

from typing import Any

from aiohttp import web

Doc = dict[str, Any]

_ERROR = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
}
_LINKS = {"type": "object", "additionalProperties": True}
SCHEMAS: Doc = {
    "Error": _ERROR,
    "SeriesListRep": {
        "type": "object",
        "required": ["_links", "metadata", "series"],
        "properties": {
            "_links": _LINKS,
            "metadata": {"type": "array", "items": {"type": "object"}},
            "series": {
                "type": "array",
                "items": {
                    "type": "object",
                    "description": "time (Unix ms) plus one integer per metadata index",
                    "additionalProperties": {"type": "integer", "format": "int64"},
                },
            },
        },
    },
    "SeriesIntervalsRep": {
        "type": "object",
        "required": ["series"],
        "properties": {
            "_links": _LINKS,
            "series": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["time", "value"],
                    "properties": {
                        "time": {"type": "integer", "format": "int64"},
                        "value": {"type": "number"},
                    },
                },
            },
        },
    },
    "SdkListRep": {
        "type": "object",
        "required": ["_links", "sdks"],
        "properties": {"_links": _LINKS, "sdks": {"type": "array", "items": {"type": "string"}}},
    },
    "SdkVersionListRep": {
        "type": "object",
        "required": ["_links", "sdkVersions"],
        "properties": {
            "_links": _LINKS,
            "sdkVersions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["sdk", "version"],
                    "properties": {"sdk": {"type": "string"}, "version": {"type": "string"}},
                },
            },
        },
    },
}


def _param(name: str, where: str, doc: str, *, repeat: bool = False, enum: Any = None) -> Doc:
    schema: Doc = {"type": "string"}
    if enum:
        schema["enum"] = list(enum)
    if repeat:
        schema = {"type": "array", "items": schema}
    param: Doc = {"name": name, "in": where, "description": doc, "schema": schema}
    if where == "path":
        param["required"] = True
    if repeat:
        param |= {"style": "form", "explode": True}
    return param


def _q(name: str, doc: str, **kw: Any) -> Doc:
    return _param(name, "query", doc, **kw)


def _p(name: str, doc: str) -> Doc:
    return _param(name, "path", doc)


MS_FROM = _q("from", "Start, Unix milliseconds.")
MS_TO = _q("to", "End, Unix milliseconds (default now; clipped to now).")
S_FROM = _q("from", "Start, Unix seconds (default: start of the current UTC month).")
S_TO = _q("to", "End, Unix seconds (default now); at most 31 days after from.")
TZ = _q("tz", "IANA zone for day and hour breaks (default UTC).")
SOURCE = _p("source", "client or server")
METER = [S_FROM, S_TO, _q("projectKey", "Needs environmentKey."), _q("environmentKey", "")]
MAU = [
    MS_FROM,
    MS_TO,
    _q("project", "Project keys.", repeat=True),
    _q("environment", "Environment keys; needs exactly one project.", repeat=True),
    _q("sdktype", "SDK types.", repeat=True, enum=("client", "server")),
    _q("sdk", "SDK names.", repeat=True),
    _q("anonymous", "Anonymous contexts only, or not.", enum=("true", "false")),
    _q(
        "groupby",
        "One series per distinct value combination.",
        repeat=True,
        enum=("project", "environment", "sdktype", "sdk", "anonymous", "contextKind"),
    ),
    _q(
        "aggregationType",
        "Window of each day's count (default rolling_30d).",
        enum=("rolling_30d", "month_to_date", "daily_incremental"),
    ),
    _q("contextKind", "Context kinds (default: every kind).", repeat=True),
]

USAGE: dict[str, tuple[str, str, list[Doc]]] = {
    "/api/v2/usage/data-export-events": ("Data export events", "SeriesIntervalsRep", METER),
    "/api/v2/usage/evaluations/{projectKey}/{environmentKey}/{featureFlagKey}": (
        "Evaluations by variation",
        "SeriesListRep",
        [
            _p("projectKey", "Project key"),
            _p("environmentKey", "Environment key"),
            _p("featureFlagKey", "Flag key"),
            MS_FROM,
            MS_TO,
            TZ,
        ],
    ),
    "/api/v2/usage/events/{type}": (
        "Analytics events",
        "SeriesListRep",
        [_p("type", "received or published"), MS_FROM, MS_TO],
    ),
    "/api/v2/usage/experimentation-keys": ("Experimentation keys", "SeriesIntervalsRep", METER),
    "/api/v2/usage/experimentation-units": ("Experimentation units", "SeriesIntervalsRep", METER),
    "/api/v2/usage/mau": ("Monthly active users", "SeriesListRep", MAU),
    "/api/v2/usage/mau/bycategory": ("MAU by category", "SeriesListRep", [MS_FROM, MS_TO]),
    "/api/v2/usage/mau/sdks": (
        "SDKs with MAU",
        "SdkListRep",
        [MS_FROM, MS_TO, _q("sdktype", "client or server", enum=("client", "server"))],
    ),
    "/api/v2/usage/service-connections": ("Service connections", "SeriesIntervalsRep", METER),
    "/api/v2/usage/streams/{source}": (
        "Streaming connections",
        "SeriesListRep",
        [SOURCE, MS_FROM, MS_TO, TZ],
    ),
    "/api/v2/usage/streams/{source}/bysdkversion": (
        "Streaming connections by SDK version",
        "SeriesListRep",
        [
            SOURCE,
            MS_FROM,
            MS_TO,
            TZ,
            _q("sdk", "SDK names.", repeat=True),
            _q("version", "SDK versions.", repeat=True),
        ],
    ),
    "/api/v2/usage/streams/{source}/sdkversions": (
        "SDK versions streaming in the past 60 days",
        "SdkVersionListRep",
        [SOURCE],
    ),
}

_STATUS = {
    "400": "Invalid request",
    "401": "Invalid access token",
    "403": "Forbidden, or the LD-API-Version: beta header is missing",
    "404": "Invalid resource identifier",
    "429": "Rate limited",
    "503": "Service unavailable",
}


def _ref(name: str) -> Doc:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}


def _usage_operation(summary: str, schema: str, params: list[Doc]) -> Doc:
    responses: Doc = {"200": {"description": "Usage response", "content": _ref(schema)}}
    responses |= {code: {"description": d, "content": _ref("Error")} for code, d in _STATUS.items()}
    return {
        "summary": summary,
        "tags": ["Account usage (beta)"],
        "security": [{"ApiKey": []}],
        "parameters": [
            *params,
            {
                "name": "LD-API-Version",
                "in": "header",
                "required": True,
                "schema": {"type": "string", "enum": ["beta"]},
            },
        ],
        "responses": responses,
    }


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
            "400": {"description": "Invalid records", "content": _ref("Error")},
            "401": {"description": "Invalid access token", "content": _ref("Error")},
            "403": {"description": "Forbidden", "content": _ref("Error")},
            "413": {"description": "Body too large", "content": _ref("Error")},
        },
    },
    ("GET", "/api/admin/instance-admin/statistics"): {
        "summary": "Unleash instance statistics (JSON), admin token",
        "tags": ["Unleash Admin API"],
        "security": [{"ApiKey": []}],
        "responses": {
            "200": {"description": "Statistics document", "content": {"application/json": {}}},
            "401": {"description": "UnauthorizedError"},
            "403": {"description": "Not an admin token"},
        },
    },
    ("GET", "/api/admin/instance-admin/statistics/csv"): {
        "summary": "Unleash instance statistics (CSV), admin token",
        "tags": ["Unleash Admin API"],
        "security": [{"ApiKey": []}],
        "responses": {
            "200": {"description": "One header and one data row", "content": {"text/csv": {}}},
            "401": {"description": "UnauthorizedError"},
            "403": {"description": "Not an admin token"},
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
        return _usage_operation(*USAGE[path])
    known = OTHERS.get((method, path))
    if known is not None:
        return known
    params = [_p(part[1:-1], "") for part in path.split("/") if part.startswith("{")]
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
        if path.startswith(("/graphql", "/static")):
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
