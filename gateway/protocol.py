"""aiohttp's own refusals (a URL over 8,190 bytes, a malformed header) in the JSON error body.

aiohttp answers a request it cannot parse before any route or middleware sees it, in
``RequestHandler.handle_error``, as ``text/plain``. ``GatewayRunner`` serves the app
with a request handler that answers those with ``{"code", "message"}`` like every
other error of the gateway (the path is unknown then, so the gateway's own shape).
"""

from http import HTTPStatus
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMethod, HttpProcessingError, LineTooLong


def _refusal(status: int, exc: BaseException | None) -> dict[str, str]:
    """Return the error body for a request aiohttp could not parse (or handle)."""
    if status >= 500:
        return {"code": "internal_error", "message": "Internal error"}
    if isinstance(exc, LineTooLong):
        limit = exc.args[1]
        message = f"the request line or a header is longer than {limit} bytes (the limit)"
    elif isinstance(exc, BadHttpMethod):
        message = "the request is not HTTP/1.x (unknown method)"
    elif isinstance(exc, HttpProcessingError) and exc.message:
        # The first line only: what follows echoes the client's bytes.
        message = "malformed HTTP request: " + exc.message.splitlines()[0].rstrip(": ")
    else:
        message = HTTPStatus(status).phrase
    code = "invalid_request" if status == 400 else HTTPStatus(status).phrase.lower()
    return {"code": code.replace(" ", "_"), "message": message}


class JsonErrorProtocol(web.RequestHandler):
    """aiohttp's connection handler, answering its own errors with the JSON error body."""

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        super().handle_error(request, status, exc, message)  # logs it; refuses if sent
        response = web.json_response(_refusal(status, exc), status=status)
        response.force_close()
        return response


class _JsonErrorServer(web.Server):
    def __call__(self) -> web.RequestHandler:
        return JsonErrorProtocol(self, loop=self._loop, **self._kwargs)


class GatewayRunner(web.AppRunner):
    """An AppRunner whose connections answer aiohttp's own errors with JSON bodies."""

    async def _make_server(self) -> web.Server:
        plain = await super()._make_server()
        kwargs: dict[str, Any] = dict(plain._kwargs)
        return _JsonErrorServer(
            plain.request_handler,
            request_factory=plain.request_factory,
            handler_cancellation=plain.handler_cancellation,
            loop=plain._loop,
            **kwargs,
        )
