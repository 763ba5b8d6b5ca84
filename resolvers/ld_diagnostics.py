"""LaunchDarkly diagnostic events: SDK instances, their versions, and live connections.

Each instance (``id.diagnosticId``) is remembered; every diagnostic event then observes
the connection gauge of its SDK name and version (see resolvers.applications).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from resolvers import applications
from resolvers.errors import FieldError, InvalidRequest
from resolvers.ld_channels import Channel, sdk_of
from resolvers.payloads import MAX_INT32, MAX_KEY, Bad, decode, integer, mapping, text
from resolvers.sdks import Sdk
from resolvers.tokens import Principal, sdk_scope
from storage.engine import Database


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
