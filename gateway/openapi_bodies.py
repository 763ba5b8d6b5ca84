"""OpenAPI descriptions of the bodies the gateway ingests: bulk records and SDK payloads.

As strict as the JSON Schema of OpenAPI 3.0 can say: required fields, types, enums and
bounds (resolvers/payloads.py), non-blank keys of at most 256 characters without NUL,
so that a client generated from the document sends what the gateway accepts. Rules
across fields (a statistics document's ``sum``, times not in the future) are in the
descriptions only.
"""

from typing import Any

from resolvers.payloads import MAX_COUNT, MAX_INT32, MAX_KEY, MAX_METER_VALUE
from resolvers.vocabulary import Category, EventType, Meter, SdkType

Doc = dict[str, Any]

# Not blank, no NUL (the string rule of resolvers/strings.py); surrogates cannot be
# written in a JSON Schema pattern, and hypothesis-style generators do not make them.
KEY: Doc = {
    "type": "string",
    "minLength": 1,
    "maxLength": MAX_KEY,
    "pattern": "^[^\\x00]*[^\\x00\\s][^\\x00]*$",
}
# A field that may be left out is, when given, a KEY too (the server refuses a blank one).
ANY_TEXT: Doc = {"type": "string", "pattern": "^[^\\x00]*$"}
LAST_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z
TIME: Doc = {
    "description": "ISO-8601 with an offset, or Unix milliseconds; not in the future.",
    "oneOf": [
        {"type": "string", "format": "date-time"},
        {"type": "integer", "minimum": 0, "maximum": LAST_MS},
    ],
}
COUNT: Doc = {"type": "integer", "minimum": 1, "maximum": MAX_COUNT}


def _values(vocabulary: Any) -> list[str]:
    return [str(member.value) for member in vocabulary]


def _record(kind: str, required: list[str], properties: Doc) -> Doc:
    # Our own API: the fields are these (an unknown one is ignored, but a client
    # generated from this document has no reason to send one).
    return {
        "type": "object",
        "required": ["type", "time", *required],
        "properties": {"type": {"type": "string", "enum": [kind]}, "time": TIME, **properties},
        "additionalProperties": False,
    }


RECORDS: Doc = {
    "EvaluationRecord": _record(
        "evaluation",
        ["project", "environment", "flag", "variation"],
        {
            "project": KEY,
            "environment": KEY,
            "flag": KEY,
            "variation": {"type": "integer", "minimum": 0, "maximum": MAX_INT32},
            "value": {"description": "The variation's value: any JSON."},
            "count": COUNT,
            "sdk": KEY,
            "sdkVersion": KEY,
        },
    ),
    "ContextRecord": _record(
        "context",
        ["contextKey", "project", "environment", "sdk", "sdkType", "category"],
        {
            "contextKey": KEY,
            "contextKind": KEY,
            "anonymous": {"type": "boolean"},
            "project": KEY,
            "environment": KEY,
            "sdk": KEY,
            "sdkType": {"type": "string", "enum": _values(SdkType)},
            "category": {"type": "string", "enum": _values(Category)},
        },
    ),
    "StreamRecord": _record(
        "stream",
        ["source", "sdk", "sdkVersion", "connections"],
        {
            "source": {"type": "string", "enum": _values(SdkType)},
            "sdk": KEY,
            "sdkVersion": KEY,
            "connections": {"type": "integer", "minimum": 0, "maximum": MAX_COUNT},
        },
    ),
    "EventRecord": _record(
        "event",
        ["eventType", "count"],
        {"eventType": {"type": "string", "enum": _values(EventType)}, "count": COUNT},
    ),
    "MeterRecord": _record(
        "meter",
        ["meter", "value"],
        {
            "meter": {"type": "string", "enum": _values(Meter)},
            "value": {"type": "number", "minimum": 0, "maximum": MAX_METER_VALUE},
            "project": KEY,
            "environment": KEY,
        },
    ),
    "StatisticsRecord": _record(
        "statistics",
        ["document"],
        {
            "document": {
                "type": "object",
                "description": "An Unleash instance-statistics document; its sum must match.",
                "required": ["instanceId", "sum"],
                "properties": {
                    "instanceId": KEY,
                    "sum": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                },
            }
        },
    ),
}


def _ref(name: str) -> Doc:
    return {"$ref": f"#/components/schemas/{name}"}


SCHEMAS: Doc = {
    **RECORDS,
    "Record": {"oneOf": [_ref(name) for name in RECORDS]},
    "Batch": {
        "type": "object",
        "required": ["records"],
        "properties": {"records": {"type": "array", "items": _ref("Record")}},
        "additionalProperties": False,
    },
    "LaunchDarklyEvents": {
        "type": "array",
        "description": "Analytics events (summary, index, identify, feature, custom, ...).",
        "items": {"type": "object", "required": ["kind"], "properties": {"kind": KEY}},
    },
    "LaunchDarklyDiagnostic": {
        "type": "object",
        "required": ["kind", "id", "creationDate"],
        "properties": {
            "kind": KEY,
            "id": {
                "type": "object",
                "required": ["diagnosticId"],
                "properties": {"diagnosticId": KEY},
            },
            "creationDate": {"type": "integer", "minimum": 0, "maximum": LAST_MS},
        },
    },
    "UnleashRegistration": {
        "type": "object",
        "required": ["appName", "interval", "started", "strategies"],
        "properties": {
            "appName": KEY,
            "instanceId": KEY,
            "sdkVersion": KEY,
            "interval": {"type": "integer", "minimum": 0, "maximum": MAX_INT32},
            "started": TIME,
            "strategies": {"type": "array", "items": ANY_TEXT},
        },
    },
    "UnleashMetrics": {
        "type": "object",
        "required": ["appName", "bucket"],
        "properties": {
            "appName": KEY,
            "instanceId": KEY,
            "sdkVersion": KEY,
            "bucket": {
                "type": "object",
                "required": ["start", "toggles"],
                "properties": {
                    "start": TIME,
                    "toggles": {
                        "type": "object",
                        "additionalProperties": {
                            "type": "object",
                            "properties": {
                                "yes": {"type": "integer", "minimum": 0, "maximum": MAX_COUNT},
                                "no": {"type": "integer", "minimum": 0, "maximum": MAX_COUNT},
                            },
                        },
                    },
                },
            },
        },
    },
}


def json_body(schema: str) -> Doc:
    """Return a required JSON request body of a named schema."""
    return {"required": True, "content": {"application/json": {"schema": _ref(schema)}}}
