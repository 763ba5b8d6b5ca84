"""Ingestion records: validation of the bulk API's record types (CONTRACT §3)."""

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from resolvers.checksum import statistics_sum
from resolvers.clock import from_epoch_ms
from resolvers.errors import FieldError, InvalidRequest

SOURCES = ("client", "server")
CATEGORIES = ("browser", "mobile", "backend")
EVENT_TYPES = ("received", "published")
METERS = (
    "data-export-events",
    "experimentation-keys",
    "experimentation-units",
    "service-connections",
)
# Clocks drift; a record a little ahead of ours is fine, one from tomorrow is a bug.
FUTURE_TOLERANCE = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Evaluation:
    time: datetime
    project: str
    environment: str
    flag: str
    variation: int
    value: Any
    has_value: bool
    count: int
    sdk: str
    sdk_version: str


@dataclass(frozen=True, slots=True)
class Context:
    time: datetime
    context_key: str
    context_kind: str
    anonymous: bool
    project: str
    environment: str
    sdk: str
    sdk_type: str
    category: str


@dataclass(frozen=True, slots=True)
class Stream:
    time: datetime
    source: str
    sdk: str
    sdk_version: str
    connections: int


@dataclass(frozen=True, slots=True)
class Event:
    time: datetime
    event_type: str
    count: int


@dataclass(frozen=True, slots=True)
class Meter:
    time: datetime
    meter: str
    value: float
    project: str
    environment: str


@dataclass(frozen=True, slots=True)
class Statistics:
    document: dict[str, Any]


Record = Evaluation | Context | Stream | Event | Meter | Statistics


class _Bad(Exception):
    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message


