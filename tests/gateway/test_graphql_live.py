"""Subscriptions over graphql-transport-ws, fed by another gateway process on the same database."""

import asyncio
import contextlib
import json
import os
import socket
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from gateway.app import create_app
from gateway.keys import CLOCK, DATABASE
from gateway.settings import Settings
from resolvers import tokens
from resolvers.clock import system_clock
from schema.limits import Limits
from tests.conftest import ADMIN, ClientFactory, FakeClock
from tests.gateway.test_ingest import new_token

PROTOCOL = "graphql-transport-ws"
LIVE = """
subscription Live($minutes: Int!) {
  evaluationsLive(project: "web", environment: "prod", flag: "checkout", minutes: $minutes) {
    granularity from to
    series { labels { variation value } total times values }
  }
}
"""
WAIT_S = 20.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def live_client(aiohttp_client: ClientFactory, database_url: str) -> TestClient[Any, Any]:
    """The app on the real clock (records from the other process carry real times)."""
    settings = Settings(
        database_url=database_url, admin_token=ADMIN, graphql_live_poll_s=0.1, graphql_max_points=60
    )
    return await aiohttp_client(create_app(settings, clock=system_clock))


@contextlib.asynccontextmanager
async def second_gateway(database_url: str, workdir: Path) -> AsyncIterator[str]:
    """Run `gateway serve` in another process on the same database; yield its base URL."""
    port = free_port()
    env = os.environ | {"GATEWAY_DATABASE_URL": database_url, "GATEWAY_LOG_LEVEL": "WARNING"}
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "gateway"),
        "serve",
        "--port",
        str(port),
        cwd=workdir,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(600):  # 30 s: a start-up on a loaded 2-core machine
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"{base}/ready") as response:
                        if response.status == 200:
                            break
                await asyncio.sleep(0.05)
            else:
                pytest.fail("the second gateway did not start")
        yield base
    finally:
        process.terminate()  # our own child, by pid
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()


async def receive(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    while True:
        message = await asyncio.wait_for(ws.receive(), WAIT_S)
        if message.type is not aiohttp.WSMsgType.TEXT:
            return {"type": "closed", "code": ws.close_code}
        data: dict[str, Any] = json.loads(message.data)
        if data["type"] not in ("ping", "pong"):
            return data


def error_codes(message: dict[str, Any]) -> list[str]:
    """Return the codes of a refusal, sent as an `error` or as a `next` with errors."""
    assert message["type"] in ("error", "next"), message
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    return [e["extensions"]["code"] for e in errors]


async def subscribe(
    client: TestClient[Any, Any], token: str | None, variables: dict[str, Any]
) -> aiohttp.ClientWebSocketResponse:
    ws = await client.ws_connect("/graphql", protocols=[PROTOCOL])
    payload = {"Authorization": token} if token else {}
    await ws.send_json({"type": "connection_init", "payload": payload})
    ack = await receive(ws)
    if ack["type"] == "connection_ack":
        await ws.send_json(
            {"id": "1", "type": "subscribe", "payload": {"query": LIVE, "variables": variables}}
        )
    else:
        assert ack == {"type": "closed", "code": 4403}
    return ws


async def test_a_bucket_ingested_through_another_process_is_pushed(
    live_client: TestClient[Any, Any], database_url: str, tmp_path: Path
) -> None:
    ws = await subscribe(live_client, ADMIN, {"minutes": 5})
    first = await receive(ws)
    assert first["type"] == "next", first
    assert first["payload"]["data"]["evaluationsLive"]["granularity"] == "MINUTELY"
    assert first["payload"]["data"]["evaluationsLive"]["series"] == []

    async with second_gateway(database_url, tmp_path) as other:
        now = datetime.now(UTC)
        record = {
            "type": "evaluation",
            "time": now.isoformat(),
            "project": "web",
            "environment": "prod",
            "flag": "checkout",
            "variation": 1,
            "value": "on",
            "count": 7,
        }
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                f"{other}/api/gateway/ingest",
                json={"records": [record]},
                headers={"Authorization": ADMIN},
            ) as response,
        ):
            assert response.status == 202

        # A minute boundary also pushes (the window slides): wait for the bucket itself.
        while True:
            pushed = await receive(ws)
            assert pushed["type"] == "next", pushed
            live = pushed["payload"]["data"]["evaluationsLive"]
            if live["series"]:
                break
    [series] = live["series"]
    assert series["labels"] == {"variation": 1, "value": "on"}
    assert series["total"] == 7
    assert len(series["times"]) == len(series["values"]) == 5
    minute = now.replace(second=0, microsecond=0)
    assert series["values"][series["times"].index(minute.isoformat())] == 7
    await ws.close()


async def test_subscriptions_need_a_reading_token(live_client: TestClient[Any, Any]) -> None:
    ws = await subscribe(live_client, None, {"minutes": 5})
    await ws.close()
    ws = await subscribe(live_client, "wrong", {"minutes": 5})
    await ws.close()
    ingest = await new_token(live_client, "ingest")
    ws = await subscribe(live_client, ingest, {"minutes": 5})
    assert error_codes(await receive(ws)) == ["forbidden"]
    await ws.close()


async def test_a_live_series_beyond_the_points_limit_is_refused(
    live_client: TestClient[Any, Any],
) -> None:
    ws = await subscribe(live_client, ADMIN, {"minutes": 100})  # limit: 60 points
    assert error_codes(await receive(ws)) == ["too_many_points"]
    await ws.close()


