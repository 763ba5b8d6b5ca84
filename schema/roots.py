"""The Query, Mutation and Subscription roots: thin fields over resolvers."""

import strawberry

from schema import ingestion, live
from schema import tokens as token_fields
from schema.access import principal
from schema.context import Info


@strawberry.type(description="Who is calling.")
class Viewer:
    name: str
    kind: token_fields.TokenKind


def _viewer(info: Info) -> Viewer:
    caller = principal(info.context)
    return Viewer(name=caller.name, kind=token_fields.TokenKind(caller.kind))


@strawberry.type
class Query:
    viewer: Viewer = strawberry.field(
        resolver=_viewer, description="The caller's token: its name and kind."
    )
    tokens: list[token_fields.Token] = strawberry.field(
        resolver=token_fields.list_tokens, description="Every API token (admin only)."
    )


@strawberry.type
class Mutation:
    ingest = strawberry.mutation(resolver=ingestion.ingest)
    record_instance_statistics = strawberry.mutation(resolver=ingestion.record_instance_statistics)
    create_token = strawberry.mutation(
        resolver=token_fields.create_token, description="Issue a token (admin only)."
    )
    revoke_token = strawberry.mutation(
        resolver=token_fields.revoke_token, description="Revoke a token (admin only)."
    )


@strawberry.type
class Subscription:
    evaluations_live = strawberry.subscription(
        resolver=live.evaluations_live,
        description="A flag's evaluations by variation, minutely, pushed as buckets change.",
    )
