"""Attack: many clients post overlapping batches at once; none may fail, nothing may be lost.

8 clients x 10 batches, each of 30 evaluation records for one flag at 30 shuffled minutes
plus context records, half through the bulk API and half through the LaunchDarkly SDK
route, all at the same time. Every batch must be acknowledged (no 5xx) and the stored
totals must be exactly what was sent.
"""

import asyncio
import random
from collections import Counter
from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from gateway.keys import DATABASE
from resolvers.clock import epoch_ms
from storage.tables import MINUTE, QUARTER, ContextDay, EvaluationBucket
from tests.conftest import ADMIN, FakeClock
from tests.gateway.sdk_support import scoped_token

CLIENTS = 8
BATCHES = 10
MINUTES = 30
CONTEXTS_PER_BATCH = 10
CONTEXT_POOL = 40


def _bulk_batch(rng: random.Random, clock: FakeClock, sent: Counter[int]) -> dict[str, Any]:
    minutes = rng.sample(range(MINUTES), MINUTES)
    records: list[dict[str, Any]] = []
    for minute in minutes:
        count, variation = rng.randint(1, 9), rng.randint(0, 1)
        sent[minute] += count
        at = clock.now - timedelta(minutes=MINUTES - minute)
        records.append(
            {
                "type": "evaluation",
                "time": at.isoformat(),
                "project": "web",
                "environment": "production",
                "flag": "checkout",
                "variation": variation,
                "value": bool(variation),
                "count": count,
            }
        )
    for key in rng.sample(range(CONTEXT_POOL), CONTEXTS_PER_BATCH):
        records.append(
            {
                "type": "context",
                "time": clock.now.isoformat(),
                "contextKey": f"user-{key}",
                "project": "web",
                "environment": "production",
                "sdk": "Go",
                "sdkType": "server",
                "category": "backend",
            }
        )
    rng.shuffle(records)
    return {"records": records}


def _sdk_payload(rng: random.Random, clock: FakeClock, sent: Counter[int]) -> list[Any]:
    events: list[Any] = []
    for minute in rng.sample(range(MINUTES), MINUTES):
        count, variation = rng.randint(1, 9), rng.randint(0, 1)
        sent[minute] += count
        end = epoch_ms(clock.now - timedelta(minutes=MINUTES - minute))
        counter = {"variation": variation, "value": bool(variation), "count": count}
        events.append(
            {
                "kind": "summary",
                "startDate": end - 1000,
                "endDate": end,
                "features": {"checkout": {"counters": [counter]}},
            }
        )
    for key in rng.sample(range(CONTEXT_POOL), CONTEXTS_PER_BATCH):
        events.append(
            {
                "kind": "index",
                "creationDate": epoch_ms(clock.now),
                "context": {"kind": "user", "key": f"user-{key}"},
            }
        )
    rng.shuffle(events)
    return events


async def _client(
    client: TestClient[Any, Any], n: int, sdk_key: str, clock: FakeClock, sent: Counter[int]
) -> list[int]:
    rng = random.Random(n)
    statuses = []
    for b in range(BATCHES):
        if n % 2:
            response = await client.post(
                "/bulk",
                json=_sdk_payload(rng, clock, sent),
                headers={"Authorization": sdk_key, "User-Agent": "GoClient/7.1.0"},
            )
        else:
            response = await client.post(
                "/api/gateway/ingest",
                json=_bulk_batch(rng, clock, sent),
                headers={"Authorization": ADMIN, "Idempotency-Key": f"c{n}-b{b}"},
            )
        statuses.append(response.status)
        await response.read()
    return statuses


async def test_overlapping_batches_all_acknowledged_and_counted_once(
    client: TestClient[Any, Any], clock: FakeClock
) -> None:
    db = client.server.app[DATABASE]
    sdk_key, _ = await scoped_token(db, "web", "production")
    sent: Counter[int] = Counter()
    results = await asyncio.gather(
        *(_client(client, n, sdk_key, clock, sent) for n in range(CLIENTS))
    )
    statuses = Counter(s for batch in results for s in batch)
    assert statuses == {202: CLIENTS * BATCHES}

    b = EvaluationBucket
    async with db.session() as session:
        per_width = dict(
            (
                await session.execute(
                    select(b.width, func.sum(b.count)).where(b.flag == "checkout").group_by(b.width)
                )
            ).all()
        )
        contexts = (
            await session.execute(select(func.count(func.distinct(ContextDay.context_hash))))
        ).scalar_one()
    total = sum(sent.values())
    assert per_width == {MINUTE: total, QUARTER: total}
    assert contexts == CONTEXT_POOL
