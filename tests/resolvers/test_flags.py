"""Flags: keyset pages in each order, stale flags, and per-flag details, against brute force."""

import random
from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from resolvers import flag_details, flags, series
from resolvers.clock import epoch_s
from resolvers.database import Database
from resolvers.errors import InvalidRequest
from resolvers.flags import FlagKey, FlagQuery
from resolvers.ranges import TimeRange
from resolvers.vocabulary import FlagOrder
from tests import usage_data as data
from tests.usage_data import NOW

WEEK = TimeRange(epoch_s(NOW - timedelta(days=7)), epoch_s(NOW))
# (project, environment, key, days ago of the last evaluation)
FLAGS = [
    ("web", "production", "new-checkout", 0),
    ("web", "production", "Dark_Mode", 1),
    ("web", "staging", "new-checkout", 2),
    ("web", "staging", "old-banner", 12),
    ("app", "production", "new-checkout", 0),
    ("app", "production", "beta-search", 20),
    ("app", "production", "tie", 3),
    ("app", "staging", "tie", 3),
    ("app", "production", "tie-b", 3),
    ("pay", "test", "refunds", 0.01),
]


def records(rng: random.Random) -> list[data.Raw]:
    out = []
    for project, environment, key, last in FLAGS:
        for n in range(rng.randrange(3, 12)):
            ago = timedelta(days=last) + timedelta(hours=n * rng.uniform(2, 30))
            out.append(
                {
                    "type": "evaluation",
                    "time": (NOW - ago).isoformat(),
                    "project": project,
                    "environment": environment,
                    "flag": key,
                    "variation": rng.choice([0, 1]),
                    "value": rng.choice(["a", "b"]),
                    "count": 5 if key.startswith("tie") else rng.randint(1, 40),
                    "sdk": rng.choice(["Go", "Python"]),
                    "sdkVersion": "1.0",
                }
            )
    return out


@pytest.fixture
async def raw(db: Database) -> list[data.Raw]:
    found = records(random.Random(4))
    # The tie flags get the same single evaluation, so they tie on totals and times.
    found = [r for r in found if not r["flag"].startswith("tie")]
    for _, environment, key, _ in FLAGS[6:9]:
        found.append(
            {
                "type": "evaluation",
                "time": (NOW - timedelta(days=3)).isoformat(),
                "project": "app",
                "environment": environment,
                "flag": key,
                "variation": 0,
                "count": 5,
            }
        )
    await data.ingest(db, found)
    return found


async def rest_total(db: Database, flag: FlagKey, span: TimeRange) -> int:
    result = await series.evaluation_series(
        db, project=flag.project, environment=flag.environment, flag=flag.key, span=span, now=NOW
    )
    return sum(sum(p.values) for p in result.points)  # type: ignore[misc]


def last_seen(raw: list[data.Raw]) -> dict[FlagKey, datetime]:
    found: dict[FlagKey, datetime] = {}
    for r in raw:
        key = FlagKey(r["project"], r["environment"], r["flag"])
        found[key] = max(found.get(key, data.moment_of(r)), data.moment_of(r))
    return found


async def walk(db: Database, query: FlagQuery) -> list[flags.FlagSummary]:
    seen, after = [], None
    while True:
        page = await flags.flag_page(db, replace(query, after=after), now=NOW)
        seen += page.flags
        assert len(page.flags) <= query.first
        if not page.has_next:
            return seen
        after = page.flags[-1].cursor


async def test_pages_walk_every_flag_once_in_each_order(db: Database, raw: list[data.Raw]) -> None:
    last = last_seen(raw)
    totals = {key: await rest_total(db, key, WEEK) for key in last}
    identity = {k: (k.project, k.environment, k.key) for k in last}
    expected = {
        FlagOrder.EVALUATIONS_DESC: sorted(last, key=lambda k: (-totals[k], identity[k])),
        FlagOrder.LAST_EVALUATED_DESC: sorted(
            last, key=lambda k: (-last[k].timestamp(), identity[k])
        ),
        FlagOrder.KEY: sorted(last, key=lambda k: (k.key, k.project, k.environment)),
    }
    for order, flags_in_order in expected.items():
        walked = await walk(db, FlagQuery(span=WEEK, order=order, first=2))
        assert [s.flag for s in walked] == flags_in_order, order
        assert len({s.cursor for s in walked}) == len(walked)
        assert all(s.evaluations == totals[s.flag] for s in walked)
        assert all(s.last_evaluated == last[s.flag] for s in walked)
    # Capital letters sort before small ones, as code points do on both databases.
    keys = [s.flag.key for s in await walk(db, FlagQuery(span=WEEK, order=FlagOrder.KEY))]
    assert keys[0] == "Dark_Mode"
    assert await flags.flag_count(db, FlagQuery(span=WEEK)) == len(last) == 10


