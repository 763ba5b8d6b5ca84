"""Unleash client API payloads: registrations and metrics buckets, decoded.

A metrics bucket counts, per toggle, ``yes`` and ``no`` evaluations (every
``is_enabled`` and every ``get_variant`` call counts once there) and, for
``get_variant`` calls, ``variants`` by name. They become evaluation counts so that a
toggle's counts add up to its evaluations, with no call counted twice:

- variation 0, value ``false``: the ``no`` count;
- variation 1, value ``true``: ``yes`` minus the evaluations that got a named variant;
- one variation per named variant (the built-in ``disabled`` variant excluded: its calls
  are already among yes or no), value = the variant name, index = 2 + a stable hash of
  the name (Unleash variants have no index; a hash keeps one name one index everywhere,
  for ever, without coordination between gateway processes).

A bucket lands at its ``stop`` time (clamped to now).
"""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from resolvers.errors import FieldError, InvalidRequest
from resolvers.payloads import MAX_INT32, MAX_KEY, Bad, count, moment, number, text
from resolvers.records import Evaluation, Record
from resolvers.sdks import UNKNOWN, Sdk

FALSE_VARIATION = 0
TRUE_VARIATION = 1
DISABLED_VARIANT = "disabled"
DEFAULT_INSTANCE = "default"


def unleash_sdk(announced: str | None) -> Sdk:
    """Return name and version of an Unleash ``sdkVersion`` such as ``unleash-python-sdk:6.9.1``."""
    if not announced or not announced.strip():
        return UNKNOWN
    name, _, version = announced.strip().rpartition(":")
    if not name:
        return Sdk.announced(version, "")
    return Sdk.announced(name, version)


def variant_variation(name: str) -> int:
    """Return the stable variation index of an Unleash variant name (2 and up)."""
    digest = hashlib.sha256(name.encode()).digest()
    return 2 + int.from_bytes(digest[:4], "big") % 2**30


def _invalid(bad: Bad, what: str) -> InvalidRequest:
    return InvalidRequest(f"{what}: {bad}", errors=(FieldError(None, bad.where, bad.message),))


def _optional(raw: Mapping[str, Any], name: str) -> str | None:
    value = raw.get(name)
    return None if value is None else text(value, name)


def _count(value: Any, where: str) -> int:
    return 0 if value is None else count(value, where)


@dataclass(frozen=True, slots=True)
class Registration:
    app_name: str
    instance_id: str
    sdk: Sdk
    interval_ms: int


def parse_registration(payload: Mapping[str, Any], *, sdk_header: str | None) -> Registration:
    """Return a validated registration (Unleash's required fields), or raise InvalidRequest."""
    try:
        app_name = text(payload.get("appName"), "appName")
        instance_id = _optional(payload, "instanceId") or DEFAULT_INSTANCE
        announced = _optional(payload, "sdkVersion") or sdk_header
        if payload.get("interval") is None:
            raise Bad("interval", "is required")
        interval = number(payload["interval"], "interval", minimum=0, maximum=MAX_INT32)
        if "started" not in payload:
            raise Bad("started", "is required")
        moment(payload["started"], "started")
        strategies = payload.get("strategies")
        if not isinstance(strategies, list) or not all(isinstance(s, str) for s in strategies):
            raise Bad("strategies", "is required and must be an array of strings")
    except Bad as bad:
        raise _invalid(bad, "invalid registration") from None
    return Registration(app_name, instance_id, unleash_sdk(announced), int(interval))


def _toggle_records(name: str, raw: Any, base: Evaluation) -> list[Record]:
    where = f"bucket.toggles.{name}"
    if not isinstance(raw, dict):
        raise Bad(where, "must be an object with yes, no and variants")
    yes = _count(raw.get("yes"), f"{where}.yes")
    no = _count(raw.get("no"), f"{where}.no")
    variants = raw.get("variants") or {}
    if not isinstance(variants, dict):
        raise Bad(f"{where}.variants", "must be an object of counts")
    named = {
        variant: _count(n, f"{where}.variants.{variant}")
        for variant, n in variants.items()
        if variant != DISABLED_VARIANT
    }
    # A client that counted variants apart from yes/no could make this negative.
    plain_yes = max(yes - sum(named.values()), 0)
    outcomes = [(FALSE_VARIATION, False, no), (TRUE_VARIATION, True, plain_yes)]
    outcomes += [(variant_variation(v), v, n) for v, n in sorted(named.items())]
    return [
        replace(base, flag=name, variation=variation, value=value, has_value=True, count=count)
        for variation, value, count in outcomes
        if count > 0
    ]


@dataclass(frozen=True, slots=True)
class Metrics:
    app_name: str
    instance_id: str
    announced: str | None
    stop: datetime
    toggles: Mapping[str, Any]


def parse_metrics(payload: Mapping[str, Any], *, now: datetime) -> Metrics:
    """Return a validated metrics payload's header fields and toggles, or raise InvalidRequest."""
    try:
        app_name = text(payload.get("appName"), "appName")
        instance_id = _optional(payload, "instanceId") or DEFAULT_INSTANCE
        announced = _optional(payload, "sdkVersion")
        bucket = payload.get("bucket")
        if not isinstance(bucket, dict):
            raise Bad("bucket", "is required and must be an object")
        start = moment(bucket.get("start"), "bucket.start")
        stop = start if bucket.get("stop") is None else moment(bucket["stop"], "bucket.stop")
        if stop < start:
            raise Bad("bucket.stop", "is before bucket.start")
        toggles = bucket.get("toggles")
        if not isinstance(toggles, dict):
            raise Bad("bucket.toggles", "is required and must be an object")
        for name in toggles:
            if not name.strip() or len(name) > MAX_KEY:
                raise Bad(
                    "bucket.toggles", f"has a toggle name that is empty or too long: {name!r}"
                )
    except Bad as bad:
        raise _invalid(bad, "invalid metrics") from None
    return Metrics(app_name, instance_id, announced, min(stop, now), toggles)


def evaluation_records(
    metrics: Metrics, *, project: str, environment: str, sdk: Sdk
) -> list[Record]:
    """Return the evaluation records of a metrics bucket, or raise InvalidRequest."""
    base = Evaluation(
        time=metrics.stop,
        project=project,
        environment=environment,
        flag="",
        variation=0,
        value=None,
        has_value=False,
        count=1,
        sdk=sdk.name,
        sdk_version=sdk.version,
    )
    records: list[Record] = []
    try:
        for name, raw in metrics.toggles.items():
            records.extend(_toggle_records(name, raw, base))
    except Bad as bad:
        raise _invalid(bad, "invalid metrics") from None
    return records
