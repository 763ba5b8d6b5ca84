"""The Unleash client API that backend SDKs need to start and report.

``register`` and ``metrics`` answer 202 once stored; ``features`` serves the toggles of
``GATEWAY_UNLEASH_FEATURES_FILE`` (none by default) so that SDKs start and evaluate
known toggles. The environment and project come from the SDK's scoped ingest token.
"""

import hashlib
import json
from collections.abc import AsyncIterator

from aiohttp import web

from gateway.auth import authorize
from gateway.body import decode_json, read_text
from gateway.keys import CLOCK, DATABASE, SETTINGS
from gateway.unleash import features as feature_files
from gateway.unleash import payloads
from gateway.unleash.features import FeatureSet
from resolvers import applications, ingestion, tokens
from resolvers.sdks import UNKNOWN

FEATURES = web.AppKey("unleash_features", FeatureSet)
SDK_HEADER = "unleash-sdk"


async def register(request: web.Request) -> web.Response:
    """Remember a registering SDK instance in the token's environment; 202 once stored."""
    principal = await authorize(request, "ingest")
    text = await read_text(request)
    scope = tokens.sdk_scope(principal)
    registration = payloads.parse_registration(
        decode_json(text, expect=dict), sdk_header=request.headers.get(SDK_HEADER)
    )
    await applications.note_instance(
        request.app[DATABASE],
        app_name=registration.app_name,
        instance_id=registration.instance_id,
        environment=scope.environment,
        sdk=registration.sdk,
        interval_ms=registration.interval_ms,
        now=request.app[CLOCK](),
    )
    return web.Response(status=202)


async def metrics(request: web.Request) -> web.Response:
    """Store a metrics bucket as evaluations of the token's project and environment; 202.

    The SDK is the payload's ``sdkVersion``, else the ``unleash-sdk`` header, else what
    the instance registered with.
    """
    principal = await authorize(request, "ingest")
    text = await read_text(request)
    scope = tokens.sdk_scope(principal)
    now = request.app[CLOCK]()
    bucket = payloads.parse_metrics(decode_json(text, expect=dict), now=now)
    sdk = payloads.unleash_sdk(bucket.announced or request.headers.get(SDK_HEADER))
    if sdk == UNKNOWN:
        registered = await applications.registered_sdk(
            request.app[DATABASE],
            app_name=bucket.app_name,
            instance_id=bucket.instance_id,
            environment=scope.environment,
        )
        sdk = registered or UNKNOWN
    records = payloads.evaluation_records(
        bucket, project=scope.project, environment=scope.environment, sdk=sdk
    )
    await ingestion.record_sdk_report(
        request.app[DATABASE], ingestion.SdkReport(records), principal=principal, now=now
    )
    return web.Response(status=202)


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
    app[FEATURES] = feature_files.read_features(app[SETTINGS].unleash_features_file)
    yield


def add_routes(app: web.Application) -> None:
    app.cleanup_ctx.append(_load_features)
    app.router.add_post("/api/client/register", register)
    app.router.add_post("/api/client/metrics", metrics)
    app.router.add_get("/api/client/features", features)
