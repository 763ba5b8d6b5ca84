"""Public client-side IDs of scoped ingest tokens, and SDK scopes."""

from datetime import UTC, datetime

import pytest

from resolvers import tokens
from resolvers.database import Database
from resolvers.errors import Forbidden, InvalidRequest, Unauthorized

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


async def test_existing_sdk_keys_and_client_side_ids_can_be_adopted(db: Database) -> None:
    sdk_key = "sdk-0c7f2a1e-5b7d-4a86-9d1e-2f3c4b5a6d7e"
    info, secret = await tokens.create_token(
        db,
        kind="ingest",
        name="ld",
        now=NOW,
        project="web",
        environment="prod",
        secret=sdk_key,
        client_id="5f1e2d3c4b5a69788796a5b4",
    )
    assert (secret, info.client_id) == (sdk_key, "5f1e2d3c4b5a69788796a5b4")
    assert (await tokens.authenticate(db, sdk_key, now=NOW)).token_id == info.id
    with pytest.raises(InvalidRequest, match="already exists"):
        await tokens.create_token(
            db, kind="ingest", name="again", now=NOW, project="web", environment="x", secret=sdk_key
        )
    with pytest.raises(InvalidRequest, match="client ID"):
        await tokens.create_token(db, kind="admin", name="a", now=NOW, client_id="c")
    with pytest.raises(InvalidRequest, match="at least 16"):
        await tokens.create_token(db, kind="read", name="r", now=NOW, secret="short")
