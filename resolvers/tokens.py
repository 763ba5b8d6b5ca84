"""API tokens: issue, authenticate, authorize, revoke. Only digests are stored."""

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from resolvers.database import Database, Session
from resolvers.errors import Forbidden, InvalidRequest, NotFound, Unauthorized
from resolvers.vocabulary import TokenKind, values
from storage import tokens as token_rows
from storage.errors import Conflict
from storage.tables import ApiToken

KINDS = values(TokenKind)
# Writing last_used_at on every request would make each read a write; a minute is
# precise enough for "is this token still in use?".
_TOUCH_EVERY = timedelta(minutes=1)
MIN_SECRET = 16
MAX_CLIENT_ID = 64


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a live token's identity and scope."""

    token_id: int
    name: str
    kind: str
    project: str | None = None
    environment: str | None = None


@dataclass(frozen=True, slots=True)
class Scope:
    """Where an SDK's data belongs: the project and environment of its ingest token."""

    project: str
    environment: str


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A token as listed to an admin (never the secret)."""

    id: int
    name: str
    kind: str
    project: str | None
    environment: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    client_id: str | None = None


def hash_secret(secret: str) -> str:
    """Return the stored digest of a token secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret(kind: str) -> str:
    """Return a fresh high-entropy secret; the prefix makes leaked tokens easy to spot."""
    return f"ug_{kind}_{secrets.token_urlsafe(30)}"


def new_client_id() -> str:
    """Return a fresh public client-side ID (not a secret: browsers put it in URLs)."""
    return f"ugc_{secrets.token_hex(12)}"


def _principal(row: ApiToken) -> Principal:
    assert row.id is not None
    return Principal(row.id, row.name, row.kind, row.project, row.environment)


def _info(row: ApiToken) -> TokenInfo:
    assert row.id is not None
    return TokenInfo(
        row.id,
        row.name,
        row.kind,
        row.project,
        row.environment,
        row.created_at,
        row.last_used_at,
        row.revoked_at,
        row.client_id,
    )


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise InvalidRequest(f"token type must be one of {', '.join(KINDS)}, not {kind!r}")


async def create_token(
    db: Database,
    *,
    kind: str,
    name: str,
    now: datetime,
    project: str | None = None,
    environment: str | None = None,
    secret: str | None = None,
    client_id: str | None = None,
) -> tuple[TokenInfo, str]:
    """Issue a token; return its description and the secret, which is shown only now.

    ``secret`` and ``client_id`` adopt existing credentials (a LaunchDarkly SDK key and
    client-side ID) so that SDKs keep their keys and only send events here.
    """
    _check_kind(kind)
    if (project is None) != (environment is None):
        raise InvalidRequest("a token scope needs both a project and an environment")
    if project is not None and kind != "ingest":
        # Admin and read tokens see every project: a scope on them would look like a
        # restriction that nothing enforces.
        raise InvalidRequest(
            f"only ingest tokens take a project and environment; {_article(kind)} {kind} "
            "token reaches every project: drop the project and environment"
        )
    scoped_ingest = kind == "ingest" and project is not None
    if client_id is not None and not scoped_ingest:
        raise InvalidRequest("only an ingest token with a project and environment has a client ID")
    if secret is not None and len(secret.strip()) < MIN_SECRET:
        raise InvalidRequest(f"a token secret needs at least {MIN_SECRET} characters")
    if client_id is not None and not 0 < len(client_id) <= MAX_CLIENT_ID:
        raise InvalidRequest(f"a client ID needs 1 to {MAX_CLIENT_ID} characters")
    secret = secret.strip() if secret is not None else new_secret(kind)
    # Only a scoped ingest token stands for one environment, as an SDK key does.
    if scoped_ingest and client_id is None:
        client_id = new_client_id()
    try:
        async with db.session() as session:
            row = await token_rows.insert_token(
                session,
                name=name,
                kind=kind,
                secret_hash=hash_secret(secret),
                created_at=now,
                project=project,
                environment=environment,
                client_id=client_id,
            )
    except Conflict:
        raise InvalidRequest("a token with this secret or client ID already exists") from None
    return _info(row), secret


async def ensure_token(db: Database, *, secret: str, kind: str, name: str, now: datetime) -> None:
    """Make sure a live token of ``kind`` with this secret exists (for GATEWAY_ADMIN_TOKEN).

    A matching token that was revoked or is of another kind is an error, not something to
    repair silently: revocation is a security decision, so the operator must pick a new secret.
    """
    _check_kind(kind)
    try:
        await _ensure_token(db, secret=secret, kind=kind, name=name, now=now)
    except Conflict:
        # Another process starting at the same moment inserted it first: check theirs.
        await _ensure_token(db, secret=secret, kind=kind, name=name, now=now)


