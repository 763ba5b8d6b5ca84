"""GraphQL errors get a ``code`` in ``extensions``; unexpected ones are masked."""

import logging
from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError

from resolvers.errors import GatewayError, InvalidRequest, Unavailable
from schema.limits import CODE_TOO_LARGE

log = logging.getLogger(__name__)

MASKED_MESSAGE = "Internal error"


def _gateway_extensions(error: GatewayError) -> dict[str, Any]:
    extensions: dict[str, Any] = {"code": error.code}
    if isinstance(error, InvalidRequest) and error.errors:
        extensions["errors"] = [
            {"index": e.index, "field": e.field, "message": e.message} for e in error.errors
        ]
    return extensions


def classify(error: GraphQLError) -> tuple[str, dict[str, Any]]:
    """Return the message and extensions a client should see for ``error``."""
    original = error.original_error
    if isinstance(original, GraphQLError):
        return classify(original)
    if isinstance(original, GatewayError):
        return original.text, _gateway_extensions(original)
    if original is not None:
        return MASKED_MESSAGE, {"code": "internal_error"}
    if error.extensions and "code" in error.extensions:
        return error.message, dict(error.extensions)
    if isinstance(error, GraphQLSyntaxError):
        if "tokens" in error.message and "Parsing aborted" in error.message:
            return error.message, {"code": CODE_TOO_LARGE}
        return error.message, {"code": "graphql_parse_failed"}
    return error.message, {"code": "graphql_validation_failed"}


def code_errors(errors: list[GraphQLError]) -> None:
    """Give every error its code (in place); mask and log the unexpected ones."""
    for error in errors:
        original = error.original_error
        if original is not None and not isinstance(original, GatewayError | GraphQLError):
            log.error("unexpected error in GraphQL %s", error.path, exc_info=original)
        elif isinstance(original, Unavailable):
            log.warning("database unavailable: %s", original.detail or original.text)
        error.message, error.extensions = classify(error)
