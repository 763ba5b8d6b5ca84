"""Attack: hostile bytes on every door; each is refused with its 4xx in the door's shape.

The real app is served as ``gateway serve`` serves it (``GatewayRunner``) on a port of
127.0.0.1, on SQLite and PostgreSQL, and every request is written byte for byte on a raw
socket, so that headers that are not UTF-8 and malformed request lines arrive as sent.
Each case is a row of ``CASES``: the request, the status, and the exact body expected
(``requestId`` of GraphQL errors aside). No case may be a 5xx, and the database must
answer normally afterwards.
"""

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from gateway.app import create_app
from gateway.keys import DATABASE
from gateway.protocol import GatewayRunner
from gateway.settings import Settings
from tests.conftest import ADMIN, FakeClock
from tests.gateway.sdk_support import scoped_token

DEEP = b"[" * 100_000  # nesting the JSON parser cannot follow (RecursionError)
TOO_DEEP = "body is nested deeper than 64 arrays and objects (the limit)"
NUL = "contains a NUL character (U+0000)"
SURROGATE = "contains a lone surrogate (U+D800)"
EVALUATION = (
    '{{"records": [{{"type": "evaluation", "time": "2026-11-20T10:00:00Z", "project": {project},'
    ' "environment": "production", "flag": "f", "variation": 0, "value": true, "count": 1}}]}}'
)
FLAG_QUERY = '{ flag(project: "web", environment: "production", key: "k") { key } }'


@dataclass(frozen=True)
class Case:
    """One hostile request and what the gateway must answer."""

    name: str
    method: str
    target: str  # {cid} is a scoped token's client-side ID
    body: bytes = b""
    headers: tuple[tuple[bytes, bytes], ...] = ()
    status: int = 400
    answer: Any = None  # the exact JSON body
    token: str = "admin"  # admin, sdk (scoped ingest secret), none


def invalid(message: str) -> dict[str, str]:
    return {"code": "invalid_request", "message": message}


def unleash(message: str) -> dict[str, Any]:
    return {"name": "BadDataError", "message": message, "details": [{"message": message}]}


def graphql(message: str, *, locations: list[dict[str, int]] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "extensions": {"code": "invalid_request"}}
    if locations is not None:
        error["locations"] = locations
    return {"data": None, "errors": [error]}


JSON = ((b"Content-Type", b"application/json"),)
BETA = ((b"LD-API-Version", b"beta"),)
LATIN1 = "header Authorization is not valid UTF-8"