async def test_filters_find_stale_and_recent_flags(db: Database, raw: list[data.Raw]) -> None:
    last = last_seen(raw)
    cut = NOW - timedelta(days=10)
    stale = FlagQuery(span=WEEK, not_evaluated_since=cut, order=FlagOrder.KEY)
    found = [s.flag for s in await walk(db, stale)]
    assert found == sorted((k for k, t in last.items() if t < cut), key=lambda k: k.key)
    assert {k.key for k in found} == {"old-banner", "beta-search"}
    assert await flags.flag_count(db, stale) == 2
    recent = FlagQuery(span=WEEK, evaluated_since=cut, project="app")
    assert {s.flag for s in await walk(db, recent)} == {
        k for k, t in last.items() if t >= cut and k.project == "app"
    }
    # A substring, case-insensitive; _ and % are plain characters.
    searched = FlagQuery(span=WEEK, search="K_m", order=FlagOrder.KEY)
    assert [s.flag.key for s in await walk(db, searched)] == ["Dark_Mode"]
    assert await walk(db, FlagQuery(span=WEEK, search="k%m")) == []
    only = FlagQuery(span=WEEK, project="web", environment="staging", order=FlagOrder.KEY)
    assert [s.flag.key for s in await walk(db, only)] == ["new-checkout", "old-banner"]


async def test_a_cursor_belongs_to_its_order(db: Database, raw: list[data.Raw]) -> None:
    page = await flags.flag_page(db, FlagQuery(span=WEEK, first=1), now=NOW)
    cursor = page.flags[0].cursor
    for after in ("not-a-cursor", cursor):
        query = FlagQuery(span=WEEK, order=FlagOrder.KEY, after=after)
        with pytest.raises(InvalidRequest, match=r"^after: "):
            await flags.flag_page(db, query, now=NOW)
    with pytest.raises(InvalidRequest, match=r"^first: "):
        await flags.flag_page(db, FlagQuery(span=WEEK, first=101), now=NOW)


async def test_details_of_many_flags_at_once_equal_rest(db: Database, raw: list[data.Raw]) -> None:
    keys = sorted(last_seen(raw))
    month = TimeRange(epoch_s(NOW - timedelta(days=30)), epoch_s(NOW))
    totals = await flag_details.evaluation_totals(db, keys, span=month, now=NOW)
    sdks = await flag_details.sdk_evaluations(db, keys, span=month, now=NOW)
    lines = await flag_details.evaluation_series(db, keys, span=month, now=NOW)
    seen = await flag_details.variations(db, keys)
    by_sdk: dict[FlagKey, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    first_day = (NOW - timedelta(days=30)).replace(hour=0)  # where the daily grid starts
    for r in raw:
        if data.moment_of(r) >= first_day:
            by_sdk[FlagKey(r["project"], r["environment"], r["flag"])][r.get("sdk", "")] += r[
                "count"
            ]
    for key in keys:
        rest = await series.evaluation_series(
            db, project=key.project, environment=key.environment, flag=key.key, span=month, now=NOW
        )
        assert lines[key] == rest
        assert totals.get(key, 0) == await rest_total(db, key, month)
        assert sum(s.evaluations for s in sdks.get(key, [])) == totals.get(key, 0)
        assert [v.variation for v in seen[key]] == [labels.variation for labels in rest.labels]
    assert {k: {s.sdk: s.evaluations for s in v} for k, v in sdks.items()} == {
        k: dict(v) for k, v in by_sdk.items()
    }


async def test_projects_come_from_evaluations_contexts_and_meters(db: Database) -> None:
    rng = random.Random(3)
    await data.ingest(db, [*records(rng)[:3], *data.contexts(rng, 20), *data.meters(rng, 20)])
    found = await flags.projects(db)
    assert [p.key for p in found] == sorted(p.key for p in found)
    by_key = {p.key: p.environments for p in found}
    assert set(by_key) >= {"web", "mobile"}
    assert all(list(envs) == sorted(envs) and "" not in envs for envs in by_key.values())
