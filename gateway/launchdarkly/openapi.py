"""OpenAPI descriptions of the LaunchDarkly usage routes: parameters and representations."""

import zoneinfo
from typing import Any

Doc = dict[str, Any]

_ERROR = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
}
_LINKS = {"type": "object", "additionalProperties": True}
SCHEMAS: Doc = {
    "Error": _ERROR,
    # The zones this machine's zoneinfo knows: the ones the server accepts.
    "TimeZone": {"type": "string", "enum": sorted(zoneinfo.available_timezones())},
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


def _param(
    name: str,
    where: str,
    doc: str,
    *,
    repeat: bool = False,
    enum: Any = None,
    pattern: str | None = None,
) -> Doc:
    schema: Doc = {"type": "string"}
    if enum:
        schema["enum"] = list(enum)
    if pattern:
        schema["pattern"] = pattern
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


def path_param(name: str, doc: str) -> Doc:
    return _param(name, "path", doc)


# A timestamp is digits, never empty (the server refuses anything else).
DIGITS = "^[0-9]{1,15}$"
MS_FROM = _q("from", "Start, Unix milliseconds.", pattern=DIGITS)
MS_TO = _q("to", "End, Unix milliseconds (default now; clipped to now).", pattern=DIGITS)
S_FROM = _q(
    "from", "Start, Unix seconds (default: start of the current UTC month).", pattern=DIGITS
)
S_TO = _q("to", "End, Unix seconds (default now); at most 31 days after from.", pattern=DIGITS)
TZ = {
    "name": "tz",
    "in": "query",
    "description": "IANA zone for day and hour breaks (default UTC).",
    "schema": {"$ref": "#/components/schemas/TimeZone"},
}
SOURCE = path_param("source", "client or server")
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
            path_param("projectKey", "Project key"),
            path_param("environmentKey", "Environment key"),
            path_param("featureFlagKey", "Flag key"),
            MS_FROM,
            MS_TO,
            TZ,
        ],
    ),
    "/api/v2/usage/events/{type}": (
        "Analytics events",
        "SeriesListRep",
        [path_param("type", "received or published"), MS_FROM, MS_TO],
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


def ref(name: str) -> Doc:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}


def usage_operation(summary: str, schema: str, params: list[Doc]) -> Doc:
    responses: Doc = {"200": {"description": "Usage response", "content": ref(schema)}}
    responses |= {code: {"description": d, "content": ref("Error")} for code, d in _STATUS.items()}
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
