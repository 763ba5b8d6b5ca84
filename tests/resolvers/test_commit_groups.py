"""Group commit: batches stored at the same time share a transaction, and its outcome.

Batches gathered in one step of the event loop all join one group (each is validated and
queued before the group starts), so these tests know which batches were grouped. Failures
are real: a trigger that makes the database run a statement past its timeout (a database
that stops answering mid-group), or refuse one batch's row (a bad record).
"""

import asyncio
import random
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text

from resolvers import ingestion, records, tokens
from resolvers.database import Database, Timeouts
from resolvers.errors import Unavailable
from resolvers.tokens import Principal
from storage.errors import Conflict
from storage.tables import MINUTE, ContextDay, EvaluationBucket, FlagVariation, IngestBatch

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
POISON = "poison"

# A statement that runs until interrupted: SQLite triggers allow no recursive CTE, so it
# counts a four-way cross join of a 1,000-row table (10^12 rows).
SQLITE_STALL = [
    "CREATE TABLE spin (x INTEGER)",
    "CREATE TRIGGER poison_row BEFORE INSERT ON flag_variations WHEN NEW.flag = 'poison' "
    "BEGIN SELECT count(*) FROM spin a, spin b, spin c, spin d; END",
]
SQLITE_REFUSE = [
    "CREATE TRIGGER poison_row BEFORE INSERT ON flag_variations WHEN NEW.flag = 'poison' "
    "BEGIN SELECT RAISE(ABORT, 'poison refused'); END",
]
PG_STALL = [
    "CREATE FUNCTION poison_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF NEW.flag = 'poison' THEN PERFORM pg_sleep(60); END IF; RETURN NEW; END $$",
    "CREATE TRIGGER poison_row BEFORE INSERT ON flag_variations FOR EACH ROW "
    "EXECUTE FUNCTION poison_row()",
]
PG_REFUSE = [
    "CREATE FUNCTION poison_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF NEW.flag = 'poison' THEN RAISE EXCEPTION 'poison refused' "
    "USING ERRCODE = 'check_violation'; END IF; RETURN NEW; END $$",
    "CREATE TRIGGER poison_row BEFORE INSERT ON flag_variations FOR EACH ROW "
    "EXECUTE FUNCTION poison_row()",
]
PG_CLEANUP = [
    "DROP TRIGGER IF EXISTS poison_row ON flag_variations",
    "DROP FUNCTION IF EXISTS poison_row()",
]


@pytest.fixture
async def quick_db(database_url: str) -> AsyncIterator[Database]:
    """The test database with a 1 s statement timeout, so that a stall ends soon."""
    database = Database(database_url, timeouts=Timeouts(statement_s=1.0))
    yield database
    if database.dialect == "postgresql":
        await _run(database, PG_CLEANUP)
    await database.dispose()


async def _run(db: Database, statements: list[str]) -> None:
    async with db.connection() as conn:
        for statement in statements:
            await conn.exec_driver_sql(statement)
        if db.dialect == "sqlite" and statements is SQLITE_STALL:
            await conn.exec_driver_sql("INSERT INTO spin SELECT 1 FROM (SELECT 1)")
            for _ in range(10):  # 2^10 rows
                await conn.exec_driver_sql("INSERT INTO spin SELECT x FROM spin")


async def _principal(db: Database) -> Principal:
    await tokens.ensure_token(db, secret="ingester-secret", kind="ingest", name="i", now=NOW)
    return await tokens.authenticate(db, "ingester-secret", now=NOW)


def _batch(rng: random.Random, flag: str, sent: Counter[tuple[str, int]]) -> list[Any]:
    """Evaluations of ``flag`` at 20 minutes in a shuffled order, and 5 contexts."""
    raw: list[dict[str, Any]] = []
    for minute in rng.sample(range(20), 20):
        count = rng.randint(1, 50)
        sent[(flag, minute)] += count
        at = NOW - timedelta(minutes=20 - minute)
        raw.append(
            {"type": "evaluation", "time": at.isoformat(), "project": "web",
             "environment": "production", "flag": flag, "variation": rng.randint(0, 1),
             "value": True, "count": count}
        )  # fmt: skip
    for key in rng.sample(range(12), 5):
        raw.append(
            {"type": "context", "time": NOW.isoformat(), "contextKey": f"user-{key}",
             "project": "web", "environment": "production", "sdk": "Go",
             "sdkType": "server", "category": "backend"}
        )  # fmt: skip
    rng.shuffle(raw)
    return records.parse_records(raw, now=NOW)


