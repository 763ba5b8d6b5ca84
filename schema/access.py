"""Authorization of every operation: queries and subscriptions need an admin or read token."""

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from resolvers import tokens
from resolvers.errors import GatewayError, Unauthorized
from resolvers.tokens import Principal
from schema.context import Context, Info

READERS = ("admin", "read")
WRITERS = ("admin", "ingest")


def principal(context: Context) -> Principal:
    """Return the caller, or raise Unauthorized if no valid token came with the operation."""
    if context.principal is None:
        raise Unauthorized("no valid API token was given")
    return context.principal


def require(info: Info, *kinds: str) -> Principal:
    """Return the caller if their token is of one of ``kinds``; else raise Forbidden."""
    caller = principal(info.context)
    tokens.require(caller, *kinds)
    return caller


async def recheck(context: Context) -> None:
    """Authenticate the token again; raise Unauthorized or Forbidden unless it still reads.

    A subscription outlives the check at its start: a token revoked since must end it.
    """
    try:
        caller = await tokens.authenticate(context.db, context.secret, now=context.clock())
        tokens.require(caller, *READERS)
    except GatewayError:
        context.principal = None  # the connection's later operations are refused too
        raise
    context.principal = caller


class OperationAccess(SchemaExtension):
    """Ingest tokens may not read: queries and subscriptions need an admin or read token.

    Mutations check their own kinds, field by field. Each operation starts with a fresh
    points count and fresh loaders.
    """

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        assert isinstance(context, Context)
        context.start_operation()
        caller = principal(context)
        if self.execution_context.operation_type is not OperationType.MUTATION:
            tokens.require(caller, *READERS)
        yield
