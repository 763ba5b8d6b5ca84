"""The gateway's one error vocabulary. Each door renders these in its own dialect."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one field of one record of a batch."""

    index: int | None
    field: str
    message: str


class GatewayError(Exception):
    """Root of every expected failure; ``message`` None means ``default_message``."""

    code = "internal_error"
    # The one default text for both doors (LaunchDarkly's wording, docs/formats.md §2.1).
    default_message = "Internal error"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.code)
        self.message = message

    @property
    def text(self) -> str:
        """Return the message a client sees: the given one, else the default."""
        return self.message or self.default_message


class InvalidRequest(GatewayError):
    """A parameter or body is wrong; ``errors`` lists record-level problems, if any."""

    code = "invalid_request"
    default_message = "Invalid request"

    def __init__(self, message: str, *, errors: tuple[FieldError, ...] = ()) -> None:
        super().__init__(message)
        self.errors = errors


class Unauthorized(GatewayError):
    """No credentials, or credentials nobody issued (or since revoked)."""

    code = "unauthorized"
    default_message = "Invalid access token"


class Forbidden(GatewayError):
    """Valid credentials that may not do this."""

    code = "forbidden"
    default_message = "Forbidden. Access to the requested resource was denied."


class NotFound(GatewayError):
    """A path value names something that does not exist."""

    code = "not_found"
    default_message = "Invalid resource identifier"


class PayloadTooLarge(GatewayError):
    """The request body is over the configured limit."""

    code = "payload_too_large"
    default_message = "Request body is too large"


class RateLimited(GatewayError):
    """Too many requests; retry after ``retry_after_s`` (window ends at ``reset_ms``)."""

    code = "rate_limited"
    default_message = "You've exceeded the API rate limit. Try again later."

    def __init__(self, *, retry_after_s: int, reset_ms: int) -> None:
        super().__init__(None)
        self.retry_after_s = retry_after_s
        self.reset_ms = reset_ms


class Unavailable(GatewayError):
    """A dependency (the database) is down; the request may succeed later.

    ``detail`` says what failed, for the log; clients get the message (by default the
    vendor's text), never hosts, users or paths.
    """

    code = "service_unavailable"
    default_message = "Requested service unavailable"

    def __init__(self, message: str | None = None, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.detail = detail


T = TypeVar("T")


def by_class(table: Mapping[type, T], error: BaseException) -> T:
    """Return the entry of the nearest class of ``error`` in ``table`` (its MRO order).

    Doors map errors to statuses and bodies with such tables; a subclass needs no entry of
    its own, it is rendered as its nearest listed ancestor.
    """
    for cls in type(error).__mro__:
        if cls in table:
            return table[cls]
    raise KeyError(type(error).__name__)
