"""The collector against real HTTP upstreams: our own gateway, and broken servers."""

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from gateway.app import create_app
from gateway.keys import DATABASE, UPSTREAMS
from gateway.settings import Settings
from gateway.upstream import HttpStatisticsFetcher
from resolvers import collector, statistics, upstreams
from resolvers.database import Database
from resolvers.upstreams import Upstream
from tests.conftest import ADMIN, ClientFactory, FakeClock, auth
from tests.statistics_samples import fresh_document, rich_document

UPSTREAM_SECRET = "upstream-admin-secret"
ServerFactory = Callable[..., Awaitable[TestServer]]


@pytest.fixture
async def unleash(aiohttp_server: ServerFactory, tmp_path: Path) -> TestServer:
    """A second gateway on its own SQLite file, serving the rich document as Unleash would."""
    settings = Settings(database_url=str(tmp_path / "upstream.db"), admin_token=UPSTREAM_SECRET)
    server = await aiohttp_server(create_app(settings))
    async with aiohttp.ClientSession() as session:
        response = await session.post(
            server.make_url("/api/gateway/ingest"),
            json={"records": [{"type": "statistics", "document": rich_document()}]},
            headers={"Authorization": UPSTREAM_SECRET},
        )
        assert response.status == 202
    return server


@pytest.fixture
async def fetcher() -> AsyncIterator[HttpStatisticsFetcher]:
    async with aiohttp.ClientSession() as session:
        yield HttpStatisticsFetcher(session)


def base_url(server: TestServer) -> str:
    return str(server.make_url("")).rstrip("/")


async def serve(aiohttp_server: ServerFactory, handler: Any) -> TestServer:
    app = web.Application()
    app.router.add_get("/api/admin/instance-admin/statistics", handler)
    return await aiohttp_server(app)


async def test_pulls_a_document_from_a_real_unleash_route(
    db: Database, clock: FakeClock, unleash: TestServer, fetcher: HttpStatisticsFetcher
) -> None:
    upstream = Upstream("eu", base_url(unleash), UPSTREAM_SECRET)
    outcome = await collector.collect_once(db, fetcher, upstream, clock=clock, timeout_s=5)
    assert outcome.ok, outcome.error
    stored = await statistics.current_statistics(db)
    assert list(stored.fields.items()) == list(rich_document().items())
    [state] = await upstreams.upstream_states(db)
    assert (state.last_success_at, state.last_error) == (clock(), None)


async def test_a_wrong_token_is_a_recorded_401(
    db: Database, clock: FakeClock, unleash: TestServer, fetcher: HttpStatisticsFetcher
) -> None:
    upstream = Upstream("eu", base_url(unleash), "wrong")
    outcome = await collector.collect_once(db, fetcher, upstream, clock=clock, timeout_s=5)
    assert outcome.error is not None
    assert outcome.error.startswith("HTTP 401: ")
    assert "You must log in to use Unleash." in outcome.error
    [state] = await upstreams.upstream_states(db)
    assert (state.last_error, state.consecutive_failures) == (outcome.error, 1)


async def test_an_upstream_that_does_not_answer_in_time(
    db: Database, clock: FakeClock, aiohttp_server: ServerFactory, fetcher: HttpStatisticsFetcher
) -> None:
    release = asyncio.Event()

    async def stall(request: web.Request) -> web.Response:
        await release.wait()
        return web.json_response(fresh_document())

    server = await serve(aiohttp_server, stall)
    upstream = Upstream("slow", base_url(server))
    try:
        outcome = await collector.collect_once(db, fetcher, upstream, clock=clock, timeout_s=0.2)
    finally:
        release.set()
    assert (outcome.error, outcome.failures) == ("no answer within 0.2 s", 1)
    assert await statistics.statistics_at(db) is None


def _answer(status: int, body: str, content_type: str = "application/json") -> Any:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=status, text=body, content_type=content_type)

    return handler


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (500, '{"message":"boom"}', 'HTTP 500: {"message":"boom"}'),
        (200, "<html><body>Sign in</body></html>", "answer is not JSON: "),
        (200, "[]", "answer is not a valid statistics document: "),
        (
            200,
            json.dumps(fresh_document() | {"featureToggles": 1}),
            "answer is not a valid statistics document: sum does not match",
        ),
    ],
)
async def test_broken_upstreams_are_rejected_and_reported(
    db: Database,
    clock: FakeClock,
    aiohttp_server: ServerFactory,
    fetcher: HttpStatisticsFetcher,
    status: int,
    body: str,
    error: str,
) -> None:
    server = await serve(aiohttp_server, _answer(status, body))
    upstream = Upstream("broken", base_url(server), "t")
    outcome = await collector.collect_once(db, fetcher, upstream, clock=clock, timeout_s=5)
    assert outcome.error is not None
    assert outcome.error.startswith(error)
    [state] = await upstreams.upstream_states(db)
    assert (state.last_error, state.last_success_at) == (outcome.error, None)
    assert await statistics.statistics_at(db) is None  # nothing stored


async def test_an_unreachable_upstream(
    db: Database, clock: FakeClock, fetcher: HttpStatisticsFetcher
) -> None:
    upstream = Upstream("gone", "http://127.0.0.1:9")
    outcome = await collector.collect_once(db, fetcher, upstream, clock=clock, timeout_s=2)
    assert outcome.error is not None
    assert outcome.error.startswith("request failed: ClientConnectorError")


async def test_the_app_collects_on_a_schedule_and_survives_a_broken_upstream(
    aiohttp_client: ClientFactory,
    aiohttp_server: ServerFactory,
    database_url: str,
    unleash: TestServer,
) -> None:
    broken = await serve(aiohttp_server, _answer(500, "down"))
    settings = Settings(
        database_url=database_url,
        admin_token=ADMIN,
        unleash_upstreams=(f"eu={base_url(unleash)}", f"bad={base_url(broken)}"),
        unleash_upstream_tokens=f"eu={UPSTREAM_SECRET},bad=x",
        unleash_collect_interval_s=0.05,
        unleash_collect_backoff_max_s=0.1,
    )
    client = await aiohttp_client(create_app(settings))
    expected = await (
        await client.session.get(
            unleash.make_url("/api/admin/instance-admin/statistics"),
            headers={"Authorization": UPSTREAM_SECRET},
        )
    ).text()
    app = client.server.app
    for _ in range(200):
        states = await upstreams.upstream_states(app[DATABASE], configured=app[UPSTREAMS])
        if all(s.last_attempt_at for s in states) and states[0].consecutive_failures >= 2:
            break
        await asyncio.sleep(0.05)
    bad, eu = states
    assert (bad.name, bad.last_success_at, bad.last_error) == ("bad", None, "HTTP 500: down")
    assert bad.consecutive_failures >= 2
    assert (eu.name, eu.consecutive_failures, eu.last_error) == ("eu", 0, None)
    response = await client.get("/api/admin/instance-admin/statistics", headers=auth())
    assert (response.status, await response.text()) == (200, expected)


def test_malformed_upstream_settings_fail_at_start() -> None:
    settings = Settings(unleash_upstreams=("eu=nonsense",))
    with pytest.raises(ValueError, match="GATEWAY_UNLEASH_UPSTREAMS"):
        create_app(settings)
