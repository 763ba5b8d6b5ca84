"""Public client-side IDs of scoped ingest tokens, and SDK scopes."""

from datetime import UTC, datetime

import pytest

from resolvers import tokens
from resolvers.errors import Forbidden, Unauthorized
from storage.engine import Database

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


async def test_only_scoped_ingest_tokens_get_a_client_side_id(db: Database) -> None:
    scoped, _ = await tokens.create_token(
        db, kind="ingest", name="s", now=NOW, project="web", environment="prod"
    )
    unscoped, _ = await tokens.create_token(db, kind="ingest", name="u", now=NOW)
    admin, _ = await tokens.create_token(db, kind="admin", name="a", now=NOW)
    assert scoped.client_id is not None
    assert scoped.client_id.startswith("ugc_")
    assert (unscoped.client_id, admin.client_id) == (None, None)

    principal = await tokens.authenticate_client_id(db, scoped.client_id, now=NOW)
    assert (principal.token_id, principal.project, principal.environment) == (
        scoped.id,
        "web",
        "prod",
    )
    assert tokens.sdk_scope(principal) == tokens.Scope("web", "prod")

    await tokens.revoke_token(db, token_id=scoped.id, now=NOW)
    with pytest.raises(Unauthorized):
        await tokens.authenticate_client_id(db, scoped.client_id, now=NOW)
    with pytest.raises(Unauthorized):
        await tokens.authenticate_client_id(db, "ugc_unknown", now=NOW)


def test_sdk_scope_refuses_other_tokens() -> None:
    for principal in (
        tokens.Principal(1, "a", "admin"),
        tokens.Principal(2, "i", "ingest"),
        tokens.Principal(3, "r", "read", "web", "prod"),
    ):
        with pytest.raises(Forbidden, match="scoped to a project and environment"):
            tokens.sdk_scope(principal)
