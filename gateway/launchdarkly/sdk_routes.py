"""The LaunchDarkly SDK events endpoints: server-side, mobile and browser SDKs post here.

Server-side SDKs authenticate with their SDK key, mobile SDKs with their mobile key
(``Authorization: api_key <key>`` on older ones); here both are a scoped ingest token.
Browser SDKs send no secret: the client-side ID in the path names the token. Every
payload is acknowledged with an empty 202 after it is committed.
"""

from collections.abc import Awaitable, Callable

from aiohttp import web

from gateway.auth import secret_of
from gateway.body import decode_json, read_text
from gateway.keys import CLOCK, DATABASE
from gateway.launchdarkly import events
from gateway.launchdarkly.sdks import BROWSER, MOBILE, SERVER, Channel, sdk_of
from resolvers import applications, ingestion, tokens
from resolvers.errors import InvalidRequest
from resolvers.tokens import Principal

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

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
PAYLOAD_ID = "X-LaunchDarkly-Payload-ID"
MAX_PAYLOAD_ID = 190  # idempotency keys are 200 characters; "ld:" is the prefix


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


def _payload_key(request: web.Request) -> str | None:
    payload_id = request.headers.get(PAYLOAD_ID)
    if payload_id is None:
        return None
    if not 0 < len(payload_id) <= MAX_PAYLOAD_ID:
        raise InvalidRequest(f"{PAYLOAD_ID} must be 1 to {MAX_PAYLOAD_ID} characters")
    return f"ld:{payload_id}"


def _analytics(channel: Channel) -> Handler:
    """Return the handler storing an analytics payload; 202 once committed."""

    async def handle(request: web.Request) -> web.Response:
        principal = await _principal(request, channel)
        text = await read_text(request)
        scope = tokens.sdk_scope(principal)
        key = _payload_key(request)
        now = request.app[CLOCK]()
        records = events.parse_events(
            decode_json(text, expect=list),
            project=scope.project,
            environment=scope.environment,
            channel=channel,
            sdk=sdk_of(request.headers),
            now=now,
        )
        report = ingestion.SdkReport(records, payload_key=key)
        await ingestion.record_sdk_report(
            request.app[DATABASE], report, principal=principal, now=now
        )
        return web.Response(status=202)

    return handle


def _diagnostic(channel: Channel) -> Handler:
    """Return the handler remembering a diagnostic event's SDK instance; 202 once committed."""

    async def handle(request: web.Request) -> web.Response:
        principal = await _principal(request, channel)
        text = await read_text(request)
        scope = tokens.sdk_scope(principal)
        diagnostic = events.parse_diagnostic(decode_json(text, expect=dict), request.headers)
        if diagnostic is not None:
            await applications.note_instance(
                request.app[DATABASE],
                app_name=events.application_id(request.headers) or "launchdarkly",
                instance_id=diagnostic.instance_id,
                environment=scope.environment,
                sdk=diagnostic.sdk,
                interval_ms=diagnostic.interval_ms,
                now=request.app[CLOCK](),
                stream_source=channel.sdk_type,
            )
        return web.Response(status=202)

    return handle


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
