"""The SHA-256 ``sum`` that guards an Unleash instance-statistics document, and its checks."""

import hashlib
from collections.abc import Mapping
from typing import Any

from resolvers.errors import FieldError, InvalidRequest
from resolvers.payloads import Bad

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


def check_statistics_document(document: Mapping[str, Any], *, field: str = "") -> None:
    """Raise Bad unless the document has an instanceId and a valid sum."""
    prefix = f"{field}." if field else ""
    instance_id = document.get("instanceId")
    if not isinstance(instance_id, str) or not instance_id:
        raise Bad(f"{prefix}instanceId", "is required and must be a non-empty string")
    given = document.get("sum")
    if not isinstance(given, str):
        raise Bad(f"{prefix}sum", "is required to verify the document")
    if given != statistics_sum(document):
        raise Bad(f"{prefix}sum", "does not match the document's fields (tampered or corrupt)")


def verify_statistics_document(document: Any) -> dict[str, Any]:
    """Return the document if it is a statistics object with a valid sum, else raise."""
    if not isinstance(document, dict):
        raise InvalidRequest("a statistics document must be a JSON object")
    try:
        check_statistics_document(document)
    except Bad as bad:
        raise InvalidRequest(
            f"{bad.where} {bad.message}", errors=(FieldError(None, bad.where, bad.message),)
        ) from None
    return document
