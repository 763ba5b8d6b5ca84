"""The flag series' prepared statement against the general queries it stands in for."""

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select

from resolvers.buckets import grid
from resolvers.vocabulary import Granularity
from storage import flag_series, series
from storage.engine import Database, Session
from storage.tables import EvaluationBucket, FlagVariation

START = int(datetime(2026, 3, 20, tzinfo=UTC).timestamp())  # the spring DST change inside
DAYS = 20
FLAGS = [("web", "production", "checkout"), ("web", "staging", "checkout"), ("app", "prod", "x")]


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    rng = random.Random(10)
    rows = []
    for project, environment, flag in FLAGS:
        for width in (60, 900):
            starts = rng.sample(range(START - 86_400, START + DAYS * 86_400, width), 400)
            for start in starts:
                for variation in rng.sample(range(3), rng.randint(1, 3)):
                    rows.append(
                        {
                            "project": project,
                            "environment": environment,
                            "flag": flag,
                            "width": width,
                            "start": start,
                            "variation": variation,
                            "sdk": rng.choice(["", "node"]),
                            "sdk_version": "",
                            "count": rng.randint(1, 10**9),
                        }
                    )
    unique = {
        (
            r["project"],
            r["environment"],
            r["flag"],
            r["width"],
            r["start"],
            r["variation"],
            r["sdk"],
        ): r
        for r in rows
    }
    variations = [
        {
            "project": project,
            "environment": environment,
            "flag": flag,
            "variation": variation,
            "value_json": None if variation == 2 else f'"v{variation}"',
            "first_seen": datetime(2026, 3, 1, tzinfo=UTC),
            "last_seen": datetime(2026, 3, 1, tzinfo=UTC),
        }
        for project, environment, flag in FLAGS[:2]
        for variation in (2, 0, 1)
    ]
    async with database.session() as session:
        await session.execute(insert(EvaluationBucket), list(unique.values()))
        await session.execute(insert(FlagVariation), variations)
    yield database
    await database.dispose()


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/St_Johns", "Asia/Kathmandu"])
@pytest.mark.parametrize("granularity", list(Granularity))
async def test_flag_counts_equal_the_general_sums(
    db: Database, zone: str, granularity: Granularity
) -> None:
    span = (START - 3_600, START + (DAYS - 1) * 86_400 + 1_234)
    if granularity is Granularity.MINUTELY:
        span = (START + 86_400 * 9, START + 86_400 * 10)  # the grid caps the bucket count
    cut = grid(granularity, *span, ZoneInfo(zone))
    runs = cut.runs()
    async with db.session() as session:
        for project, environment, flag in FLAGS:
            general = await series.evaluation_sums(
                session,
                series.Cut(
                    cut.source_width,
                    runs,
                    {"project": [project], "environment": [environment], "flag": [flag]},
                    ("variation",),
                ),
            )
            prepared = await flag_series.flag_series(
                await session.connection(),
                project=project,
                environment=environment,
                flag=flag,
                width=cut.source_width,
                runs=runs,
            )
            assert general, "the data must reach into the grid"
            assert sorted(prepared.counts) == sorted(general)
            assert prepared.variations == await variations_of(session, project, environment, flag)


async def variations_of(
    session: Session, project: str, environment: str, flag: str
) -> list[tuple[int, str | None]]:
    v = FlagVariation
    found = await session.execute(
        select(v.variation, v.value_json)  # type: ignore[call-overload]
        .where(v.project == project, v.environment == environment, v.flag == flag)
        .order_by(v.variation)
    )
    return [(int(variation), value) for variation, value in found]


async def test_without_runs_only_the_variations_come(db: Database) -> None:
    async with db.reading() as reader:
        found = await flag_series.flag_series(
            reader,
            project="web",
            environment="production",
            flag="checkout",
            width=60,
            runs=[],
        )
        assert found.counts == []
        assert found.variations == [(0, '"v0"'), (1, '"v1"'), (2, None)]
