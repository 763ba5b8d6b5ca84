"""The LaunchDarkly SDK events protocol, translated into ingestion records.

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

Times from the SDK are clamped to ``now``: a fast SDK clock must not drop data.
"""

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from resolvers import applications, ingestion
from resolvers.clock import from_epoch_ms
from resolvers.errors import FieldError, InvalidRequest
from resolvers.records import Context, Evaluation, Event, Record
from resolvers.sdks import Sdk, launchdarkly_sdk
from resolvers.tokens import Principal, sdk_scope
from storage.engine import Database

CONTEXT_EVENTS = ("index", "identify", "feature", "debug", "custom", "migration_op")
MAX_KEY = 256
MAX_PAYLOAD_ID = 190  # ingest_batches keys are 200 characters; "ld:" is the prefix


@dataclass(frozen=True, slots=True)
class Channel:
    """Which door an SDK came through: it fixes MAU category, SDK type and stream source."""

    name: str
    category: str
    sdk_type: str
    stream_source: str


SERVER = Channel("server", "backend", "server", "server")
MOBILE = Channel("mobile", "mobile", "client", "client")
BROWSER = Channel("browser", "browser", "client", "client")


class _Bad(Exception):
    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where} {message}")
        self.where = where
        self.message = message


def decode(body: str, *, expect: type) -> Any:
    """Return the parsed JSON body, or raise InvalidRequest unless it is of type ``expect``."""
    try:
        payload = json.loads(body)
    except json.JSONDecodeError as exc:
        raise InvalidRequest(
            f"body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    if not isinstance(payload, expect):
        shape = "an array of events" if expect is list else "a JSON object"
        raise InvalidRequest(f"body must be {shape}")
    return payload


def _text(value: Any, where: str, *, limit: int | None = MAX_KEY) -> str:
    if not isinstance(value, str) or not value:
        raise _Bad(where, "must be a non-empty string")
    if limit is not None and len(value) > limit:
        raise _Bad(where, f"must be at most {limit} characters")
    return value


def _integer(value: Any, where: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad(where, "must be an integer")
    if value < minimum:
        raise _Bad(where, f"must be at least {minimum}")
    return value


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise _Bad(where, "must be a JSON object")
    return value


def _time_ms(value: Any, where: str, now: datetime) -> datetime:
    ms = _integer(value, where)
    try:
        moment = from_epoch_ms(ms)
    except (OverflowError, OSError, ValueError):
        raise _Bad(where, "is out of range") from None
    return min(moment, now)


def _single(raw: Any, where: str, kind: str | None) -> tuple[str, str, bool]:
    context = _object(raw, where)
    kind = kind if kind is not None else context.get("kind", "user")
    kind = _text(kind, f"{where}.kind")
    key = _text(context.get("key"), f"{where}.key", limit=None)
    anonymous = context.get("anonymous", False)
    if not isinstance(anonymous, bool):
        raise _Bad(f"{where}.anonymous", "must be true or false")
    return kind, key, anonymous


def contexts_of(raw: Any, where: str) -> Iterator[tuple[str, str, bool]]:
    """Yield (kind, key, anonymous) of a single, multi-kind or pre-context user object."""
    context = _object(raw, where)
    if context.get("kind") != "multi":
        yield _single(context, where, None)
        return
    parts = [(k, v) for k, v in context.items() if k not in ("kind", "_meta")]
    if not parts:
        raise _Bad(where, "is a multi-kind context without contexts")
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
            raise _Bad(f"{where}.startDate", "is after endDate")
    features = _object(event.get("features", {}), f"{where}.features")
    for flag, raw in features.items():
        at = f"{where}.features.{flag}"
        _text(flag, f"{where}.features key")
        counters = _object(raw, at).get("counters", [])
        if not isinstance(counters, list):
            raise _Bad(f"{at}.counters", "must be an array")
        for n, raw_counter in enumerate(counters):
            c_at = f"{at}.counters[{n}]"
            counter = _object(raw_counter, c_at)
            count = _integer(counter.get("count"), f"{c_at}.count")
            variation = counter.get("variation")
            if variation is None or count == 0:
                continue
            yield Evaluation(
                time=time,
                project=b.project,
                environment=b.environment,
                flag=flag,
                variation=_integer(variation, f"{c_at}.variation"),
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
        _text(event.get("key"), f"{where}.key")
        yield Event(time=time, event_type="received", count=1)
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
            event = _object(raw, where)
            kind = _text(event.get("kind"), f"{where}.kind")
            if kind == "summary":
                records.extend(_summary(event, where, batch))
            elif kind in CONTEXT_EVENTS:
                records.extend(_with_context(event, where, batch))
        except _Bad as bad:
            raise InvalidRequest(
                f"malformed events payload: {bad}",
                errors=(FieldError(index, bad.where, bad.message),),
            ) from None
    return records


async def record_events(
    db: Database,
    body: str,
    *,
    principal: Principal,
    channel: Channel,
    headers: Mapping[str, str],
    now: datetime,
) -> int:
    """Store an analytics payload atomically; a payload ID seen before counts once."""
    scope = sdk_scope(principal)
    payload_id = headers.get("X-LaunchDarkly-Payload-ID")
    if payload_id is not None and not 0 < len(payload_id) <= MAX_PAYLOAD_ID:
        raise InvalidRequest(f"X-LaunchDarkly-Payload-ID must be 1 to {MAX_PAYLOAD_ID} characters")
    records = parse_events(
        decode(body, expect=list),
        project=scope.project,
        environment=scope.environment,
        channel=channel,
        sdk=sdk_of(headers),
        now=now,
    )
    return await ingestion.record_batch(
        db,
        records,
        principal=principal,
        now=now,
        idempotency_key=None if payload_id is None else f"ld:{payload_id}",
    )


def sdk_of(headers: Mapping[str, str], body_sdk: Any = None) -> Sdk:
    """Return the SDK a request came from, by its headers, else a diagnostic ``sdk`` object."""
    body = body_sdk if isinstance(body_sdk, dict) else {}
    name, version = body.get("name"), body.get("version")
    wrapper = body.get("wrapperName")
    if isinstance(wrapper, str) and wrapper and isinstance(body.get("wrapperVersion"), str):
        wrapper = f"{wrapper}/{body['wrapperVersion']}"
    return launchdarkly_sdk(
        user_agent=headers.get("User-Agent"),
        ld_user_agent=headers.get("X-LaunchDarkly-User-Agent"),
        wrapper=headers.get("X-LaunchDarkly-Wrapper")
        or (wrapper if isinstance(wrapper, str) else None),
        body_name=name if isinstance(name, str) else None,
        body_version=version if isinstance(version, str) else None,
    )


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """What a diagnostic event says about the SDK instance that sent it."""

    instance_id: str
    sdk: Sdk
    interval_ms: int | None


def parse_diagnostic(payload: Mapping[str, Any], headers: Mapping[str, str]) -> Diagnostic | None:
    """Return the instance a diagnostic event describes (None for kinds we do not know)."""
    try:
        kind = _text(payload.get("kind"), "kind")
        if not kind.startswith("diagnostic"):
            return None
        identity = _object(payload.get("id"), "id")
        instance_id = _text(identity.get("diagnosticId"), "id.diagnosticId")
        _integer(payload.get("creationDate"), "creationDate")
        interval = None
        configuration = payload.get("configuration")
        if configuration is not None:
            raw = _object(configuration, "configuration").get("diagnosticRecordingIntervalMillis")
            field = "configuration.diagnosticRecordingIntervalMillis"
            interval = None if raw is None else _integer(raw, field)
        sdk = payload.get("sdk")
        if sdk is not None:
            _object(sdk, "sdk")
    except _Bad as bad:
        raise InvalidRequest(
            f"malformed diagnostic event: {bad}", errors=(FieldError(None, bad.where, bad.message),)
        ) from None
    return Diagnostic(instance_id, sdk_of(headers, sdk), interval)


async def record_diagnostic(
    db: Database,
    body: str,
    *,
    principal: Principal,
    channel: Channel,
    headers: Mapping[str, str],
    now: datetime,
) -> None:
    """Remember the SDK instance of a diagnostic event and observe the connection gauge."""
    scope = sdk_scope(principal)
    diagnostic = parse_diagnostic(decode(body, expect=dict), headers)
    if diagnostic is None:
        return
    await applications.note_instance(
        db,
        app_name=_application_id(headers) or "launchdarkly",
        instance_id=diagnostic.instance_id,
        environment=scope.environment,
        sdk=diagnostic.sdk,
        interval_ms=diagnostic.interval_ms,
        now=now,
        stream_source=channel.stream_source,
    )


def _application_id(headers: Mapping[str, str]) -> str | None:
    # X-LaunchDarkly-Tags: "application-id/checkout application-version/1.2"
    for tag in headers.get("X-LaunchDarkly-Tags", "").split():
        name, _, value = tag.partition("/")
        if name == "application-id" and value:
            return value[:MAX_KEY]
    return None