CASES = [
    # 4. An Authorization header that is not UTF-8: refused before authentication.
    Case(
        "auth-latin1-rest",
        "GET",
        "/api/v2/usage/mau",
        token="caf\xe9",
        headers=BETA,
        answer=invalid(LATIN1),
    ),
    Case(
        "auth-latin1-ingest",
        "POST",
        "/api/gateway/ingest",
        token="caf\xe9",
        headers=JSON,
        body=b"{}",
        answer=invalid(LATIN1),
    ),
    Case(
        "auth-latin1-unleash",
        "GET",
        "/api/client/features",
        token="caf\xe9",
        answer=unleash(LATIN1),
    ),
    Case(
        "auth-latin1-sdk",
        "POST",
        "/bulk",
        token="caf\xe9",
        headers=JSON,
        body=b"[]",
        answer=invalid(LATIN1),
    ),
    Case(
        "auth-latin1-graphql",
        "POST",
        "/graphql",
        token="caf\xe9",
        headers=JSON,
        body=b'{"query": "{ viewer { name } }"}',
        answer=graphql(LATIN1),
    ),
    # 5. JSON nested 100,000 deep, on every door that reads JSON.
    Case("deep-ingest", "POST", "/api/gateway/ingest", DEEP, JSON, answer=invalid(TOO_DEEP)),
    Case(
        "deep-ingest-ndjson",
        "POST",
        "/api/gateway/ingest",
        DEEP,
        ((b"Content-Type", b"application/x-ndjson"),),
        answer={
            **invalid(f"malformed NDJSON: line 1 {TOO_DEEP[5:]}"),
            "errors": [{"index": 0, "field": "", "message": f"line 1 {TOO_DEEP[5:]}"}],
        },
    ),
    Case("deep-sdk-server", "POST", "/bulk", DEEP, JSON, token="sdk", answer=invalid(TOO_DEEP)),
    Case("deep-sdk-mobile", "POST", "/mobile", DEEP, JSON, token="sdk", answer=invalid(TOO_DEEP)),
    Case(
        "deep-sdk-diagnostic",
        "POST",
        "/diagnostic",
        DEEP,
        JSON,
        token="sdk",
        answer=invalid(TOO_DEEP),
    ),
    Case(
        "deep-sdk-browser",
        "POST",
        "/events/bulk/{cid}",
        DEEP,
        JSON,
        token="none",
        answer=invalid(TOO_DEEP),
    ),
    Case(
        "deep-unleash-metrics",
        "POST",
        "/api/client/metrics",
        DEEP,
        JSON,
        token="sdk",
        answer=unleash(TOO_DEEP),
    ),
    Case(
        "deep-unleash-register",
        "POST",
        "/api/client/register",
        DEEP,
        JSON,
        token="sdk",
        answer=unleash(TOO_DEEP),
    ),
    Case(
        "deep-graphql-body",
        "POST",
        "/graphql",
        DEEP,
        JSON,
        answer=graphql(f"request {TOO_DEEP[5:]}"),
    ),
    Case(
        "deep-graphql-variables",
        "POST",
        "/graphql",
        b'{"query": "{ viewer { name } }", "variables": {"v": ' + DEEP + b"}",
        JSON,
        answer=graphql(f"request {TOO_DEEP[5:]}"),
    ),
    Case(
        "deep-graphql-get-variables",
        "GET",
        "/graphql?query=%7Bviewer%7Bname%7D%7D&variables=" + "%5B" * 1000,
        answer=graphql(f"request {TOO_DEEP[5:]}"),
    ),
    # 6. NUL and lone surrogates: refused on both databases alike.
    Case(
        "nul-path",
        "GET",
        "/api/v2/usage/evaluations/web/production/%00",
        headers=BETA,
        answer=invalid(f"path {NUL}"),
    ),
    Case(
        "nul-query",
        "GET",
        "/api/v2/usage/mau?project=a%00b",
        headers=BETA,
        answer=invalid(f"query parameter 'project' {NUL}"),
    ),
    Case(
        "nul-ingested-name",
        "POST",
        "/api/gateway/ingest",
        EVALUATION.format(project='"w\\u0000b"').encode(),
        JSON,
        answer=invalid(f"body at records[0].project {NUL}"),
    ),
    Case(
        "surrogate-ingested-name",
        "POST",
        "/api/gateway/ingest",
        EVALUATION.format(project='"w\\ud800"').encode(),
        JSON,
        answer=invalid(f"body at records[0].project {SURROGATE}"),
    ),
    Case(
        "nul-ingested-key",
        "POST",
        "/api/gateway/ingest",
        b'{"records": [], "\\u0000": 1}',
        JSON,
        answer=invalid(f"body has a key that {NUL}"),
    ),
    Case(
        "nul-sdk-flag",
        "POST",
        "/bulk",
        b'[{"kind": "summary", "features": {"f\\u0000": {"counters": []}}}]',
        JSON,
        token="sdk",
        answer=invalid(f"body at $[0].features has a key that {NUL}"),
    ),
    Case(
        "nul-graphql-literal",
        "POST",
        "/graphql",
        json.dumps({"query": FLAG_QUERY.replace('"k"', '"\\u0000"')}).encode(),
        JSON,
        status=200,
        answer=graphql(f"a string in the document {NUL}", locations=[{"line": 1, "column": 56}]),
    ),
    Case(
        "nul-graphql-variable",
        "POST",
        "/graphql",
        b'{"query": "query($k: String!) { flag(project: \\"web\\", environment: \\"p\\",'
        b' key: $k) { key } }", "variables": {"k": "\\u0000"}}',
        JSON,
        answer=graphql(f"request at variables.k {NUL}"),
    ),
    Case(
        "surrogate-graphql-variable",
        "POST",
        "/graphql",
        b'{"query": "{ viewer { name } }", "variables": {"k": "\\ud800"}}',
        JSON,
        answer=graphql(f"request at variables.k {SURROGATE}"),
    ),
    Case(
        "nul-graphql-get",
        "GET",
        "/graphql?query=%7Bviewer%7Bname%7D%7D%00",
        answer=graphql(f"query parameter 'query' {NUL}"),
    ),
    # 7. A /graphql body that is not UTF-8: GraphQL's error shape.
    Case(
        "graphql-not-utf8",
        "POST",
        "/graphql",
        b'{"query": "{ viewer { name } }\xff"}',
        JSON,
        answer=graphql("request is not valid UTF-8"),
    ),
    # 8. aiohttp's own refusals, in the JSON error body.
    Case(
        "url-too-long",
        "GET",
        "/api/v2/usage/mau?x=" + "a" * 9000,
        token="none",
        answer=invalid("the request line or a header is longer than 8190 bytes (the limit)"),
    ),
    Case(
        "bad-header-name",
        "GET",
        "/health",
        headers=((b"Bad Header", b"x"),),
        token="none",
        answer=invalid("malformed HTTP request: Invalid header token"),
    ),
]


