"""Error rendering: one table from the error vocabulary to statuses, bodies in each dialect.

Errors are looked up by class hierarchy, so a subclass renders as its nearest listed
ancestor. Default messages live on the error classes (resolvers/errors.py), shared with
GraphQL. LaunchDarkly's body (``{"code", "message"}``) is also the gateway's own.
"""

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from gateway.launchdarkly.query import BETA_MESSAGE
from gateway.observe import REQUEST_ID
from gateway.unleash import errors as unleash
from resolvers.errors import (
    Forbidden,
    GatewayError,
    InvalidRequest,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    Unauthorized,
    Unavailable,
    by_class,
)

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

STATUS: dict[type[GatewayError], int] = {
    GatewayError: 500,
    InvalidRequest: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    PayloadTooLarge: 413,
    RateLimited: 429,
    Unavailable: 503,
}
# The LaunchDarkly shim answers 401/403 with the vendor's exact texts (docs/formats.md);
# our own routes keep the descriptive ones.
LAUNCHDARKLY_SHIM_PREFIX = "/api/v2/"
GRAPHQL_PATH = "/graphql"


def status_of(error: GatewayError) -> int:
    """Return the HTTP status of an expected failure."""
    return by_class(STATUS, error)


def shim_message(error: GatewayError) -> str:
    """Return the message the LaunchDarkly shim gives: the vendor's own for 401 and 403."""
    if isinstance(error, Unauthorized):
        return error.default_message
    if isinstance(error, Forbidden) and error.message != BETA_MESSAGE:
        return error.default_message
    return error.text


def launchdarkly_body(error: GatewayError, *, shim: bool = False) -> dict[str, Any]:
    """Return the LaunchDarkly error body: code and message (plus record errors on 400)."""
    message = shim_message(error) if shim else error.text
    body: dict[str, Any] = {"code": error.code, "message": message}
    if isinstance(error, InvalidRequest) and error.errors:
        body["errors"] = [
            {"index": e.index, "field": e.field, "message": e.message} for e in error.errors
        ]
    return body


def graphql_body(request: web.Request, message: str, code: str) -> dict[str, Any]:
    """Return GraphQL's error body for a failure before execution (with the request id)."""
    extensions = {"code": code, "requestId": request.get(REQUEST_ID, "")}
    return {"data": None, "errors": [{"message": message, "extensions": extensions}]}


def error_response(request: web.Request, error: GatewayError) -> web.Response:
    """Return the response for an expected error, in the dialect of the request's path."""
    if isinstance(error, Unavailable):
        log.warning("database unavailable: %s", error.detail or error.text)
    if request.path == GRAPHQL_PATH:
        body = graphql_body(request, error.text, error.code)
    elif unleash.is_unleash(request.path):
        body = unleash.error_body(error)
    else:
        shim = request.path.startswith(LAUNCHDARKLY_SHIM_PREFIX)
        body = launchdarkly_body(error, shim=shim)
    response = web.json_response(body, status=status_of(error))
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


def http_error_response(request: web.Request, exc: web.HTTPException) -> web.Response:
    """Return aiohttp's own HTTP error (405 and the like) in the dialect of the path."""
    if isinstance(exc, web.HTTPMethodNotAllowed):
        allowed = ", ".join(sorted(exc.allowed_methods - {"HEAD", "OPTIONS"}))
        code, name = "method_not_allowed", "MethodNotAllowedError"
        message = f"method {exc.method} is not allowed here; use {allowed}"
    else:
        words = exc.reason.replace("-", " ").split()
        code = "_".join(w.lower() for w in words) or "http_error"
        name = "".join(w.capitalize() for w in words) + "Error"
        message = exc.reason or "HTTP error"
    body = (
        {"name": name, "message": message}
        if unleash.is_unleash(request.path)
        else {"code": code, "message": message}
    )
    response = web.json_response(body, status=exc.status)
    for header in ("Allow", "Retry-After"):
        if header in exc.headers:
            response.headers[header] = exc.headers[header]
    return response


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Render every failure in the vendor's shape; mask the unexpected ones."""
    try:
        return await handler(request)
    except GatewayError as error:
        return error_response(request, error)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise  # redirects and the like are answers, not errors
        mapped = _from_http(exc)
        if mapped is None:
            return http_error_response(request, exc)
        return error_response(request, mapped)
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return web.json_response(
            {"code": "internal_error", "message": "Internal error"}, status=500
        )
