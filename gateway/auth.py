"""Who is calling: the Authorization header to a principal of an allowed kind."""

from aiohttp import web

from gateway.keys import CLOCK, DATABASE
from gateway.observe import note_principal
from resolvers import tokens
from resolvers.tokens import Principal


def strip_bearer(value: str) -> str | None:
    """Return the token in ``<token>`` or ``Bearer <token>`` (None when empty)."""
    value = value.strip()
    if value[:7].lower() in ("bearer ", "bearer"):  # "Bearer" alone: no token at all
        value = value[6:].strip()
    return value or None


def secret_of(request: web.Request) -> str | None:
    """Return the token in ``Authorization: <token>`` or ``Authorization: Bearer <token>``."""
    return strip_bearer(request.headers.get("Authorization", ""))


async def authorize(request: web.Request, *kinds: str) -> Principal:
    """Return the caller's principal; raise Unauthorized or Forbidden unless of ``kinds``."""
    app = request.app
    principal = await tokens.authenticate(app[DATABASE], secret_of(request), now=app[CLOCK]())
    note_principal(request, principal)
    tokens.require(principal, *kinds)
    return principal
