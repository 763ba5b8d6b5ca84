"""The edge: headers, path and query string checked before any handler reads them.

A header value that is not UTF-8 (aiohttp hands such bytes on as lone surrogates) and a
path or query string holding a NUL or a lone surrogate are refused with the door's 400,
so no such string reaches authentication, a resolver or the database (the string rule:
resolvers/strings.py).
"""

from aiohttp import web

from gateway.errors import Handler
from resolvers import strings
from resolvers.errors import InvalidRequest


def check_request(request: web.Request) -> None:
    """Raise InvalidRequest naming the first header, path or parameter the rule refuses."""
    for name, value in request.headers.items():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidRequest(f"header {name} is not valid UTF-8") from None
        problem = strings.problem(value)
        if problem is not None:
            raise InvalidRequest(f"header {name} {problem}")
    problem = strings.problem(request.path)
    if problem is not None:
        raise InvalidRequest(f"path {problem}")
    for key, value in request.query.items():
        problem = strings.problem(key) or strings.problem(value)
        if problem is not None:
            raise InvalidRequest(f"query parameter {key!r} {problem}")


@web.middleware
async def edge_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse requests whose headers, path or query string break the string rule."""
    check_request(request)
    return await handler(request)