class _Fields:
    """Typed access to one raw record; each getter raises _Bad naming the field."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw

    def text(self, name: str, default: str | None = None) -> str:
        value = self.raw.get(name, default)
        if value is None:
            raise _Bad(name, "is required")
        if not isinstance(value, str) or not value.strip():
            raise _Bad(name, "must be a non-empty string")
        if len(value) > 256:
            raise _Bad(name, "must be at most 256 characters")
        return value

    def optional_text(self, name: str) -> str:
        return "" if self.raw.get(name) is None else self.text(name)

    def choice(self, name: str, allowed: tuple[str, ...], default: str | None = None) -> str:
        value = self.text(name, default)
        if value not in allowed:
            raise _Bad(name, f"must be one of {', '.join(allowed)}, not {value!r}")
        return value

    def integer(self, name: str, *, minimum: int, default: int | None = None) -> int:
        value = self.raw.get(name, default)
        if value is None:
            raise _Bad(name, "is required")
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Bad(name, "must be an integer")
        if value < minimum:
            raise _Bad(name, f"must be at least {minimum}")
        return value

    def number(self, name: str, *, minimum: float) -> float:
        value = self.raw.get(name)
        if value is None:
            raise _Bad(name, "is required")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _Bad(name, "must be a number")
        if not value >= minimum or value == float("inf"):
            raise _Bad(name, f"must be a finite number of at least {minimum}")
        return float(value)

    def flag(self, name: str, default: bool) -> bool:
        value = self.raw.get(name, default)
        if not isinstance(value, bool):
            raise _Bad(name, "must be true or false")
        return value

    def time(self, now: datetime) -> datetime:
        value = self.raw.get("time")
        if value is None:
            raise _Bad("time", "is required")
        moment = _parse_time(value)
        if moment > now + FUTURE_TOLERANCE:
            raise _Bad("time", "is in the future")
        return moment


def _parse_time(value: Any) -> datetime:
    if isinstance(value, bool):
        raise _Bad("time", "must be ISO-8601 with an offset or Unix milliseconds")
    if isinstance(value, int):
        if value < 0:
            raise _Bad("time", "must not be negative")
        try:
            return from_epoch_ms(value)
        except (OverflowError, OSError, ValueError):
            raise _Bad("time", "is out of range") from None
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise _Bad("time", f"is not an ISO-8601 timestamp: {value!r}") from None
        if moment.tzinfo is None:
            raise _Bad("time", "needs a UTC offset, e.g. 2026-11-21T10:00:00Z")
        return moment
    raise _Bad("time", "must be ISO-8601 with an offset or Unix milliseconds")


def _evaluation(f: _Fields, now: datetime) -> Evaluation:
    return Evaluation(
        time=f.time(now),
        project=f.text("project"),
        environment=f.text("environment"),
        flag=f.text("flag"),
        variation=f.integer("variation", minimum=0),
        value=f.raw.get("value"),
        has_value="value" in f.raw,
        count=f.integer("count", minimum=1, default=1),
        sdk=f.optional_text("sdk"),
        sdk_version=f.optional_text("sdkVersion"),
    )


def _context(f: _Fields, now: datetime) -> Context:
    return Context(
        time=f.time(now),
        context_key=f.text("contextKey"),
        context_kind=f.text("contextKind", "user"),
        anonymous=f.flag("anonymous", False),
        project=f.text("project"),
        environment=f.text("environment"),
        sdk=f.text("sdk"),
        sdk_type=f.choice("sdkType", SOURCES),
        category=f.choice("category", CATEGORIES),
    )


def _stream(f: _Fields, now: datetime) -> Stream:
    return Stream(
        time=f.time(now),
        source=f.choice("source", SOURCES),
        sdk=f.text("sdk"),
        sdk_version=f.text("sdkVersion"),
        connections=f.integer("connections", minimum=0),
    )


def _event(f: _Fields, now: datetime) -> Event:
    return Event(
        time=f.time(now),
        event_type=f.choice("eventType", EVENT_TYPES),
        count=f.integer("count", minimum=1),
    )


def _meter(f: _Fields, now: datetime) -> Meter:
    has_project, has_env = f.raw.get("project") is not None, f.raw.get("environment") is not None
    if has_project != has_env:
        raise _Bad(
            "environment" if has_project else "project",
            "is required when the other of project/environment is given",
        )
    return Meter(
        time=f.time(now),
        meter=f.choice("meter", METERS),
        value=f.number("value", minimum=0),
        project=f.optional_text("project"),
        environment=f.optional_text("environment"),
    )


def _statistics(f: _Fields, now: datetime) -> Statistics:
    document = f.raw.get("document")
    if not isinstance(document, dict):
        raise _Bad("document", "must be an instance-statistics object")
    check_statistics_document(document, field="document")
    return Statistics(document=document)


def check_statistics_document(document: Mapping[str, Any], *, field: str = "") -> None:
    """Raise InvalidRequest-ready _Bad unless the document has an instanceId and a valid sum."""
    prefix = f"{field}." if field else ""
    instance_id = document.get("instanceId")
    if not isinstance(instance_id, str) or not instance_id:
        raise _Bad(f"{prefix}instanceId", "is required and must be a non-empty string")
    given = document.get("sum")
    if not isinstance(given, str):
        raise _Bad(f"{prefix}sum", "is required to verify the document")
    if given != statistics_sum(document):
        raise _Bad(f"{prefix}sum", "does not match the document's fields (tampered or corrupt)")


_PARSERS: dict[str, Callable[[_Fields, datetime], Record]] = {
    "evaluation": _evaluation,
    "context": _context,
    "stream": _stream,
    "event": _event,
    "meter": _meter,
    "statistics": _statistics,
}


def parse_records(raw_records: list[Any], *, now: datetime) -> list[Record]:
    """Return typed records, or raise InvalidRequest listing every bad field of every record."""
    records: list[Record] = []
    errors: list[FieldError] = []
    for index, raw in enumerate(raw_records):
        try:
            if not isinstance(raw, dict):
                raise _Bad("", "a record must be a JSON object")
            kind = raw.get("type")
            parser = _PARSERS.get(kind) if isinstance(kind, str) else None
            if parser is None:
                raise _Bad("type", f"must be one of {', '.join(_PARSERS)}, not {kind!r}")
            records.append(parser(_Fields(raw), now))
        except _Bad as bad:
            errors.append(FieldError(index, bad.field, f"{bad.field or 'record'} {bad.message}"))
    if errors:
        first = errors[0]
        raise InvalidRequest(
            f"{len(errors)} invalid record(s); first: record {first.index}: {first.message}",
            errors=tuple(errors),
        )
    return records


def verify_statistics_document(document: Any) -> dict[str, Any]:
    """Return the document if it is a statistics object with a valid sum, else raise."""
    if not isinstance(document, dict):
        raise InvalidRequest("a statistics document must be a JSON object")
    try:
        check_statistics_document(document)
    except _Bad as bad:
        raise InvalidRequest(
            f"{bad.field} {bad.message}", errors=(FieldError(None, bad.field, bad.message),)
        ) from None
    return document


def decode_json_records(body: str) -> list[Any]:
    """Return the ``records`` array of a JSON body, or raise InvalidRequest."""
    try:
        payload = json.loads(body)
    except json.JSONDecodeError as exc:
        raise InvalidRequest(
            f"body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("records"), list):
        raise InvalidRequest('body must be a JSON object with a "records" array')
    return list(payload["records"])


def decode_ndjson_records(body: str) -> list[Any]:
    """Return one record per non-blank NDJSON line, or raise InvalidRequest naming the line."""
    records: list[Any] = []
    errors: list[FieldError] = []
    for number, line in enumerate(body.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            errors.append(
                FieldError(
                    len(records) + len(errors), "", f"line {number} is not valid JSON: {exc.msg}"
                )
            )
    if errors:
        raise InvalidRequest(f"malformed NDJSON: {errors[0].message}", errors=tuple(errors))
    return records
