"""API tokens over GraphQL: list, create, revoke (admin only)."""

from datetime import datetime
from typing import Annotated

import strawberry

from resolvers import tokens
from resolvers.errors import InvalidRequest, NotFound
from resolvers.tokens import TokenInfo
from schema.access import require
from schema.context import Info
from schema.enums import TokenKind
from schema.problems import InvalidInput, NotFoundProblem, invalid_input, not_found


@strawberry.type(description="An API token as shown to an admin; never its secret.")
class Token:
    id: int
    name: str
    kind: TokenKind
    project: str | None
    environment: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@strawberry.type(description="A new token; the secret is shown this once and never again.")
class CreatedToken:
    token: Token
    secret: str


@strawberry.type(description="The token is revoked.")
class RevokedToken:
    id: int


CreateTokenResult = Annotated[CreatedToken | InvalidInput, strawberry.union("CreateTokenResult")]
RevokeTokenResult = Annotated[RevokedToken | NotFoundProblem, strawberry.union("RevokeTokenResult")]


def token_of(info: TokenInfo) -> Token:
    """Return the GraphQL view of a token."""
    return Token(
        id=info.id,
        name=info.name,
        kind=TokenKind(info.kind),
        project=info.project,
        environment=info.environment,
        created_at=info.created_at,
        last_used_at=info.last_used_at,
        revoked_at=info.revoked_at,
    )


async def list_tokens(info: Info) -> list[Token]:
    """Every token, revoked ones included, oldest first."""
    require(info, "admin")
    return [token_of(t) for t in await tokens.list_tokens(info.context.db)]


async def create_token(
    info: Info,
    kind: TokenKind,
    name: str,
    project: str | None = None,
    environment: str | None = None,
) -> CreateTokenResult:
    """Issue a token (an ingest token may be scoped to a project and environment)."""
    require(info, "admin")
    try:
        created, secret = await tokens.create_token(
            info.context.db,
            kind=kind.value,
            name=name,
            now=info.context.clock(),
            project=project,
            environment=environment,
        )
    except InvalidRequest as error:
        return invalid_input(error)
    return CreatedToken(token=token_of(created), secret=secret)


async def revoke_token(info: Info, id: int) -> RevokeTokenResult:
    """Revoke a live token by id."""
    require(info, "admin")
    try:
        await tokens.revoke_token(info.context.db, token_id=id, now=info.context.clock())
    except NotFound as error:
        return not_found(error)
    return RevokedToken(id=id)
