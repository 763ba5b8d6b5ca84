"""Shared checks for SDK payloads: each failure names where in the payload it is."""

import json
from collections.abc import Mapping
from typing import Any

from resolvers.errors import InvalidRequest

MAX_KEY = 256


class Bad(Exception):
    """One fault in a payload: ``where`` it is and what is wrong."""

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


def text(value: Any, where: str, *, limit: int | None = MAX_KEY) -> str:
    """Return a non-empty string (of at most ``limit`` characters), or raise Bad."""
    if not isinstance(value, str) or not value:
        raise Bad(where, "must be a non-empty string")
    if limit is not None and len(value) > limit:
        raise Bad(where, f"must be at most {limit} characters")
    return value


def integer(value: Any, where: str, *, minimum: int = 0) -> int:
    """Return an integer of at least ``minimum`` (booleans are not integers), or raise Bad."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise Bad(where, "must be an integer")
    if value < minimum:
        raise Bad(where, f"must be at least {minimum}")
    return value


def mapping(value: Any, where: str) -> Mapping[str, Any]:
    """Return a JSON object, or raise Bad."""
    if not isinstance(value, dict):
        raise Bad(where, "must be a JSON object")
    return value
