"""The SHA-256 ``sum`` that guards an Unleash instance-statistics document."""

import hashlib
from collections.abc import Mapping
from typing import Any

SUM_FIELDS = (
    "instanceId",
    "users",
    "featureToggles",
    "projects",
    "roles",
    "groups",
    "environments",
    "segments",
)


def _js_text(value: Any) -> str:
    # Unleash builds the string with a JavaScript template literal, so a missing field
    # reads "undefined" and null reads "null"; mirroring that keeps sums comparable.
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def statistics_sum(document: Mapping[str, Any]) -> str:
    """Return the lowercase hex SHA-256 Unleash computes over a statistics document."""
    text = "".join(
        _js_text(document[name]) if name in document else "undefined" for name in SUM_FIELDS
    )
    return hashlib.sha256(text.encode()).hexdigest()