async def _stored(db: Database) -> Counter[tuple[str, int]]:
    """Stored minute-bucket evaluations per flag and minute (minutes as in ``_batch``)."""
    first = int((NOW - timedelta(minutes=20)).timestamp())
    query = (
        select(EvaluationBucket.flag, EvaluationBucket.start, func.sum(EvaluationBucket.count))
        .where(EvaluationBucket.width == MINUTE)
        .group_by(EvaluationBucket.flag, EvaluationBucket.start)
    )
    async with db.session() as session:
        rows = (await session.execute(query)).all()
    return Counter({(flag, (start - first) // 60): total for flag, start, total in rows})


def _contexts(batches: list[list[Any]]) -> int:
    """How many distinct contexts the batches saw (all on one day, with one set of labels)."""
    return len({r.context_key for b in batches for r in b if isinstance(r, records.Context)})


async def _count(db: Database, model: Any) -> int:
    async with db.session() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_concurrent_batches_store_exactly_what_was_acknowledged(db: Database) -> None:
    principal = await _principal(db)
    rng = random.Random(7)
    sent: list[Counter[tuple[str, int]]] = []
    batches = []
    for i in range(30):
        counted: Counter[tuple[str, int]] = Counter()
        batches.append(_batch(rng, f"flag-{i % 3}", counted))
        sent.append(counted)
    # Keys 0-9 are each used by three batches: the first to commit counts, the others are
    # its retries (same key, so acknowledged with its count and not stored again).
    keys = [f"key-{i % 10}" for i in range(30)]

    async def store(i: int) -> int:
        return await ingestion.record_batch(
            db, batches[i], principal=principal, now=NOW, idempotency_key=keys[i]
        )

    first = await asyncio.gather(*(store(i) for i in range(15)))
    second = await asyncio.gather(*(store(i) for i in range(15, 30)))
    assert first + second == [25] * 30
    # Batches 0-9 came first with their keys and were stored; 10-29 repeat those keys.
    expected = sum(sent[:10], Counter())
    assert await _stored(db) == expected
    assert await _count(db, IngestBatch) == 10
    assert await _count(db, ContextDay) == _contexts(batches[:10])
    groups = ingestion.commit_groups(db)
    assert groups.largest == 15  # each gather was one group
    assert groups.groups == 2


async def test_a_group_the_database_stops_answering_fails_whole(quick_db: Database) -> None:
    db = quick_db
    principal = await _principal(db)
    await _run(db, SQLITE_STALL if db.dialect == "sqlite" else PG_STALL)
    rng = random.Random(11)
    sent: Counter[tuple[str, int]] = Counter()
    good = [_batch(rng, f"flag-{i}", sent) for i in range(5)]
    poison = _batch(rng, POISON, Counter())

    async def store(batch: list[Any], key: str) -> int:
        return await ingestion.record_batch(
            db, batch, principal=principal, now=NOW, idempotency_key=key
        )

    outcomes = await asyncio.gather(
        *(store(b, f"good-{i}") for i, b in enumerate(good)),
        store(poison, "poison"),
        return_exceptions=True,
    )
    # The stall came after the group had written its evaluation buckets: every batch of
    # the group hears 503, and none of what the group wrote is visible.
    assert [type(o) for o in outcomes] == [Unavailable] * 6
    assert await _stored(db) == Counter()
    assert await _count(db, IngestBatch) == 0
    assert await _count(db, ContextDay) == 0
    assert await _count(db, FlagVariation) == 0
    # Their keys were not used up: the same batches sent again are stored, once.
    again = await asyncio.gather(*(store(b, f"good-{i}") for i, b in enumerate(good)))
    assert again == [25] * 5
    assert await _stored(db) == sent


async def test_a_batch_the_database_refuses_does_not_fail_its_group(quick_db: Database) -> None:
    db = quick_db
    principal = await _principal(db)
    await _run(db, SQLITE_REFUSE if db.dialect == "sqlite" else PG_REFUSE)
    rng = random.Random(13)
    sent: Counter[tuple[str, int]] = Counter()
    good = [_batch(rng, f"flag-{i % 2}", sent) for i in range(6)]
    poison = _batch(rng, POISON, Counter())
    outcomes = await asyncio.gather(
        *(
            ingestion.record_batch(db, batch, principal=principal, now=NOW)
            for batch in [*good[:3], poison, *good[3:]]
        ),
        return_exceptions=True,
    )
    assert outcomes[:3] == [25] * 3 and outcomes[4:] == [25] * 3
    assert isinstance(outcomes[3], Conflict)
    # The group of 7 failed, then each batch was written alone: 8 transactions.
    groups = ingestion.commit_groups(db)
    assert (groups.groups, groups.largest) == (1, 7)
    assert await _stored(db) == sent
    assert await _count(db, ContextDay) == _contexts(good)


def _mixed(rng: random.Random, project: str) -> list[dict[str, Any]]:
    """Evaluations (with values that change), contexts and meters of one project."""
    raw: list[dict[str, Any]] = []
    for _ in range(40):
        at = (NOW - timedelta(minutes=rng.randint(1, 90))).isoformat()
        variation = rng.randint(0, 2)
        raw.append(
            {"type": "evaluation", "time": at, "project": project, "environment": "prod",
             "flag": f"f{rng.randint(0, 2)}", "variation": variation,
             "value": rng.choice(["a", "b", {"v": variation}]), "count": rng.randint(1, 9)}
        )  # fmt: skip
        raw.append(
            {"type": "context", "time": at, "contextKey": f"u{rng.randint(0, 30)}",
             "project": project, "environment": "prod", "sdk": "Go", "sdkType": "server",
             "category": "backend"}
        )  # fmt: skip
        raw.append(
            {"type": "meter", "time": at, "meter": "data-export-events", "project": project,
             "environment": "prod", "value": rng.randint(1, 5)}
        )  # fmt: skip
    rng.shuffle(raw)
    return raw


async def _rows_of(db: Database, project: str) -> list[Any]:
    """Every stored fact of a project, without the project and row ids."""
    queries = [
        "SELECT environment, flag, width, start, variation, count FROM evaluation_buckets",
        "SELECT environment, flag, variation, value_json, first_seen, last_seen "
        "FROM flag_variations",
        "SELECT environment, day, context_hash FROM context_days",
        "SELECT environment, meter, day, value FROM meter_days",
    ]
    found = []
    async with db.session() as session:
        for query in queries:
            where = text(f"{query} WHERE project = :p")
            found.append(sorted(tuple(r) for r in (await session.execute(where, {"p": project}))))
    return found


async def test_a_group_stores_what_its_batches_would_store_one_by_one(db: Database) -> None:
    principal = await _principal(db)
    seeds = [1, 2, 3, 4]
    # The same batches (by seed) for two projects: one by one for "one", as a group for
    # "grouped", each after the same first batch.
    for project in ("one", "grouped"):
        first = records.parse_records(_mixed(random.Random(0), project), now=NOW)
        await ingestion.record_batch(db, first, principal=principal, now=NOW)
    for seed in seeds:
        batch = records.parse_records(_mixed(random.Random(seed), "one"), now=NOW)
        await ingestion.record_batch(db, batch, principal=principal, now=NOW)
    groups_before = ingestion.commit_groups(db).groups
    grouped = [
        records.parse_records(_mixed(random.Random(seed), "grouped"), now=NOW) for seed in seeds
    ]
    await asyncio.gather(
        *(ingestion.record_batch(db, b, principal=principal, now=NOW) for b in grouped)
    )
    assert ingestion.commit_groups(db).groups == groups_before + 1
    assert await _rows_of(db, "grouped") == await _rows_of(db, "one")
