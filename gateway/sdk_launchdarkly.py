"""The LaunchDarkly SDK events endpoints: server-side, mobile and browser SDKs post here.

Server-side SDKs authenticate with their SDK key, mobile SDKs with their mobile key
(``Authorization: api_key <key>`` on older ones); here both are a scoped ingest token.
Browser SDKs send no secret: the client-side ID in the path names the token. Every
payload is acknowledged with an empty 202 after it is committed.
"""

from collections.abc import Awaitable, Callable

from aiohttp import web

from gateway.auth import secret_of
from gateway.body import read_text
from gateway.keys import CLOCK, DATABASE
from resolvers import ld_diagnostics, ld_events, tokens
from resolvers.ld_channels import BROWSER, MOBILE, SERVER, Channel
from resolvers.tokens import Principal

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# ld_events.record_events or ld_diagnostics.record_diagnostic: the same keyword arguments.
Recorder = Callable[..., Awaitable[object]]

BROWSER_PREFIXES = ("/events/bulk/", "/events/diagnostic/")
# The headers the JS SDK sends cross-origin (as LaunchDarkly's Relay Proxy allows them).
CORS_HEADERS = {
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": (
        "Content-Type, Content-Length, Accept-Encoding, X-LaunchDarkly-User-Agent, "
        "X-LaunchDarkly-Payload-ID, X-LaunchDarkly-Wrapper, X-LaunchDarkly-Event-Schema, "
        "X-LaunchDarkly-Tags, X-LaunchDarkly-Instance-Id"
    ),
    "Access-Control-Max-Age": "300",
}


def sdk_key(request: web.Request) -> str | None:
    """Return the SDK or mobile key: raw, ``api_key <key>`` or ``Bearer <key>``."""
    header = request.headers.get("Authorization", "").strip()
    if header[:8].lower() == "api_key ":
        return header[8:].strip() or None
    return secret_of(request)


async def _principal(request: web.Request, channel: Channel) -> Principal:
    app = request.app
    if channel is BROWSER:
        return await tokens.authenticate_client_id(
            app[DATABASE], request.match_info["env_id"], now=app[CLOCK]()
        )
    return await tokens.authenticate(app[DATABASE], sdk_key(request), now=app[CLOCK]())


def _endpoint(record: Recorder, channel: Channel) -> Handler:
    """Return the handler that stores what ``record`` makes of a payload; 202 once stored."""

    async def handle(request: web.Request) -> web.Response:
        principal = await _principal(request, channel)
        body = await read_text(request)
        await record(
            request.app[DATABASE],
            body,
            principal=principal,
            channel=channel,
            headers=request.headers,
            now=request.app[CLOCK](),
        )
        return web.Response(status=202)

    return handle


def _analytics(channel: Channel) -> Handler:
    return _endpoint(ld_events.record_events, channel)


def _diagnostic(channel: Channel) -> Handler:
    return _endpoint(ld_diagnostics.record_diagnostic, channel)


async def preflight(request: web.Request) -> web.Response:
    """Answer a browser's CORS preflight for the client-side events endpoints."""
    return web.Response(status=200)


async def _cors(request: web.Request, response: web.StreamResponse) -> None:
    # Also on errors, so a browser SDK can read why it was refused.
    if request.path.startswith(BROWSER_PREFIXES):
        response.headers["Access-Control-Allow-Origin"] = request.headers.get("Origin", "*")
        response.headers.update(CORS_HEADERS)


def add_routes(app: web.Application) -> None:
    router = app.router
    router.add_post("/bulk", _analytics(SERVER))
    router.add_post("/diagnostic", _diagnostic(SERVER))
    for path in ("/mobile", "/mobile/events", "/mobile/events/bulk"):
        router.add_post(path, _analytics(MOBILE))
    router.add_post("/mobile/events/diagnostic", _diagnostic(MOBILE))
    router.add_post("/events/bulk/{env_id}", _analytics(BROWSER))
    router.add_post("/events/diagnostic/{env_id}", _diagnostic(BROWSER))
    router.add_route("OPTIONS", "/events/bulk/{env_id}", preflight)
    router.add_route("OPTIONS", "/events/diagnostic/{env_id}", preflight)
    app.on_response_prepare.append(_cors)