async def send_subscribe(ws: aiohttp.ClientWebSocketResponse, op_id: str) -> None:
    payload = {"query": LIVE, "variables": {"minutes": 5}}
    await ws.send_json({"id": op_id, "type": "subscribe", "payload": payload})


async def receive_for(ws: aiohttp.ClientWebSocketResponse, op_id: str) -> dict[str, Any]:
    """Return the next message for one operation (other subscriptions keep pushing)."""
    while True:
        message = await receive(ws)
        if message.get("id") in (op_id, None):
            return message


async def test_one_connection_runs_a_bounded_number_of_subscriptions(
    live_client: TestClient[Any, Any],
) -> None:
    cap = Limits().max_subscriptions
    ws = await subscribe(live_client, ADMIN, {"minutes": 5})
    for n in range(2, cap + 1):
        await send_subscribe(ws, str(n))
    pushed = set()
    while len(pushed) < cap:
        message = await receive(ws)
        assert message["type"] == "next", message
        pushed.add(message["id"])
    await send_subscribe(ws, "over")
    refusal = await receive_for(ws, "over")
    assert refusal["type"] == "error"
    assert error_codes(refusal) == ["too_many_subscriptions"]
    # Completing one frees a place.
    await ws.send_json({"id": "1", "type": "complete"})
    await send_subscribe(ws, "again")
    assert (await receive_for(ws, "again"))["type"] == "next"
    await ws.close()


async def test_websockets_spend_the_token_rate_limit(
    aiohttp_client: ClientFactory, database_url: str, clock: FakeClock
) -> None:
    settings = Settings(
        database_url=database_url,
        admin_token=ADMIN,
        graphql_live_poll_s=0.1,
        rate_limit_per_minute=3,
    )
    client = await aiohttp_client(create_app(settings, clock=clock))
    ws = await subscribe(client, ADMIN, {"minutes": 5})  # spends 2: init, subscribe
    assert (await receive_for(ws, "1"))["type"] == "next"
    await send_subscribe(ws, "2")  # the 3rd
    assert (await receive_for(ws, "2"))["type"] == "next"
    await send_subscribe(ws, "3")
    refusal = await receive_for(ws, "3")
    assert refusal["type"] == "error"
    assert error_codes(refusal) == ["rate_limited"]
    await ws.close()

    ws = await client.ws_connect("/graphql", protocols=[PROTOCOL])
    await ws.send_json({"type": "connection_init", "payload": {"Authorization": ADMIN}})
    assert await receive(ws) == {"type": "closed", "code": 4429}
    await ws.close()

    clock.advance(minutes=1)  # a new window: the budget is back
    ws = await subscribe(client, ADMIN, {"minutes": 5})
    assert (await receive_for(ws, "1"))["type"] == "next"
    await ws.close()


async def test_a_revoked_token_ends_its_subscriptions(live_client: TestClient[Any, Any]) -> None:
    app = live_client.server.app
    info, secret = await tokens.create_token(
        app[DATABASE], kind="read", name="live", now=app[CLOCK]()
    )
    ws = await subscribe(live_client, f"Bearer {secret}", {"minutes": 5})
    assert (await receive(ws))["type"] == "next"
    await tokens.revoke_token(app[DATABASE], token_id=info.id, now=app[CLOCK]())
    # Within live_recheck_polls polls (0.1 s each here) the subscription ends, coded.
    ended = await receive(ws)
    assert error_codes(ended) == ["unauthorized"]
    assert (await receive(ws)) == {"id": "1", "type": "complete"}
    await send_subscribe(ws, "2")  # nor may the connection start anything new
    assert error_codes(await receive_for(ws, "2")) == ["unauthorized"]
    await ws.close()


async def test_the_legacy_graphql_ws_protocol_is_refused(
    live_client: TestClient[Any, Any],
) -> None:
    ws = await live_client.ws_connect("/graphql", protocols=["graphql-ws"])
    assert (await receive(ws))["type"] == "closed"
    assert ws.close_code == 4406


SCOPE = """
subscription {
  evaluationsLive(project: "web", minutes: 3, groupBy: [FLAG]) {
    granularity series { labels { flag variation } total times values }
  }
}
"""


async def test_a_scope_pushes_one_series_per_group(live_client: TestClient[Any, Any]) -> None:
    ws = await live_client.ws_connect("/graphql", protocols=[PROTOCOL])
    await ws.send_json({"type": "connection_init", "payload": {"Authorization": ADMIN}})
    assert (await receive(ws))["type"] == "connection_ack"
    await ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": SCOPE}})
    first = await receive(ws)
    assert first["payload"]["data"]["evaluationsLive"]["series"] == [], first
    now = datetime.now(UTC)
    records = [
        {
            "type": "evaluation",
            "time": now.isoformat(),
            "project": project,
            "environment": "prod",
            "flag": flag,
            "variation": 0,
            "count": count,
        }
        for project, flag, count in (
            ("web", "a", 2),
            ("web", "b", 5),
            ("web", "a", 1),
            ("app", "a", 9),
        )
    ]
    response = await live_client.post(
        "/api/gateway/ingest", json={"records": records}, headers={"Authorization": ADMIN}
    )
    assert response.status == 202
    while True:
        live = (await receive(ws))["payload"]["data"]["evaluationsLive"]
        if live["series"]:
            break
    assert live["granularity"] == "MINUTELY"
    assert [(s["labels"], s["total"]) for s in live["series"]] == [
        ({"flag": "b", "variation": None}, 5),
        ({"flag": "a", "variation": None}, 3),
    ]
    await ws.close()
