"""Demo data: looks like a real account and is internally consistent."""

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from resolvers import demo, flags, series
from resolvers.checksum import statistics_sum
from resolvers.database import Database
from resolvers.ranges import TimeRange
from storage.tables import (
    ContextDay,
    EvaluationBucket,
    FlagVariation,
    InstanceStatistics,
    StreamBucket,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


async def test_demo_data_is_realistic_and_consistent(db: Database) -> None:
    assert await demo.is_empty(db)
    written = await demo.seed(db, now=NOW, days=4)
    assert not await demo.is_empty(db)
    assert all(n > 0 for n in written.values()), written
    async with db.session() as session:
        # Seeded sightings are linked in one pass, so MAU reads start on the fast path.
        unlinked = await session.scalar(
            select(func.count()).select_from(ContextDay).where(ContextDay.linked.is_(False))
        )
        assert unlinked == 0
        flags = (
            await session.execute(select(FlagVariation.project, FlagVariation.flag).distinct())
        ).all()
        variations = (
            await session.execute(
                select(FlagVariation.flag, func.count()).group_by(
                    FlagVariation.project, FlagVariation.environment, FlagVariation.flag
                )
            )
        ).all()
        minute_total = (
            await session.execute(
                select(func.sum(EvaluationBucket.count)).where(EvaluationBucket.width == 60)
            )
        ).scalar()
        recent_quarters = (
            await session.execute(
                select(func.sum(EvaluationBucket.count)).where(
                    EvaluationBucket.width == 900,
                    EvaluationBucket.start >= int(NOW.timestamp()) - 3 * 3600,
                )
            )
        ).scalar()
        sdks = (
            await session.execute(
                select(StreamBucket.source, StreamBucket.sdk, StreamBucket.sdk_version).distinct()
            )
        ).all()
        categories = dict(
            (
                await session.execute(
                    select(
                        ContextDay.category, func.count(func.distinct(ContextDay.context_hash))
                    ).group_by(ContextDay.category)
                )
            ).all()
        )
        documents = (
            await session.execute(
                select(InstanceStatistics.instance_id, InstanceStatistics.document).order_by(
                    InstanceStatistics.taken_at
                )
            )
        ).all()

    assert len({f for _, f in flags}) == 51  # 50, and the retired one
    assert {n for _, n in variations} <= {2, 3, 4} and len({n for _, n in variations}) > 1
    # The last three hours exist as minute buckets, and the quarter-hours agree with them.
    assert minute_total and minute_total == recent_quarters
    assert {s for s, _, _ in sdks} == {"client", "server"} and len(sdks) >= 6
    assert set(categories) == {"browser", "mobile", "backend"}
    assert sum(categories.values()) > 5000
    import json

    by_instance: dict[str, list[dict[str, object]]] = defaultdict(list)
    for instance_id, text in documents:
        document = json.loads(text)
        assert document["sum"] == statistics_sum(document)
        by_instance[instance_id].append(document)
    for history in by_instance.values():
        assert history[-1]["users"] >= history[0]["users"]  # the instance grows
    await _flags_answer_the_graph_questions(db)


async def _flags_answer_the_graph_questions(db: Database) -> None:
    """The 10 most evaluated flags of the week, and the one nobody evaluates any more."""
    week = TimeRange(int(NOW.timestamp()) - 7 * 86400, int(NOW.timestamp()))
    page = await flags.flag_page(db, flags.FlagQuery(span=week, first=10), now=NOW)
    # Brute force: the week's daily grid starts at the midnight before `from`.
    since = week.lo - week.lo % 86400
    async with db.session() as session:
        every = (
            await session.execute(
                select(func.sum(EvaluationBucket.count))
                .where(EvaluationBucket.width == 900, EvaluationBucket.start >= since)
                .group_by(
                    EvaluationBucket.project, EvaluationBucket.environment, EvaluationBucket.flag
                )
            )
        ).scalars()
        best = sorted(every, reverse=True)[:10]
    assert [s.evaluations for s in page.flags] == best
    for summary in page.flags:
        key = summary.flag
        rest = await series.evaluation_series(
            db, project=key.project, environment=key.environment, flag=key.key, span=week, now=NOW
        )
        assert sum(sum(p.values) for p in rest.points) == summary.evaluations  # type: ignore[misc]
    stale = flags.FlagQuery(span=week, not_evaluated_since=NOW - timedelta(days=1))
    found = (await flags.flag_page(db, stale, now=NOW)).flags
    assert {s.flag.key for s in found} == {demo.RETIRED.key}
    assert all(s.last_evaluated == demo.retired_at(NOW - timedelta(days=4), NOW) for s in found)


async def test_daily_rhythm_shows_in_the_data(db: Database) -> None:
    await demo.seed(db, now=NOW, days=7)
    async with db.session() as session:
        rows = (
            await session.execute(
                select(EvaluationBucket.start, EvaluationBucket.count).where(
                    EvaluationBucket.width == 900,
                    EvaluationBucket.environment == "production",
                    EvaluationBucket.start < int(NOW.timestamp()) - 2 * 86400,
                )
            )
        ).all()
    by_hour: dict[int, int] = defaultdict(int)
    for start, count in rows:
        by_hour[(start // 3600) % 24] += count
    assert max(by_hour.values()) > 3 * min(by_hour.values())


async def test_boolean_flags_are_false_then_true_as_sdks_index_them(db: Database) -> None:
    await demo.seed(db, now=NOW, days=2)
    async with db.session() as session:
        values = (
            await session.execute(
                select(FlagVariation.flag, FlagVariation.variation, FlagVariation.value_json)
                .where(FlagVariation.value_json.in_(("true", "false")))
                .distinct()
            )
        ).all()
    by_flag: dict[str, dict[int, str]] = defaultdict(dict)
    for flag, variation, value in values:
        by_flag[flag][variation] = value
    assert by_flag["new-checkout"] == {0: "false", 1: "true"}
    assert len(by_flag) > 10
    assert all(seen == {0: "false", 1: "true"} for seen in by_flag.values()), by_flag
