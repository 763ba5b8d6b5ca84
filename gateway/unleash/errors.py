"""Unleash's error bodies: ``{"name": ..., "message": ...}``, and two fixed texts."""

from typing import Any

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

# Unleash answers these two with fixed bodies that its clients and scripts match on.
UNAUTHORIZED = {"name": "UnauthorizedError", "message": "You must log in to use Unleash."}
FORBIDDEN = {"message": "invalid token: expected a different token type for this endpoint"}
PREFIXES = ("/api/admin/", "/api/client/", "/api/frontend")
# Error class -> the name Unleash gives it (found by class hierarchy).
NAMES: dict[type[GatewayError], str] = {
    GatewayError: "InternalServerError",
    InvalidRequest: "BadDataError",
    Unauthorized: "UnauthorizedError",
    Forbidden: "ForbiddenError",
    NotFound: "NotFoundError",
    PayloadTooLarge: "ContentTooLargeError",
    RateLimited: "RateLimitError",
    Unavailable: "ServiceUnavailableError",
}


def is_unleash(path: str) -> bool:
    """Return whether a path belongs to the Unleash dialect."""
    return path.startswith(PREFIXES)


def error_body(error: GatewayError) -> dict[str, Any]:
    """Return the Unleash error body of an expected failure."""
    if isinstance(error, Unauthorized):
        return dict(UNAUTHORIZED)
    if isinstance(error, Forbidden):
        return dict(FORBIDDEN)
    body: dict[str, Any] = {"name": by_class(NAMES, error), "message": error.text}
    if isinstance(error, InvalidRequest):
        body["details"] = [{"message": e.message} for e in error.errors] or [
            {"message": body["message"]}
        ]
    return body
