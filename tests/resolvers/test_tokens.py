"""Token rules that need no HTTP: ensuring the configured admin token."""

from datetime import UTC, datetime

import pytest

from resolvers import tokens
from resolvers.database import Database
from resolvers.errors import Forbidden, InvalidRequest

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


async def test_ensure_token_creates_once_and_refuses_a_revoked_secret(db: Database) -> None:
    await tokens.ensure_token(db, secret="s3", kind="admin", name="GATEWAY_ADMIN_TOKEN", now=NOW)
    await tokens.ensure_token(db, secret="s3", kind="admin", name="GATEWAY_ADMIN_TOKEN", now=NOW)
    (only,) = await tokens.list_tokens(db)
    await tokens.revoke_token(db, token_id=only.id, now=NOW)
    with pytest.raises(InvalidRequest, match="revoked"):
        await tokens.ensure_token(
            db, secret="s3", kind="admin", name="GATEWAY_ADMIN_TOKEN", now=NOW
        )
    with pytest.raises(tokens.Unauthorized):
        await tokens.authenticate(db, "s3", now=NOW)


async def test_ensure_token_refuses_a_secret_of_another_kind(db: Database) -> None:
    await tokens.ensure_token(db, secret="r", kind="read", name="reader", now=NOW)
    with pytest.raises(InvalidRequest, match="read token, not admin"):
        await tokens.ensure_token(db, secret="r", kind="admin", name="GATEWAY_ADMIN_TOKEN", now=NOW)


def test_forbidden_message_names_both_kinds_with_the_right_article() -> None:
    principal = tokens.Principal(1, "n", "ingest")
    with pytest.raises(
        Forbidden, match=r"^an ingest token cannot do this; it needs an admin or read token$"
    ):
        tokens.require(principal, "admin", "read")


@pytest.mark.parametrize("kind", ["admin", "read"])
async def test_only_ingest_tokens_take_a_scope(db: Database, kind: str) -> None:
    with pytest.raises(InvalidRequest, match="only ingest tokens take a project and environment"):
        await tokens.create_token(
            db, kind=kind, name="x", now=NOW, project="web", environment="production"
        )
    assert await tokens.list_tokens(db) == []


async def test_the_demo_token_is_reused_while_live_and_replaced_once_revoked(
    db: Database,
) -> None:
    first, new = await tokens.demo_token(db, remembered=None, now=NOW)
    assert new
    assert await tokens.demo_token(db, remembered=first, now=NOW) == (first, False)
    # A lost secret file: a new token, and the old one is revoked, never two live ones.
    second, new = await tokens.demo_token(db, remembered=None, now=NOW)
    assert new and second != first
    live = [t for t in await tokens.list_tokens(db) if t.revoked_at is None]
    assert [t.name for t in live] == ["demo"]
    with pytest.raises(tokens.Unauthorized):
        await tokens.authenticate(db, first, now=NOW)
