"""Shared checks for ingested payloads: each failure names where in the payload it is.

Every body the gateway ingests is decoded here, with the strict JSON of RFC 8259:
``NaN``, ``Infinity`` and ``-Infinity`` are refused (Python's json accepts them, and
they would later be served back as invalid JSON). A value nested deeper than
``MAX_JSON_DEPTH`` arrays and objects is refused (deep nesting only exhausts the parser's
stack), and so is a string or key that breaks the rule of ``resolvers.strings``.

Every number ingested has a bound, so that no request can overflow a column or a sum:
a variation index fits PostgreSQL's 32-bit integer, a count or a connection gauge is at
most ``MAX_COUNT`` per record, and a meter value is a finite number of at most
``MAX_METER_VALUE``.
"""

import json
import math
import re
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from resolvers import strings
from resolvers.clock import from_epoch_ms

MAX_KEY = 256
MAX_INT32 = 2**31 - 1  # PostgreSQL INTEGER columns: variation indices, intervals
MAX_VARIATION = MAX_INT32
MAX_COUNT = 10**9
MAX_METER_VALUE = 1e15
MAX_JSON_DEPTH = 64  # arrays and objects inside one another; SDK payloads need about 8


class Bad(Exception):
    """One fault in a payload: ``where`` it is and what is wrong."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where} {message}")
        self.where = where
        self.message = message


def reject_constant(name: str) -> Any:
    """Refuse ``NaN``/``Infinity``/``-Infinity`` (``json.loads(parse_constant=...)``)."""
    raise ValueError(f"{name} is not a JSON number")


def _finite(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise ValueError(f"{literal} is out of the range of a JSON number")
    return value


def loads(text: str) -> Any:
    """Return the strict JSON value of ``text``; raise ValueError if it is not JSON.

    Raise Bad (``where`` a path such as ``records[0].project``, ``$`` for the whole value)
    when it is nested past MAX_JSON_DEPTH or a string in it breaks the string rule.
    ``text`` must come from strict UTF-8 decoding, which cannot make a lone surrogate.
    """
    try:
        value = json.loads(text, parse_constant=reject_constant, parse_float=_finite)
    except RecursionError:
        raise Bad("$", _too_deep()) from None
    # Depth can pass the limit only with that many brackets, and in JSON only an escape
    # makes a NUL or a lone surrogate (a raw NUL is not JSON): most payloads skip the
    # walk over their strings, and small ones skip both walks.
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH and _deeper_than_limit(value):
        raise Bad("$", _too_deep())
    if _suspect_escape(text):
        _check_strings(value)
    return value


# \u0000 or \uD800 to \uDFFF; it is an escape unless an odd run of backslashes precedes it.
_SUSPECT_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


def _suspect_escape(text: str) -> bool:
    for found in _SUSPECT_ESCAPE.finditer(text):
        start = run = found.start()
        while run > 0 and text[run - 1] == "\\":
            run -= 1
        if (start - run) % 2 == 0:
            return True
    return False


def _too_deep() -> str:
    return f"is nested deeper than {MAX_JSON_DEPTH} arrays and objects (the limit)"


def _deeper_than_limit(value: Any) -> bool:
    """Return whether arrays and objects nest past MAX_JSON_DEPTH (level by level: fast)."""
    level = [value] if type(value) in (dict, list) else []
    for _ in range(MAX_JSON_DEPTH):
        below: list[Any] = []
        for node in level:
            children = node.values() if type(node) is dict else node
            below += [c for c in children if type(c) is dict or type(c) is list]
        if not below:
            return False
        level = below
    return True


def _step(where: str, key: object) -> str:
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where != "$" else str(key)


def _check_strings(value: Any) -> None:
    """Raise Bad at the first string or key that breaks the string rule, naming its path."""
    stack: list[tuple[Any, str]] = [(value, "$")]
    while stack:
        node, where = stack.pop()
        if isinstance(node, str):
            problem = strings.problem(node)
            if problem is not None:
                raise Bad(where, problem)
            continue
        if not isinstance(node, dict | list):
            continue
        pairs = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in pairs:
            if isinstance(key, str) and strings.problem(key) is not None:
                raise Bad(where, f"has a key that {strings.problem(key)}")
            stack.append((child, _step(where, key)))


def json_value(value: Any, where: str) -> Any:
    """Return a value that serializes as standard JSON (e.g. not NaN), or raise Bad."""
    if value is None or type(value) in (bool, int, str):
        return value  # always serializes: spare the encoder, called once per record
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        raise Bad(where, "must be a JSON value without NaN or Infinity") from None
    return value


def text(value: Any, where: str, *, limit: int | None = MAX_KEY) -> str:
    """Return a string that is not blank (of at most ``limit`` characters), or raise Bad."""
    if not isinstance(value, str) or not value.strip():
        raise Bad(where, "must be a non-empty string")
    if limit is not None and len(value) > limit:
        raise Bad(where, f"must be at most {limit} characters")
    return value


def integer(value: Any, where: str, *, minimum: int = 0, maximum: int | None = None) -> int:
    """Return an integer from ``minimum`` to ``maximum`` (booleans are not), or raise Bad."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise Bad(where, "must be an integer")
    if value < minimum:
        raise Bad(where, f"must be at least {minimum}")
    if maximum is not None and value > maximum:
        raise Bad(where, f"must be at most {maximum}")
    return value


def count(value: Any, where: str, *, minimum: int = 0) -> int:
    """Return a count (at most MAX_COUNT), or raise Bad."""
    return integer(value, where, minimum=minimum, maximum=MAX_COUNT)


def variation(value: Any, where: str) -> int:
    """Return a variation index (0 to MAX_VARIATION), or raise Bad."""
    return integer(value, where, minimum=0, maximum=MAX_VARIATION)


def number(value: Any, where: str, *, minimum: float, maximum: float) -> float:
    """Return a finite number from ``minimum`` to ``maximum``, or raise Bad."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Bad(where, "must be a number")
    if not minimum <= value <= maximum:  # also refuses NaN and the infinities
        raise Bad(where, f"must be a finite number from {minimum:g} to {maximum:g}")
    return float(value)


def moment(value: Any, where: str) -> datetime:
    """Return an ISO-8601 date-time with an offset, or Unix milliseconds, or raise Bad."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise Bad(where, "must not be negative")
        try:
            return from_epoch_ms(value)
        except (OverflowError, OSError, ValueError):
            raise Bad(where, "is out of range") from None
    if isinstance(value, str):
        parsed = _iso(value)
        if parsed is None:
            raise Bad(where, f"is not an ISO-8601 timestamp: {value!r}")
        if parsed.tzinfo is None:
            raise Bad(where, "needs a UTC offset, e.g. 2026-11-21T10:00:00Z")
        return parsed
    raise Bad(where, "must be ISO-8601 with an offset or Unix milliseconds")


@lru_cache(maxsize=4096)
def _iso(value: str) -> datetime | None:
    # Records of a batch share few distinct times (minutes): parse each once.
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def mapping(value: Any, where: str) -> Mapping[str, Any]:
    """Return a JSON object, or raise Bad."""
    if not isinstance(value, dict):
        raise Bad(where, "must be a JSON object")
    return value
