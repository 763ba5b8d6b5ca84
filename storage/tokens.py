"""API token rows: only SHA-256 digests of secrets are ever stored."""

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import col, select, update

from storage.engine import Session
from storage.generations import Topic, note_write
from storage.tables import ApiToken


async def insert_token(
    session: Session,
    *,
    name: str,
    kind: str,
    secret_hash: str,
    created_at: datetime,
    project: str | None = None,
    environment: str | None = None,
    client_id: str | None = None,
) -> ApiToken:
    """Store a new token and return it with its id."""
    token = ApiToken(
        name=name,
        kind=kind,
        secret_hash=secret_hash,
        created_at=created_at,
        project=project,
        environment=environment,
        client_id=client_id,
    )
    session.add(token)
    await session.flush()
    return token


async def token_by_hash(session: Session, *, secret_hash: str) -> ApiToken | None:
    """Return the token whose secret hashes to ``secret_hash``, revoked or not."""
    result = await session.execute(select(ApiToken).where(ApiToken.secret_hash == secret_hash))
    return result.scalars().first()


async def token_by_client_id(session: Session, *, client_id: str) -> ApiToken | None:
    """Return the token with this public client-side ID, revoked or not."""
    result = await session.execute(select(ApiToken).where(ApiToken.client_id == client_id))
    return result.scalars().first()


async def list_tokens(session: Session) -> Sequence[ApiToken]:
    """Return every token, oldest first."""
    result = await session.execute(select(ApiToken).order_by(col(ApiToken.id)))
    return result.scalars().all()


async def revoke_token(session: Session, *, token_id: int, at: datetime) -> bool:
    """Mark a live token revoked; return whether one was."""
    note_write(session, Topic.TOKENS)
    result = await session.execute(
        update(ApiToken)
        .where(col(ApiToken.id) == token_id, col(ApiToken.revoked_at).is_(None))
        .values(revoked_at=at)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def touch_token(session: Session, *, token_id: int, at: datetime) -> None:
    """Record that a token was used at ``at``."""
    await session.execute(
        update(ApiToken).where(col(ApiToken.id) == token_id).values(last_used_at=at)
    )
