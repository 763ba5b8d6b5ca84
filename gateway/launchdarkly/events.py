"""The LaunchDarkly SDK events protocol, decoded into ingestion records and SDK instances.

An analytics payload is a JSON array of events. What each kind becomes:

- ``summary``: one evaluation count per flag and variation, at the summary's
  ``endDate`` (the last evaluation it covers; ``startDate`` if it has no end). Counters
  without a variation index (unknown flag, evaluation error) have no variation to count
  under and are left out.
- ``index``, ``identify``, ``feature``, ``debug``, ``custom``, ``migration_op``: the full
  context they carry (single, multi-kind, or a pre-context ``user``) is a MAU context,
  one per kind. Events that carry only ``contextKeys`` are not: the SDK sends the full
  context in an index event alongside them, and the keys alone lack ``anonymous``.
- ``custom``: also one event received.
- Other kinds are ignored, so newer SDKs keep working.

A diagnostic event names the SDK instance that sent it (``id.diagnosticId``).
Times from the SDK are clamped to ``now``: a fast SDK clock must not drop data.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gateway.launchdarkly.sdks import Channel, sdk_of
from resolvers import payloads
from resolvers.clock import from_epoch_ms
from resolvers.errors import FieldError, InvalidRequest
from resolvers.payloads import MAX_INT32, Bad, integer, mapping, text
from resolvers.records import Context, Evaluation, Event, Record
from resolvers.sdks import Sdk
from resolvers.vocabulary import EventType

CONTEXT_EVENTS = ("index", "identify", "feature", "debug", "custom", "migration_op")


def _time_ms(value: Any, where: str, now: datetime) -> datetime:
    ms = integer(value, where)
    try:
        moment = from_epoch_ms(ms)
    except (OverflowError, OSError, ValueError):
        raise Bad(where, "is out of range") from None
    return min(moment, now)


def _single(raw: Any, where: str, kind: str | None) -> tuple[str, str, bool]:
    context = mapping(raw, where)
    kind = kind if kind is not None else context.get("kind", "user")
    kind = text(kind, f"{where}.kind")
    key = text(context.get("key"), f"{where}.key", limit=None)
    anonymous = context.get("anonymous", False)
    if not isinstance(anonymous, bool):
        raise Bad(f"{where}.anonymous", "must be true or false")
    return kind, key, anonymous


def contexts_of(raw: Any, where: str) -> Iterator[tuple[str, str, bool]]:
    """Yield (kind, key, anonymous) of a single, multi-kind or pre-context user object."""
    context = mapping(raw, where)
    if context.get("kind") != "multi":
        yield _single(context, where, None)
        return
    parts = [(k, v) for k, v in context.items() if k not in ("kind", "_meta")]
    if not parts:
        raise Bad(where, "is a multi-kind context without contexts")
    for kind, part in parts:
        yield _single(part, f"{where}.{kind}", kind)


@dataclass(frozen=True, slots=True)
class _Batch:
    project: str
    environment: str
    channel: Channel
    sdk: Sdk
    now: datetime


def _summary(event: Mapping[str, Any], where: str, b: _Batch) -> Iterator[Record]:
    start, end = event.get("startDate"), event.get("endDate")
    time = b.now
    if start is not None:
        time = _time_ms(start, f"{where}.startDate", b.now)
    if end is not None:
        time = _time_ms(end, f"{where}.endDate", b.now)
        if start is not None and start > end:
            raise Bad(f"{where}.startDate", "is after endDate")
    features = mapping(event.get("features", {}), f"{where}.features")
    for flag, raw in features.items():
        at = f"{where}.features.{flag}"
        text(flag, f"{where}.features key")
        counters = mapping(raw, at).get("counters", [])
        if not isinstance(counters, list):
            raise Bad(f"{at}.counters", "must be an array")
        for n, raw_counter in enumerate(counters):
            c_at = f"{at}.counters[{n}]"
            counter = mapping(raw_counter, c_at)
            count = payloads.count(counter.get("count"), f"{c_at}.count")
            variation = counter.get("variation")
            if variation is None or count == 0:
                continue
            yield Evaluation(
                time=time,
                project=b.project,
                environment=b.environment,
                flag=flag,
                variation=payloads.variation(variation, f"{c_at}.variation"),
                value=counter.get("value"),
                has_value="value" in counter,
                count=count,
                sdk=b.sdk.name,
                sdk_version=b.sdk.version,
            )


def _with_context(event: Mapping[str, Any], where: str, b: _Batch) -> Iterator[Record]:
    raw = event.get("context", event.get("user"))
    field = "context" if "context" in event else "user"
    created = event.get("creationDate")
    time = b.now if created is None else _time_ms(created, f"{where}.creationDate", b.now)
    if event.get("kind") == "custom":
        text(event.get("key"), f"{where}.key")
        yield Event(time=time, event_type=EventType.RECEIVED, count=1)
    if raw is None:
        return
    for kind, key, anonymous in contexts_of(raw, f"{where}.{field}"):
        yield Context(
            time=time,
            context_key=key,
            context_kind=kind,
            anonymous=anonymous,
            project=b.project,
            environment=b.environment,
            sdk=b.sdk.name,
            sdk_type=b.channel.sdk_type,
            category=b.channel.category,
        )


def parse_events(
    payload: list[Any],
    *,
    project: str,
    environment: str,
    channel: Channel,
    sdk: Sdk,
    now: datetime,
) -> list[Record]:
    """Return the records of an analytics payload, or raise InvalidRequest naming the fault."""
    batch = _Batch(project, environment, channel, sdk, now)
    records: list[Record] = []
    for index, raw in enumerate(payload):
        where = f"event {index}"
        try:
            event = mapping(raw, where)
            kind = text(event.get("kind"), f"{where}.kind")
            if kind == "summary":
                records.extend(_summary(event, where, batch))
            elif kind in CONTEXT_EVENTS:
                records.extend(_with_context(event, where, batch))
        except Bad as bad:
            raise InvalidRequest(
                f"malformed events payload: {bad}",
                errors=(FieldError(index, bad.where, bad.message),),
            ) from None
    return records


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """What a diagnostic event says about the SDK instance that sent it."""

    instance_id: str
    sdk: Sdk
    interval_ms: int | None


def parse_diagnostic(payload: Mapping[str, Any], headers: Mapping[str, str]) -> Diagnostic | None:
    """Return the instance a diagnostic event describes (None for kinds we do not know)."""
    try:
        kind = text(payload.get("kind"), "kind")
        if not kind.startswith("diagnostic"):
            return None
        identity = mapping(payload.get("id"), "id")
        instance_id = text(identity.get("diagnosticId"), "id.diagnosticId")
        integer(payload.get("creationDate"), "creationDate")
        interval = None
        configuration = payload.get("configuration")
        if configuration is not None:
            raw = mapping(configuration, "configuration").get("diagnosticRecordingIntervalMillis")
            field = "configuration.diagnosticRecordingIntervalMillis"
            interval = None if raw is None else integer(raw, field, maximum=MAX_INT32)
        sdk = payload.get("sdk")
        if sdk is not None:
            mapping(sdk, "sdk")
    except Bad as bad:
        raise InvalidRequest(
            f"malformed diagnostic event: {bad}", errors=(FieldError(None, bad.where, bad.message),)
        ) from None
    return Diagnostic(instance_id, sdk_of(headers, sdk), interval)


def application_id(headers: Mapping[str, str]) -> str | None:
    """Return the application id of ``X-LaunchDarkly-Tags`` (``application-id/checkout ...``)."""
    for tag in headers.get("X-LaunchDarkly-Tags", "").split():
        name, _, value = tag.partition("/")
        if name == "application-id" and value:
            return value[: payloads.MAX_KEY]
    return None
