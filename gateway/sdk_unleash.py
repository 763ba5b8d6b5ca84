"""The Unleash client API that backend SDKs need to start and report.

``register`` and ``metrics`` answer 202 once stored; ``features`` serves the toggles of
``GATEWAY_UNLEASH_FEATURES_FILE`` (none by default) so that SDKs start and evaluate
known toggles. The environment and project come from the SDK's scoped ingest token.
"""

import hashlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

from gateway.auth import authorize
from gateway.body import read_text
from gateway.keys import CLOCK, DATABASE, SETTINGS
from resolvers import tokens, unleash_client, unleash_features
from resolvers.unleash_features import FeatureSet

FEATURES = web.AppKey("unleash_features", FeatureSet)
SDK_HEADER = "unleash-sdk"
Handler = Callable[[web.Request], Awaitable[web.Response]]
# unleash_client.register or record_metrics: the same keyword arguments.
Recorder = Callable[..., Awaitable[object]]


def _client_endpoint(record: Recorder) -> Handler:
    """Return the handler that stores what ``record`` makes of an SDK's report; 202."""

    async def handle(request: web.Request) -> web.Response:
        principal = await authorize(request, "ingest")
        await record(
            request.app[DATABASE],
            await read_text(request),
            principal=principal,
            sdk_header=request.headers.get(SDK_HEADER),
            now=request.app[CLOCK](),
        )
        return web.Response(status=202)

    return handle


# Remember the registering SDK instance.
register = _client_endpoint(unleash_client.register)
# Store a metrics bucket as evaluation counts.
metrics = _client_endpoint(unleash_client.record_metrics)


async def features(request: web.Request) -> web.Response:
    """Serve the configured toggles, with an ETag so polling SDKs get 304s."""
    tokens.sdk_scope(await authorize(request, "ingest"))
    document = request.app[FEATURES].document(request.query.get("project"))
    body = json.dumps(document, separators=(",", ":")).encode()
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    if etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers={"ETag": etag})
    return web.Response(body=body, content_type="application/json", headers={"ETag": etag})


async def _load_features(app: web.Application) -> AsyncIterator[None]:
    app[FEATURES] = unleash_features.read_features(app[SETTINGS].unleash_features_file)
    yield


def add_routes(app: web.Application) -> None:
    app.cleanup_ctx.append(_load_features)
    app.router.add_post("/api/client/register", register)
    app.router.add_post("/api/client/metrics", metrics)
    app.router.add_get("/api/client/features", features)
