"""Unleash's renderings, byte for byte: Express's ``res.json`` and json2csv's CSV.

Unleash is JavaScript: its JSON is ``JSON.stringify`` (compact, non-ASCII kept, numbers
in JavaScript's shortest form: ``1`` not ``1.0``, ``1e-7`` not ``1e-07``), and its CSV is
json2csv's default: quoted header, one row, ``\\n`` between them, nothing after.
"""

import json
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote


def js_number(value: int | float) -> str:
    """Return the number as JavaScript's ``String(value)`` writes it."""
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    # repr() is the shortest text that round-trips, as in JavaScript; only layout differs.
    _, digit_tuple, exponent = Decimal(repr(abs(value))).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
    assert isinstance(exponent, int)
    point = exponent + len("".join(map(str, digit_tuple)))  # digits before the point
    k = len(digits)
    if k <= point <= 21:
        text = digits + "0" * (point - k)
    elif 0 < point <= 21:
        text = digits[:point] + "." + digits[point:]
    elif -6 < point <= 0:
        text = "0." + "0" * -point + digits
    else:
        e = point - 1
        mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
        text = f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + text


def js_json(value: Any) -> str:
    """Return ``JSON.stringify(value)`` for a value decoded from JSON."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        finite = isinstance(value, int) or math.isfinite(value)
        return js_number(value) if finite else "null"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{js_json(str(k))}:{js_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(js_json(v) for v in value) + "]"
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return js_number(value)
    if isinstance(value, str):
        return _quoted(value)
    return _quoted(js_json(value))


def csv_text(document: Mapping[str, Any]) -> str:
    """Return the document as Unleash's CSV: a quoted header row and one data row."""
    header = ",".join(_quoted(key) for key in document)
    row = ",".join(_cell(value) for value in document.values())
    return f"{header}\n{row}"


def attachment(filename: str) -> str:
    """Return Express's ``Content-Disposition`` for a download named ``filename``.

    As Express does: the base name only, ``"`` and ``\\`` escaped, and a name with
    characters outside printable ASCII gets ``?`` for them plus its exact form in
    ``filename*`` (RFC 5987). (Express keeps Latin-1 letters raw; headers here are UTF-8.)
    """
    name = filename.rsplit("/", 1)[-1]
    fallback = "".join(c if " " <= c <= "~" else "?" for c in name)
    header = 'attachment; filename="' + fallback.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if fallback != name:
        header += "; filename*=UTF-8''" + quote(name, safe="!")
    return header
