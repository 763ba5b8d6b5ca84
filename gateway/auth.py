"""Who is calling: the Authorization header to a principal of an allowed kind."""

from aiohttp import web

from gateway.keys import CLOCK, DATABASE
from resolvers import tokens
from resolvers.tokens import Principal


def secret_of(request: web.Request) -> str | None:
    """Return the token in ``Authorization: <token>`` or ``Authorization: Bearer <token>``."""
    header = request.headers.get("Authorization", "").strip()
    if header[:7].lower() == "bearer ":
        header = header[7:].strip()
    return header or None


async def authorize(request: web.Request, *kinds: str) -> Principal:
    """Return the caller's principal; raise Unauthorized or Forbidden unless of ``kinds``."""
    app = request.app
    principal = await tokens.authenticate(app[DATABASE], secret_of(request), now=app[CLOCK]())
    tokens.require(principal, *kinds)
    return principal