async def _exchange(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), timeout=60)
    finally:
        writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, body


def _request(case: Case, *, cid: str, sdk: str) -> bytes:
    secret = {"admin": ADMIN, "sdk": sdk, "none": None}.get(case.token, case.token)
    headers = [(b"Host", b"127.0.0.1"), (b"Connection", b"close"), *case.headers]
    if secret is not None:
        headers.append((b"Authorization", secret.encode("latin-1")))
    if case.method == "POST":
        headers.append((b"Content-Length", str(len(case.body)).encode()))
    target = case.target.format(cid=cid).encode()
    lines = [case.method.encode() + b" " + target + b" HTTP/1.1"]
    lines += [name + b": " + value for name, value in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n" + case.body


def _without_request_ids(body: Any) -> Any:
    for error in body.get("errors", ()) if isinstance(body, dict) else ():
        if isinstance(error.get("extensions"), dict):
            error["extensions"].pop("requestId", None)
    return body


@dataclass
class Served:
    port: int
    cid: str
    sdk: str


@pytest.fixture
async def served(settings: Settings, clock: FakeClock) -> AsyncIterator[Served]:
    """The app behind ``GatewayRunner``, as ``gateway serve`` runs it, on a free port."""
    app = create_app(settings, clock=clock)
    runner = GatewayRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        sdk, cid = await scoped_token(app[DATABASE], "web", "production")
        port = runner.addresses[0][1]
        yield Served(port, cid, sdk)
    finally:
        await runner.cleanup()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_hostile_input_is_refused_in_the_doors_shape(served: Served, case: Case) -> None:
    status, headers, body = await _exchange(
        served.port, _request(case, cid=served.cid, sdk=served.sdk)
    )
    assert headers.get("content-type", "").startswith("application/json"), body[:300]
    assert (status, _without_request_ids(json.loads(body))) == (case.status, case.answer)


async def test_the_gateway_answers_normally_after_every_hostile_input(served: Served) -> None:
    for case in CASES:
        await _exchange(served.port, _request(case, cid=served.cid, sdk=served.sdk))
    ingest = Case(
        "ok", "POST", "/api/gateway/ingest", EVALUATION.format(project='"web"').encode(), JSON
    )
    status, _, body = await _exchange(served.port, _request(ingest, cid="", sdk=""))
    assert (status, json.loads(body)) == (202, {"accepted": 1})


@pytest.mark.parametrize(
    "message",
    [
        "[" * 100_000,
        '{"type": "connection_init", "payload": {"Authorization": "caf\\udce9"}}',
        '{"type": "connection_init", "payload": {"Authorization": "a\\u0000"}}',
    ],
    ids=["deep", "surrogate", "nul"],
)
async def test_websocket_messages_pass_the_same_decoder(served: Served, message: str) -> None:
    """graphql-transport-ws closes with 4400 (a message that is not JSON), not a crash."""
    url = f"http://127.0.0.1:{served.port}/graphql"
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(url, protocols=["graphql-transport-ws"]) as ws,
    ):
        await ws.send_str(message)
        closing = await asyncio.wait_for(ws.receive(), timeout=30)
    assert (closing.type, ws.close_code) == (aiohttp.WSMsgType.CLOSE, 4400)
