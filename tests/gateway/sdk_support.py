"""Helpers for tests that run real SDKs against a gateway on a real TCP port."""

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select

from gateway.app import create_app
from gateway.settings import Settings
from resolvers import tokens
from resolvers.clock import system_clock
from resolvers.database import Database
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


async def read_token(db: Database) -> str:
    """Return the secret of a new read token, the kind a dashboard would use."""
    _, secret = await tokens.create_token(db, kind="read", name="dashboard", now=system_clock())
    return secret


class UsageApi:
    """GET the LaunchDarkly usage shims of a running gateway over real HTTP."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url
        self.headers = {"Authorization": token, "LD-API-Version": "beta"}

    async def get(self, path: str, *params: tuple[str, str]) -> Any:
        """Return the JSON body of a 200 answer; repeated keys are several values."""
        url = f"{self.base_url}/api/v2/usage{path}"
        async with (
            aiohttp.ClientSession() as session,
            session.get(url, params=list(params), headers=self.headers) as response,
        ):
            assert response.status == 200, await response.text()
            return await response.json()

    async def status(self, path: str) -> int:
        """Return the status of a GET, for answers that are not 200."""
        url = f"{self.base_url}/api/v2/usage{path}"
        async with (
            aiohttp.ClientSession() as session,
            session.get(url, headers=self.headers) as response,
        ):
            return response.status

    async def totals(self, path: str, *params: tuple[str, str]) -> list[tuple[Any, int]]:
        """Return each series' metadata with the sum of its points (for counters)."""
        body = await self.get(path, *params)
        return [
            (meta, sum(point[str(i)] for point in body["series"]))
            for i, meta in enumerate(body["metadata"])
        ]

    async def latest(self, path: str, *params: tuple[str, str]) -> list[tuple[Any, int]]:
        """Return each series' metadata with its newest point (rolling MAU ends there)."""
        body = await self.get(path, *params)
        newest = body["series"][-1]
        return [(meta, newest[str(i)]) for i, meta in enumerate(body["metadata"])]

    async def peaks(self, path: str, *params: tuple[str, str]) -> list[tuple[Any, int]]:
        """Return each series' metadata with its largest point (for gauges)."""
        body = await self.get(path, *params)
        return [
            (meta, max(point[str(i)] for point in body["series"]))
            for i, meta in enumerate(body["metadata"])
        ]


async def graphql(base_url: str, token: str, query: str) -> dict[str, Any]:
    """POST one GraphQL operation over real HTTP; return the response body."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{base_url}/graphql", json={"query": query}, headers={"Authorization": token}
        ) as response,
    ):
        assert response.status == 200, await response.text()
        body: dict[str, Any] = await response.json()
        return body


def newest(usage_series: Any, *labels: str) -> list[tuple[dict[str, Any], float]]:
    """Return each GraphQL series' chosen labels with its newest value."""
    return [
        ({name: s["labels"][name] for name in labels}, s["values"][-1])
        for s in usage_series["series"]
    ]


def totals(usage_series: Any, *labels: str) -> list[tuple[dict[str, Any], float]]:
    """Return each GraphQL series' chosen labels with its total."""
    return [
        ({name: s["labels"][name] for name in labels}, s["total"]) for s in usage_series["series"]
    ]
