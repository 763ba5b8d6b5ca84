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
