"""MAU against brute force in every state the linker can leave: nothing linked, all linked,
new and late sightings not linked yet, part linked, after pruning; for every aggregation,
group-by and filter. Contexts are either always seen with one set of dimensions (summed in
mau_days once linked) or with several (always recounted), so both paths meet in each answer.
"""

import asyncio
import random
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy import text

from resolvers import aggregate, maintenance, mau
from resolvers.aggregate import UsageQuery
from resolvers.clock import epoch_s
from resolvers.database import Database
from resolvers.maintenance import Retention
from resolvers.mau import MauQuery
from resolvers.ranges import TimeRange
from resolvers.vocabulary import Category, Dimension, MauAggregation, Measure, SdkType
from tests import usage_data as data
from tests.usage_data import NOW

Raw = data.Raw
FIELDS = {
    Dimension.PROJECT: "project",
    Dimension.ENVIRONMENT: "environment",
    Dimension.SDK: "sdk",
    Dimension.SDK_TYPE: "sdkType",
    Dimension.CATEGORY: "category",
    Dimension.CONTEXT_KIND: "contextKind",
    Dimension.ANONYMOUS: "anonymous",
}
GROUPINGS: list[tuple[Dimension, ...]] = [
    (),
    (Dimension.SDK_TYPE,),
    (Dimension.SDK,),
    (Dimension.CATEGORY,),
    (Dimension.PROJECT, Dimension.ENVIRONMENT),
    (Dimension.ANONYMOUS,),
    (Dimension.CONTEXT_KIND, Dimension.SDK_TYPE),
]
FILTERS: list[dict[str, Any]] = [
    {"context_kinds": ("user", "org")},
    {"sdk_types": (SdkType.CLIENT,)},
    {"projects": ("web",), "environments": ("production",)},
    {"anonymous": False, "context_kinds": ("org",)},
    {"sdks": ("Go", "iOS")},
    {"categories": (Category.MOBILE,), "projects": ("web", "mobile")},
]
RANGES = [
    TimeRange(epoch_s(NOW - timedelta(days=30)), epoch_s(NOW)),
    TimeRange(epoch_s(NOW - timedelta(days=52)), epoch_s(NOW - timedelta(days=9))),
]


def dims(rng: random.Random) -> Raw:
    return {
        "anonymous": rng.random() < 0.2,
        "project": rng.choice(["web", "mobile"]),
        "environment": rng.choice(["production", "staging"]),
        "sdk": rng.choice(["Go", "Node.js", "iOS"]),
        "sdkType": rng.choice(["client", "server"]),
        "category": rng.choice(["browser", "mobile", "backend"]),
    }


def sightings(rng: random.Random, n: int, *, days: float, oldest: float = 0) -> list[Raw]:
    """Sightings of 70 contexts over ``days`` before NOW (from ``oldest`` days back); the
    first 45 keep one set of dimensions (seeded by key), the rest change at random."""
    out = []
    for _ in range(n):
        i = rng.randrange(70)
        kind = "org" if i % 4 == 0 else "user"
        seen = dims(random.Random(i)) if i < 45 else dims(rng)
        moment = NOW - timedelta(seconds=rng.randrange(int(oldest * 86400), int(days * 86400)))
        seen |= {"type": "context", "time": data.iso(moment), "contextKind": kind}
        out.append(seen | {"contextKey": f"key-{i}"})
    return out


def edges() -> list[Raw]:
    """Sightings of one-dimension contexts exactly 30, 29 and 31 days apart (a run ends on
    the day the next one starts, or they join), and on both sides of a month's end."""
    out = []
    for key, days_ago in [(1, [70, 40, 11]), (2, [60, 29]), (3, [55, 25, 24]), (5, [51, 50])]:
        for ago in days_ago:
            moment = NOW - timedelta(days=ago, hours=1)
            seen = dims(random.Random(key)) | {"contextKind": "user", "contextKey": f"key-{key}"}
            out.append(seen | {"type": "context", "time": data.iso(moment)})
    return out


def utc_day(r: Raw) -> date:
    return data.moment_of(r).date()


def window_of(aggregation: MauAggregation) -> Callable[[date], date]:
    if aggregation is MauAggregation.ROLLING_30D:
        return lambda day: day - timedelta(days=29)
    if aggregation is MauAggregation.MONTH_TO_DATE:
        return lambda day: day.replace(day=1)
    return lambda day: day


def kept(r: Raw, query: MauQuery) -> bool:
    checks = [
        (query.projects, r["project"]),
        (query.environments, r["environment"]),
        (tuple(t.value for t in query.sdk_types), r["sdkType"]),
        (query.sdks, r["sdk"]),
        (tuple(c.value for c in query.categories), r["category"]),
        (query.context_kinds or ("user",), r["contextKind"]),
        (() if query.anonymous is None else (query.anonymous,), r["anonymous"]),
    ]
    return all(not wanted or value in wanted for wanted, value in checks)


def brute(raw: list[Raw], query: MauQuery) -> dict[tuple[date, tuple[Any, ...]], int]:
    lo = datetime.fromtimestamp(query.span.lo, UTC).date()
    hi = datetime.fromtimestamp(query.span.hi, UTC).date()
    window = window_of(query.aggregation)
    seen: dict[tuple[date, tuple[Any, ...]], set[tuple[str, str]]] = defaultdict(set)
    for r in raw:
        if not kept(r, query):
            continue
        group = tuple(r[FIELDS[g]] for g in query.group_by)
        day = lo
        while day <= hi:
            if window(day) <= utc_day(r) <= day:
                seen[(day, group)].add((r["contextKind"], r["contextKey"]))
            day += timedelta(days=1)
    return {k: len(v) for k, v in seen.items()}


def plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


async def answered(db: Database, query: MauQuery) -> dict[tuple[date, tuple[Any, ...]], int]:
    result = await mau.mau_series(db, query)
    # Integers, as JSON renders them (PostgreSQL's sum() of bigints is a Decimal).
    assert all(type(v) is int for p in result.points for v in p.values)
    keys = [
        tuple(plain(getattr(label, g.value)) for g in query.group_by) for label in result.labels
    ]
    return {
        (datetime.fromtimestamp(p.time, UTC).date(), keys[i]): v
        for p in result.points
        for i, v in enumerate(p.values)
        if v
    }


def queries() -> list[MauQuery]:
    out = []
    for aggregation in MauAggregation:
        out += [MauQuery(RANGES[0], group_by=g, aggregation=aggregation) for g in GROUPINGS]
        group = (Dimension.SDK_TYPE,)
        out += [MauQuery(RANGES[0], group_by=group, aggregation=aggregation, **f) for f in FILTERS]
        out += [MauQuery(RANGES[1], group_by=g, aggregation=aggregation) for g in GROUPINGS[:2]]
    return out


async def totals(db: Database, query: UsageQuery) -> dict[tuple[Any, ...], int]:
    """usage(measure: MAU): each group's total, the distinct users of the whole range."""
    found = await aggregate.usage(db, query, now=NOW)
    return {
        tuple(plain(getattr(line.labels, g.value)) for g in query.group_by): int(line.total)
        for line in found.series
        if line.total
    }


def brute_totals(raw: list[Raw], query: UsageQuery) -> dict[tuple[Any, ...], int]:
    lo = datetime.fromtimestamp(query.span.lo, UTC).date()
    hi = datetime.fromtimestamp(query.span.hi, UTC).date()
    seen: dict[tuple[Any, ...], set[str]] = defaultdict(set)
    for r in raw:
        wanted = all(r[FIELDS[d]] in values for d, values in query.filters.items())
        if wanted and r["contextKind"] == "user" and lo <= utc_day(r) <= hi:
            seen[tuple(r[FIELDS[g]] for g in query.group_by)].add(r["contextKey"])
    return {k: len(v) for k, v in seen.items()}


async def check(db: Database, raw: list[Raw], state: str) -> None:
    for query in queries():
        expected = brute(raw, query)
        assert await answered(db, query) == expected, (state, query)
    for span in RANGES:
        for group in GROUPINGS[:3]:
            for filters in ({}, {Dimension.PROJECT: ("web",)}):
                usage = UsageQuery(Measure.MAU, span, group_by=group, filters=filters)
                assert await totals(db, usage) == brute_totals(raw, usage), (state, usage)


async def link_all(db: Database, limit: int) -> None:
    while await mau.link_contexts(db, limit=limit):
        pass


async def linked_state(db: Database) -> tuple[int, int]:
    async with db.session() as session:
        unlinked = (
            await session.execute(text("SELECT count(*) FROM context_days WHERE NOT linked"))
        ).scalar_one()
        summed = (
            await session.execute(text("SELECT coalesce(sum(contexts), 0) FROM mau_days"))
        ).scalar_one()
    return int(unlinked), int(summed)


async def test_mau_is_exact_whatever_the_linker_has_done(db: Database) -> None:
    rng = random.Random(10)
    raw = sightings(rng, 500, days=95) + edges()
    await data.ingest(db, raw)
    await check(db, raw, "nothing linked")

    await link_all(db, limit=7)
    unlinked, summed = await linked_state(db)
    assert unlinked == 0 and summed > 0  # the sums now carry the one-dimension contexts
    await check(db, raw, "all linked")

    # New sightings, and late ones between linked days, of the same contexts.
    late = sightings(rng, 150, days=95)
    await data.ingest(db, late)
    raw += late
    await check(db, raw, "new sightings not linked")

    await mau.link_contexts(db, limit=5)
    await check(db, raw, "part linked")

    report = await maintenance.prune(db, now=NOW, retention=Retention(mau_days=60))
    assert report.mau_rows > 0
    cutoff = NOW.date() - timedelta(days=59)
    raw = [r for r in raw if utc_day(r) >= cutoff]
    await check(db, raw, "pruned")

    await link_all(db, limit=1000)
    assert (await linked_state(db))[0] == 0
    await check(db, raw, "pruned and linked again")

    await data.ingest(db, late[:40])
    await mau.link_everything(db)
    assert (await linked_state(db))[0] == 0
    await check(db, raw + late[:40], "relinked in one pass")


async def test_mau_is_exact_when_linkers_race_ingestion(db: Database) -> None:
    # Two linkers (they take turns) while batches of new and late sightings are committed:
    # whatever each linker saw, the sums plus the recount must still be exact.
    rng = random.Random(11)
    raw = sightings(rng, 300, days=95) + edges()
    await data.ingest(db, raw)
    batches = [sightings(rng, 40, days=95) for _ in range(6)]

    async def ingest() -> None:
        for batch in batches:
            await data.ingest(db, batch)

    async def link() -> None:
        for _ in range(8):
            await mau.link_contexts(db, limit=6)

    await asyncio.gather(ingest(), link(), link())
    raw += [r for batch in batches for r in batch]
    few = [
        MauQuery(RANGES[0], group_by=g, aggregation=a)
        for a in MauAggregation
        for g in GROUPINGS[:2]
    ]
    for query in few:
        assert await answered(db, query) == brute(raw, query), query
    await link_all(db, limit=50)
    for query in few:
        assert await answered(db, query) == brute(raw, query), query
