"""Typed results for expected failures of mutations (GraphQL's "errors as data")."""

import strawberry

from resolvers.errors import InvalidRequest, NotFound


@strawberry.type(description="One problem with one field of one input record.")
class FieldProblem:
    index: int | None = strawberry.field(description="Position of the record, if any.")
    field: str
    message: str


@strawberry.type(description="The input was refused; nothing was stored.")
class InvalidInput:
    code: str = "invalid_request"
    message: str
    problems: list[FieldProblem]


@strawberry.type(description="The thing named does not exist.")
class NotFoundProblem:
    code: str = "not_found"
    message: str


def invalid_input(error: InvalidRequest) -> InvalidInput:
    """Return the typed result of an InvalidRequest."""
    return InvalidInput(
        message=error.message or "Invalid request",
        problems=[
            FieldProblem(index=e.index, field=e.field, message=e.message) for e in error.errors
        ],
    )


def not_found(error: NotFound) -> NotFoundProblem:
    """Return the typed result of a NotFound."""
    return NotFoundProblem(message=error.message or "Invalid resource identifier")
