"""Error rendering: one table from the error vocabulary to statuses and vendor bodies."""

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from resolvers.errors import (
    Forbidden,
    GatewayError,
    InvalidRequest,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    Unauthorized,
    Unavailable,
)
from storage.errors import StorageUnavailable

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# error class -> (status, LaunchDarkly-style default message, Unleash error name)
TABLE: dict[type[GatewayError], tuple[int, str, str]] = {
    InvalidRequest: (400, "Invalid request", "BadDataError"),
    Unauthorized: (401, "Invalid access token", "UnauthorizedError"),
    Forbidden: (403, "Forbidden. Access to the requested resource was denied.", "ForbiddenError"),
    NotFound: (404, "Invalid resource identifier", "NotFoundError"),
    PayloadTooLarge: (413, "Request body is too large", "ContentTooLargeError"),
    RateLimited: (429, "You've exceeded the API rate limit. Try again later.", "RateLimitError"),
    Unavailable: (503, "Requested service unavailable", "ServiceUnavailableError"),
}

# Unleash answers these two with fixed bodies that its clients and scripts match on.
UNLEASH_UNAUTHORIZED = {"name": "UnauthorizedError", "message": "You must log in to use Unleash."}
UNLEASH_FORBIDDEN = {"message": "invalid token: expected a different token type for this endpoint"}
UNLEASH_PREFIXES = ("/api/admin/", "/api/client/", "/api/frontend")


def is_unleash(path: str) -> bool:
    """Return whether a path belongs to the Unleash dialect."""
    return path.startswith(UNLEASH_PREFIXES)


def launchdarkly_body(error: GatewayError) -> dict[str, Any]:
    """Return the LaunchDarkly error body: code and message (plus record errors on 400)."""
    _, default, _ = TABLE[type(error)]
    body: dict[str, Any] = {"code": error.code, "message": error.message or default}
    if isinstance(error, InvalidRequest) and error.errors:
        body["errors"] = [
            {"index": e.index, "field": e.field, "message": e.message} for e in error.errors
        ]
    return body


def unleash_body(error: GatewayError) -> dict[str, Any]:
    """Return the Unleash error body."""
    if isinstance(error, Unauthorized):
        return dict(UNLEASH_UNAUTHORIZED)
    if isinstance(error, Forbidden):
        return dict(UNLEASH_FORBIDDEN)
    _, default, name = TABLE[type(error)]
    body: dict[str, Any] = {"name": name, "message": error.message or default}
    if isinstance(error, InvalidRequest):
        body["details"] = [{"message": e.message} for e in error.errors] or [
            {"message": body["message"]}
        ]
    return body


def error_response(request: web.Request, error: GatewayError) -> web.Response:
    """Return the response for an expected error, in the dialect of the request's path."""
    status = TABLE[type(error)][0]
    body = unleash_body(error) if is_unleash(request.path) else launchdarkly_body(error)
    response = web.json_response(body, status=status)
    response.headers.update(retry_headers(error))
    return response


def retry_headers(error: GatewayError) -> dict[str, str]:
    """Return the headers that tell a rate-limited client when to come back."""
    if not isinstance(error, RateLimited):
        return {}
    return {
        "Retry-After": str(error.retry_after_s),
        "X-Ratelimit-Route-Remaining": "0",
        "X-Ratelimit-Reset": str(error.reset_ms),
    }


def _from_http(exc: web.HTTPException) -> GatewayError | None:
    if isinstance(exc, web.HTTPNotFound):
        return NotFound(None)
    if isinstance(exc, web.HTTPRequestEntityTooLarge):
        return PayloadTooLarge(None)
    return None


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Render every failure in the vendor's shape; mask the unexpected ones."""
    try:
        return await handler(request)
    except GatewayError as error:
        return error_response(request, error)
    except StorageUnavailable as exc:
        log.warning("database unavailable: %s", exc)
        return error_response(request, Unavailable(None))
    except web.HTTPException as exc:
        mapped = _from_http(exc)
        if mapped is None:
            raise
        return error_response(request, mapped)
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return web.json_response(
            {"code": "internal_error", "message": "Internal error"}, status=500
        )
