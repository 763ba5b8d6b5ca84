"""Ingestion records: validation of the bulk API's record types (docs/formats.md §3)."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from functools import cache
from typing import Any, TypeVar

from resolvers import payloads
from resolvers import vocabulary as v
from resolvers.checksum import check_statistics_document
from resolvers.errors import FieldError, InvalidRequest
from resolvers.payloads import Bad

E = TypeVar("E", bound=Enum)

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
    sdk_type: v.SdkType
    category: v.Category


@dataclass(frozen=True, slots=True)
class Stream:
    time: datetime
    source: v.SdkType
    sdk: str
    sdk_version: str
    connections: int


@dataclass(frozen=True, slots=True)
class Event:
    time: datetime
    event_type: v.EventType
    count: int


@dataclass(frozen=True, slots=True)
class Meter:
    time: datetime
    meter: v.Meter
    value: float
    project: str
    environment: str


@dataclass(frozen=True, slots=True)
class Statistics:
    document: dict[str, Any]


Record = Evaluation | Context | Stream | Event | Meter | Statistics


@cache
def _members(vocabulary: type[E]) -> dict[str, E]:
    """A vocabulary's members by value (looked up per record: a loop over members is slow)."""
    return {member.value: member for member in vocabulary}


class _Fields:
    """Typed access to one raw record; each getter raises Bad naming the field."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw

    def required(self, name: str, default: Any = None) -> Any:
        value = self.raw.get(name, default)
        if value is None:
            raise Bad(name, "is required")
        return value

    def text(self, name: str, default: str | None = None) -> str:
        return payloads.text(self.required(name, default), name)

    def optional_text(self, name: str) -> str:
        return "" if self.raw.get(name) is None else self.text(name)

    def choice(self, name: str, vocabulary: type[E]) -> E:
        value = self.text(name)
        members: dict[str, E] = _members(vocabulary)
        member = members.get(value)
        if member is not None:
            return member
        allowed = ", ".join(v.values(vocabulary))
        raise Bad(name, f"must be one of {allowed}, not {value!r}")

    def count(self, name: str, *, minimum: int, default: int | None = None) -> int:
        return payloads.count(self.required(name, default), name, minimum=minimum)

    def flag(self, name: str, default: bool) -> bool:
        value = self.raw.get(name, default)
        if not isinstance(value, bool):
            raise Bad(name, "must be true or false")
        return value

    def time(self, now: datetime) -> datetime:
        moment = payloads.moment(self.required("time"), "time")
        if moment > now + FUTURE_TOLERANCE:
            raise Bad("time", "is in the future")
        return moment


def _evaluation(f: _Fields, now: datetime) -> Evaluation:
    return Evaluation(
        time=f.time(now),
        project=f.text("project"),
        environment=f.text("environment"),
        flag=f.text("flag"),
        variation=payloads.variation(f.required("variation"), "variation"),
        value=payloads.json_value(f.raw.get("value"), "value"),
        has_value="value" in f.raw,
        count=f.count("count", minimum=1, default=1),
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
        sdk_type=f.choice("sdkType", v.SdkType),
        category=f.choice("category", v.Category),
    )


def _stream(f: _Fields, now: datetime) -> Stream:
    return Stream(
        time=f.time(now),
        source=f.choice("source", v.SdkType),
        sdk=f.text("sdk"),
        sdk_version=f.text("sdkVersion"),
        connections=f.count("connections", minimum=0),
    )


def _event(f: _Fields, now: datetime) -> Event:
    return Event(
        time=f.time(now),
        event_type=f.choice("eventType", v.EventType),
        count=f.count("count", minimum=1),
    )


def _meter(f: _Fields, now: datetime) -> Meter:
    has_project, has_env = f.raw.get("project") is not None, f.raw.get("environment") is not None
    if has_project != has_env:
        raise Bad(
            "environment" if has_project else "project",
            "is required when the other of project/environment is given",
        )
    return Meter(
        time=f.time(now),
        meter=f.choice("meter", v.Meter),
        value=payloads.number(
            f.required("value"), "value", minimum=0, maximum=payloads.MAX_METER_VALUE
        ),
        project=f.optional_text("project"),
        environment=f.optional_text("environment"),
    )


def _statistics(f: _Fields, now: datetime) -> Statistics:
    document = f.raw.get("document")
    if not isinstance(document, dict):
        raise Bad("document", "must be an instance-statistics object")
    check_statistics_document(document, field="document")
    payloads.json_value(document, "document")
    return Statistics(document=document)


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
                raise Bad("", "a record must be a JSON object")
            kind = raw.get("type")
            parser = _PARSERS.get(kind) if isinstance(kind, str) else None
            if parser is None:
                raise Bad("type", f"must be one of {', '.join(_PARSERS)}, not {kind!r}")
            records.append(parser(_Fields(raw), now))
        except Bad as bad:
            errors.append(FieldError(index, bad.where, f"{bad.where or 'record'} {bad.message}"))
    if errors:
        first = errors[0]
        raise InvalidRequest(
            f"{len(errors)} invalid record(s); first: record {first.index}: {first.message}",
            errors=tuple(errors),
        )
    return records
