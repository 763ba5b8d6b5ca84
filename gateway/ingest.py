"""POST /api/gateway/ingest: the bulk ingestion API (docs/formats.md §3)."""

from aiohttp import web

from gateway.auth import authorize
from gateway.body import json_records, ndjson_records, read_text
from gateway.keys import CLOCK, DATABASE
from resolvers import ingestion, records
from resolvers.errors import InvalidRequest

NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl")


async def ingest(request: web.Request) -> web.Response:
    """Validate and store a batch; reply 202 with how many records were accepted."""
    principal = await authorize(request, "admin", "ingest")
    key = request.headers.get("Idempotency-Key")
    ingestion.check_idempotency_key(key)
    body = await read_text(request)
    if request.content_type in NDJSON_TYPES:
        raw = ndjson_records(body)
    elif request.content_type == "application/json":
        raw = json_records(body)
    else:
        raise InvalidRequest(
            f"Content-Type must be application/json or application/x-ndjson, "
            f"not {request.content_type!r}"
        )
    now = request.app[CLOCK]()
    parsed = records.parse_records(raw, now=now)
    accepted = await ingestion.record_batch(
        request.app[DATABASE], parsed, principal=principal, now=now, idempotency_key=key
    )
    return web.json_response({"accepted": accepted}, status=202)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/gateway/ingest", ingest)
