"""Helpers for tests that run real SDKs against a gateway on a real TCP port."""

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp.test_utils import TestServer
from sqlalchemy import func, select

from gateway.app import create_app
from gateway.settings import Settings
from resolvers import tokens
from resolvers.clock import system_clock
from storage.engine import Database
from storage.tables import MINUTE, ContextDay, EvaluationBucket

ServerFactory = Callable[..., Awaitable[TestServer]]


async def start_gateway(aiohttp_server: ServerFactory, settings: Settings) -> str:
    """Start the real app (real clock: SDKs stamp events with real time); return its URL."""
    server = await aiohttp_server(create_app(settings))
    return str(server.make_url("")).rstrip("/")


async def scoped_token(db: Database, project: str, environment: str) -> tuple[str, str]:
    """Return the secret and client-side ID of a new scoped ingest token."""
    info, secret = await tokens.create_token(
        db,
        kind="ingest",
        name="sdk",
        now=system_clock(),
        project=project,
        environment=environment,
    )
    assert info.client_id is not None
    return secret, info.client_id


async def evaluation_counts(db: Database) -> dict[tuple[Any, ...], int]:
    """Return evaluations summed over minute buckets, by project, env, flag, variation, SDK."""
    b = EvaluationBucket
    columns = (b.project, b.environment, b.flag, b.variation, b.sdk, b.sdk_version)
    async with db.session() as session:
        rows = await session.execute(
            select(*columns, func.sum(b.count)).where(b.width == MINUTE).group_by(*columns)
        )
        return {tuple(row[:-1]): int(row[-1]) for row in rows}


async def contexts_seen(db: Database) -> set[tuple[Any, ...]]:
    """Return the distinct MAU dimension rows stored (hash, kind, anonymous, …)."""
    c = ContextDay
    async with db.session() as session:
        rows = await session.execute(
            select(
                c.context_hash,
                c.context_kind,
                c.anonymous,
                c.project,
                c.environment,
                c.sdk,
                c.sdk_type,
                c.category,
            ).distinct()
        )
        return {tuple(row) for row in rows}