async def _ensure_token(db: Database, *, secret: str, kind: str, name: str, now: datetime) -> None:
    async with db.session() as session:
        row = await token_rows.token_by_hash(session, secret_hash=hash_secret(secret))
        if row is None:
            await token_rows.insert_token(
                session, name=name, kind=kind, secret_hash=hash_secret(secret), created_at=now
            )
        elif row.revoked_at is not None:
            raise InvalidRequest(f"the {name} secret belongs to a revoked token; choose a new one")
        elif row.kind != kind:
            raise InvalidRequest(f"the {name} secret belongs to a {row.kind} token, not {kind}")


DEMO_NAME = "demo"


async def demo_token(db: Database, *, remembered: str | None, now: datetime) -> tuple[str, bool]:
    """Return the demo admin secret and whether it is new.

    The remembered secret is reused while it is a live admin token named ``demo``;
    otherwise a new one is issued and every other live demo token is revoked, so
    restarts of ``serve --demo`` never pile up admin tokens.
    """
    async with db.session() as session:
        if remembered:
            row = await token_rows.token_by_hash(session, secret_hash=hash_secret(remembered))
            if row and row.revoked_at is None and row.kind == "admin" and row.name == DEMO_NAME:
                return remembered, False
        for row in await token_rows.list_tokens(session):
            if row.name == DEMO_NAME and row.kind == "admin" and row.revoked_at is None:
                assert row.id is not None
                await token_rows.revoke_token(session, token_id=row.id, at=now)
        secret = new_secret("admin")
        await token_rows.insert_token(
            session, name=DEMO_NAME, kind="admin", secret_hash=hash_secret(secret), created_at=now
        )
    return secret, True


async def authenticate(db: Database, secret: str | None, *, now: datetime) -> Principal:
    """Return the principal of a live token, or raise Unauthorized.

    A token the database vouched for less than ``db``'s cache lifetime ago is not looked
    up again, unless a token was revoked through this process (or a sibling worker) since.
    """
    if not secret:
        raise Unauthorized("no API token was given")
    digest = hash_secret(secret)
    known = db.recent_tokens.get(digest, now=now)
    if known is not None:
        return known
    generation = db.recent_tokens.generation()
    async with db.session() as session:
        row = await token_rows.token_by_hash(session, secret_hash=digest)
        principal = await _live(session, row, now, "the API token is unknown or revoked")
    db.recent_tokens.keep(digest, principal, now=now, generation=generation)
    return principal


async def authenticate_client_id(db: Database, client_id: str, *, now: datetime) -> Principal:
    """Return the principal of the live token with this public client-side ID (cached alike)."""
    key = f"client-id:{client_id}"  # never a digest: those are 64 hex digits
    known = db.recent_tokens.get(key, now=now)
    if known is not None:
        return known
    generation = db.recent_tokens.generation()
    async with db.session() as session:
        row = await token_rows.token_by_client_id(session, client_id=client_id)
        principal = await _live(session, row, now, "the client-side ID is unknown or revoked")
    db.recent_tokens.keep(key, principal, now=now, generation=generation)
    return principal


async def _live(session: Session, row: ApiToken | None, now: datetime, why: str) -> Principal:
    if row is None or row.revoked_at is not None:
        raise Unauthorized(why)
    if row.last_used_at is None or now - row.last_used_at >= _TOUCH_EVERY:
        assert row.id is not None
        await token_rows.touch_token(session, token_id=row.id, at=now)
    return _principal(row)


def sdk_scope(principal: Principal) -> Scope:
    """Return the scope of an SDK's key, or raise Forbidden unless it is a scoped ingest token."""
    if principal.kind != "ingest" or principal.project is None or principal.environment is None:
        raise Forbidden(
            "SDKs need an ingest token scoped to a project and environment "
            "(gateway tokens create --type ingest --project P --environment E)"
        )
    return Scope(principal.project, principal.environment)


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def require(principal: Principal, *kinds: str) -> None:
    """Raise Forbidden unless the principal's token is of one of ``kinds``."""
    if principal.kind not in kinds:
        raise Forbidden(
            f"{_article(principal.kind)} {principal.kind} token cannot do this; it needs "
            f"{_article(kinds[0])} {' or '.join(kinds)} token"
        )


async def list_tokens(db: Database) -> Sequence[TokenInfo]:
    """Return every token, revoked ones included, oldest first."""
    async with db.session() as session:
        return [_info(row) for row in await token_rows.list_tokens(session)]


async def revoke_token(db: Database, *, token_id: int, now: datetime) -> None:
    """Revoke a live token, or raise NotFound."""
    async with db.session() as session:
        if not await token_rows.revoke_token(session, token_id=token_id, at=now):
            raise NotFound(f"no live token has id {token_id}")
