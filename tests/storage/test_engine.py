"""The database handle under stress: collisions re-run, waits bounded, statements stopped."""

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from sqlalchemy import text

from storage import usage
from storage.engine import POOL_SIZE, Database, Session, Timeouts
from storage.errors import Contention, StorageUnavailable
from storage.failures import first_line

# Counts to 10^9 in SQL: minutes of work on either database, unless stopped.
SLOW = text(
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) "
    "SELECT count(*) FROM c"
)
UPDATE = text("UPDATE meter_days SET value = value + 1 WHERE day = :day")


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """Storage's own handle (resolvers wrap its errors into theirs)."""
    database = Database(database_url)
    yield database
    await database.dispose()


class Crossing:
    """Two transactions that update rows 1 and 2 in opposite orders, meeting in between."""

    def __init__(self) -> None:
        self.both_hold_one = asyncio.Barrier(2)
        self.runs = {1: 0, 2: 0}

    def work(self, first: int, second: int) -> Callable[[Session], Awaitable[None]]:
        async def run(session: Session) -> None:
            self.runs[first] += 1
            await session.execute(UPDATE, {"day": first})
            if self.runs[first] == 1:
                await self.both_hold_one.wait()  # now each waits for the other's row
            await session.execute(UPDATE, {"day": second})

        return run


async def meters(db: Database) -> dict[int, float]:
    async with db.session() as session:
        rows = await session.execute(text("SELECT day, value FROM meter_days ORDER BY day"))
        return {int(day): float(value) for day, value in rows}


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.postgres
async def test_a_deadlocked_transaction_runs_again_whole(db: Database) -> None:
    # Only PostgreSQL can deadlock: SQLite has one writer at a time.
    async with db.session() as session:
        rows = [usage.MeterIncrement("m", day, "p", "e", 0.0) for day in (1, 2)]
        await usage.add_meter_increments(session, rows=rows)

    crossing = Crossing()
    await asyncio.gather(db.transaction(crossing.work(1, 2)), db.transaction(crossing.work(2, 1)))
    assert await meters(db) == {1: 2.0, 2: 2.0}
    assert sorted(crossing.runs.values()) == [1, 2]  # one was rolled back and ran again

    # A plain session is not re-run: the loser is told, and nothing of it is kept.
    crossing = Crossing()

    async def once(first: int, second: int) -> None:
        async with db.session() as session:
            await crossing.work(first, second)(session)

    outcomes = await asyncio.gather(once(1, 2), once(2, 1), return_exceptions=True)
    assert sum(isinstance(o, Contention) for o in outcomes) == 1
    assert await meters(db) == {1: 3.0, 2: 3.0}


async def test_a_statement_past_the_timeout_is_stopped(database_url: str) -> None:
    db = Database(database_url, timeouts=Timeouts(statement_s=1.0))
    try:
        started = time.monotonic()
        with pytest.raises(StorageUnavailable):
            async with db.session() as session:
                await session.execute(SLOW)
        assert time.monotonic() - started < 3
        async with db.session() as session:  # the connection is fine afterwards
            assert (await session.execute(text("SELECT 1"))).scalar_one() == 1
    finally:
        await db.dispose()


async def test_unbounded_maintenance_outlasts_the_statement_timeout(database_url: str) -> None:
    # Two million steps: far past 50 ms on either database, a second or so of work.
    long = text(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000) "
        "SELECT count(*) FROM c"
    )

    async def count(session: Session) -> int:
        return int((await session.execute(long)).scalar_one())

    db = Database(database_url, timeouts=Timeouts(statement_s=0.05))
    try:
        with pytest.raises(StorageUnavailable):
            await db.transaction(count)
        assert await db.transaction(count, bounded=False) == 2_000_000
        with pytest.raises(StorageUnavailable):  # the pooled connection is bounded again
            await db.transaction(count)
    finally:
        await db.dispose()


async def test_a_cancelled_statement_stops(db: Database) -> None:
    async def slow() -> None:
        async with db.session() as session:
            await session.execute(SLOW)

    task = asyncio.create_task(slow())
    await asyncio.sleep(0.5)
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 2
    await db.ping()


async def test_no_free_connection_is_unavailable_not_a_hang(database_url: str) -> None:
    # Pools hold POOL_SIZE + 10 connections.
    db = Database(database_url, timeouts=Timeouts(pool_s=0.5))
    release = asyncio.Event()

    async def hold() -> None:
        async with db.session() as session:
            await session.execute(text("SELECT 1"))
            await release.wait()

    holders = [asyncio.create_task(hold()) for _ in range(POOL_SIZE + 10)]
    try:
        await asyncio.sleep(0.3)
        started = time.monotonic()
        with pytest.raises(StorageUnavailable, match="QueuePool limit"):
            await db.ping()
        assert time.monotonic() - started < 2
        release.set()
        await asyncio.gather(*holders, return_exceptions=True)
        await db.ping()
    finally:
        release.set()
        await db.dispose()


def test_an_error_without_text_is_named_by_its_class() -> None:
    assert first_line(TimeoutError()) == "TimeoutError"
    assert first_line(OSError("refused\nmore")) == "refused"


async def test_a_writer_kept_waiting_past_the_lock_timeout_is_unavailable(
    database_url: str,
) -> None:
    db = Database(database_url, timeouts=Timeouts(lock_s=0.5))
    async with db.session() as session:
        rows = [usage.MeterIncrement("m", 1, "p", "e", 0.0)]
        await usage.add_meter_increments(session, rows=rows)
    holding, release = asyncio.Event(), asyncio.Event()

    async def hold(session: Session) -> None:
        await session.execute(UPDATE, {"day": 1})
        holding.set()
        await release.wait()

    async def bump(session: Session) -> None:
        await session.execute(UPDATE, {"day": 1})

    holder = asyncio.create_task(db.transaction(hold))
    try:
        await holding.wait()
        started = time.monotonic()
        with pytest.raises(StorageUnavailable):
            await db.transaction(bump)
        assert time.monotonic() - started < 2
    finally:
        release.set()
        await holder
    await db.transaction(bump)
    assert await meters(db) == {1: 2.0}
    await db.dispose()
