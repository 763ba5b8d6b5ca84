"""Request bodies: read within the configured size limit, decoded as UTF-8 and strict JSON.

Every JSON a client sends (bodies, GraphQL requests and variables, WebSocket messages) is
decoded by ``client_json``: strict UTF-8, RFC 8259 numbers, at most
``MAX_JSON_DEPTH`` levels of nesting, no NUL or lone surrogate in a string
(resolvers/payloads.py); a refusal is an InvalidRequest naming the problem.
"""

import json
from typing import Any

from aiohttp import web

from gateway.keys import SETTINGS
from resolvers.errors import FieldError, InvalidRequest, PayloadTooLarge
from resolvers.payloads import Bad, loads


async def read_bytes(request: web.Request) -> bytes:
    """Return the body, or raise PayloadTooLarge past ``max_body_bytes``."""
    limit = request.app[SETTINGS].max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(
            f"request body is {request.content_length} bytes; the limit is {limit}"
        )
    chunks, size = [], 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"request body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_text(request: web.Request) -> str:
    """Return the body decoded as UTF-8, or raise InvalidRequest."""
    raw = await read_bytes(request)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidRequest("request body is not valid UTF-8") from None


def _not_json(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    return str(exc)


def _refusal(exc: Bad | ValueError, what: str) -> str:
    if isinstance(exc, Bad):
        where = "" if exc.where == "$" else f" at {exc.where}"
        return f"{what}{where} {exc.message}"
    return f"{what} is not valid JSON: {_not_json(exc)}"


def client_json(data: str | bytes, *, what: str = "body") -> Any:
    """Return the strict JSON value of client bytes or text, or raise InvalidRequest."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidRequest(f"{what} is not valid UTF-8") from None
    try:
        return loads(data)
    except (Bad, ValueError) as exc:
        raise InvalidRequest(_refusal(exc, what)) from None


def decode_json(body: str, *, expect: type) -> Any:
    """Return the parsed JSON body, or raise InvalidRequest unless it is of type ``expect``."""
    payload = client_json(body)
    if not isinstance(payload, expect):
        shape = "an array of events" if expect is list else "a JSON object"
        raise InvalidRequest(f"body must be {shape}")
    return payload


def json_records(body: str) -> list[Any]:
    """Return the ``records`` array of a JSON body, or raise InvalidRequest."""
    payload = decode_json(body, expect=object)
    if not isinstance(payload, dict) or not isinstance(payload.get("records"), list):
        raise InvalidRequest('body must be a JSON object with a "records" array')
    return list(payload["records"])


def ndjson_records(body: str) -> list[Any]:
    """Return one record per non-blank NDJSON line, or raise InvalidRequest naming the line."""
    records: list[Any] = []
    errors: list[FieldError] = []
    for number, line in enumerate(body.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(loads(line))
        except Bad as exc:
            message = _refusal(exc, f"line {number}")
            errors.append(FieldError(len(records) + len(errors), "", message))
        except ValueError as exc:
            message = f"line {number} is not valid JSON: {getattr(exc, 'msg', exc)}"
            errors.append(FieldError(len(records) + len(errors), "", message))
    if errors:
        raise InvalidRequest(f"malformed NDJSON: {errors[0].message}", errors=tuple(errors))
    return records
