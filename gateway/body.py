"""Request bodies, read within the configured size limit."""

from aiohttp import web

from gateway.keys import SETTINGS
from resolvers.errors import InvalidRequest, PayloadTooLarge


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
