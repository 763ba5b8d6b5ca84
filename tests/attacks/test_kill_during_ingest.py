"""Attack: ``kill -9`` of a real ``gateway serve`` while clients ingest with Idempotency-Key.

Two gateway processes share the database, as in a deployment. Each round, 6 clients post
batches to both (each batch with its own key and its own variation, so its count can be
found again), and one of them, the victim, is killed with SIGKILL mid-stream while the
other goes on writing. Its replacement (started beforehand, since a start takes seconds)
then receives every batch of the round again, acknowledged or not: each answer must
carry the batch's size. In the end each batch's count must be stored exactly once,
whether its first try was acknowledged, lost in flight, or never arrived.
"""

import asyncio
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from sqlalchemy import func, select

from storage.engine import Database
from storage.tables import MINUTE, QUARTER, EvaluationBucket, IngestBatch
from tests.attacks.conftest import GatewayFactory
from tests.conftest import ADMIN

ROUNDS = 3
CLIENTS = 6
RECORDS = 20


@dataclass
class Batch:
    key: str
    variation: int
    body: dict[str, Any]
    count: int
    acknowledged: int | None = None  # "accepted" of the first 202, if one came


def make_batch(rng: random.Random, variation: int) -> Batch:
    # Recent times: minute buckets older than the retention are pruned at start.
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    records = []
    for _ in range(RECORDS):
        n = rng.randint(1, 50)
        records.append(
            {
                "type": "evaluation",
                "time": (hour + timedelta(minutes=rng.randrange(60))).isoformat(),
                "project": "web",
                "environment": "production",
                "flag": "killed",
                "variation": variation,
                "count": n,
            }
        )
    total = sum(r["count"] for r in records)
    return Batch(f"kill-{variation}", variation, {"records": records}, total)


async def post(session: aiohttp.ClientSession, url: str, batch: Batch) -> int:
    """Return the accepted count of a 202, or raise on any other outcome."""
    async with session.post(
        f"{url}/api/gateway/ingest",
        json=batch.body,
        headers={"Authorization": ADMIN, "Idempotency-Key": batch.key},
    ) as response:
        body = await response.json()
        assert response.status == 202, (response.status, body)
        return int(body["accepted"])


@dataclass
class Door:
    """Where clients post, what they sent there, and a count of its acknowledgements."""

    url: str
    sent: list[Batch]
    acks: asyncio.Semaphore


async def client(door: Door, rng: random.Random, first: int, stop: asyncio.Event) -> None:
    """Post batches until the server disappears or ``stop`` is set."""
    async with aiohttp.ClientSession() as session:
        for n in range(1000):
            if stop.is_set():
                return
            batch = make_batch(rng, first + n)
            door.sent.append(batch)
            try:
                batch.acknowledged = await post(session, door.url, batch)
                door.acks.release()
            except (aiohttp.ClientError, ConnectionError):
                return  # killed: this batch's fate is unknown


async def stored(database_url: str) -> tuple[dict[int, int], dict[int, int], int]:
    """Return counts per variation (minute and quarter buckets) and the batch records."""
    b = EvaluationBucket
    db = Database(database_url)
    try:
        async with db.session() as session:
            per_width = []
            for width in (MINUTE, QUARTER):
                rows = await session.execute(
                    select(b.variation, func.sum(b.count))
                    .where(b.flag == "killed", b.width == width)
                    .group_by(b.variation)
                )
                per_width.append({int(v): int(n) for v, n in rows})
            batches = await session.execute(select(func.count()).select_from(IngestBatch))
            return per_width[0], per_width[1], int(batches.scalar_one())
    finally:
        await db.dispose()


async def resend(url: str, batches: list[Batch]) -> None:
    """Send every batch again; each answer must be the batch's size, acknowledged or not."""

    async def one(session: aiohttp.ClientSession, batch: Batch) -> None:
        accepted = await post(session, url, batch)
        assert accepted == RECORDS
        assert batch.acknowledged in (None, accepted)

    async with aiohttp.ClientSession() as session:
        for start in range(0, len(batches), CLIENTS):
            await asyncio.gather(*(one(session, b) for b in batches[start : start + CLIENTS]))


async def test_every_acknowledged_batch_survives_kill_9_exactly_once(
    database_url: str, gateways: GatewayFactory
) -> None:
    rng = random.Random(9)
    survivor = gateways(database_url, "survivor")
    victims = [gateways(database_url, f"victim-{n}") for n in range(ROUNDS + 1)]
    await asyncio.gather(survivor.start(), *(victim.start() for victim in victims))
    everything: list[Batch] = []
    for round_ in range(ROUNDS):
        victim, replacement = victims[round_], victims[round_ + 1]
        doors = [
            Door(victim.url, [], asyncio.Semaphore(0)),
            Door(survivor.url, [], asyncio.Semaphore(0)),
        ]
        stop = asyncio.Event()
        running = asyncio.gather(
            *(
                client(doors[c % 2], rng, (round_ * CLIENTS + c) * 1000, stop)
                for c in range(CLIENTS)
            )
        )
        async with asyncio.timeout(30):
            for _ in range(3):
                await doors[0].acks.acquire()
        await asyncio.sleep(rng.uniform(0, 0.5))
        victim.kill()
        stop.set()
        await running
        to_victim, to_survivor = doors[0].sent, doors[1].sent
        # The kill came while batches were being acknowledged; the other process never failed.
        assert 0 < sum(b.acknowledged is not None for b in to_victim) < len(to_victim)
        assert all(b.acknowledged == RECORDS for b in to_survivor)

        await resend(replacement.url, to_victim + to_survivor)
        everything += to_victim + to_survivor

    expected = {b.variation: b.count for b in everything}
    assert await stored(database_url) == (expected, expected, len(everything))
