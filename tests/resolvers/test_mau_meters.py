"""MAU windows, groupings and filters, and month-to-date meters, against brute force."""

import random
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from resolvers import mau, meters
from resolvers.clock import epoch_s
from resolvers.database import Database
from resolvers.errors import InvalidRequest
from resolvers.mau import MauQuery
from resolvers.meters import MeterQuery
from resolvers.ranges import TimeRange
from resolvers.series import Labels
from resolvers.vocabulary import Dimension, MauAggregation, Meter, SdkType
from tests import usage_data as data
from tests.usage_data import NOW

Raw = data.Raw
LAST_30_DAYS = TimeRange(epoch_s(NOW - timedelta(days=30)), epoch_s(NOW))


def utc_day(r: Raw) -> date:
    return data.moment_of(r).date()


def midnight(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def days_between(lo: datetime, hi: datetime) -> list[date]:
    out, day = [], lo.date()
    while day <= hi.date():
        out.append(day)
        day += timedelta(days=1)
    return out


def brute_mau(
    raw: list[Raw],
    days: list[date],
    window: Callable[[date], date],
    group: Callable[[Raw], tuple[object, ...]] = lambda r: (),
    keep: Callable[[Raw], bool] = lambda r: True,
) -> dict[tuple[int, tuple[object, ...]], int]:
    """Distinct (kind, key) per day and group, over the window ending that day."""
    seen: dict[tuple[int, tuple[object, ...]], set[tuple[str, str]]] = defaultdict(set)
    for r in raw:
        if not keep(r):
            continue
        for day in days:
            if window(day) <= utc_day(r) <= day:
                seen[(midnight(day), group(r))].add((r["contextKind"], r["contextKey"]))
    return {k: len(v) for k, v in seen.items()}


def as_table(result: object, keys: list[tuple[object, ...]]) -> dict[object, int]:
    return {
        (p.time, keys[i]): v  # type: ignore[attr-defined]
        for p in result.points  # type: ignore[attr-defined]
        for i, v in enumerate(p.values)
        if v
    }


def rolling(day: date) -> date:
    return day - timedelta(days=29)


def month(day: date) -> date:
    return day.replace(day=1)


@pytest.fixture
async def contexts(db: Database) -> list[Raw]:
    raw = data.contexts(random.Random(11))
    await data.ingest(db, raw)
    return raw


@pytest.mark.parametrize(
    ("aggregation", "window"),
    [
        (MauAggregation.ROLLING_30D, rolling),
        (MauAggregation.MONTH_TO_DATE, month),
        (MauAggregation.DAILY_INCREMENTAL, lambda d: d),
    ],
)
async def test_mau_windows(
    db: Database,
    contexts: list[Raw],
    aggregation: MauAggregation,
    window: Callable[[date], date],
) -> None:
    lo = NOW - timedelta(days=30)
    result = await mau.mau_series(db, MauQuery(LAST_30_DAYS, aggregation=aggregation))
    days = days_between(lo, NOW)
    assert result.labels == (Labels(),)
    assert [p.time for p in result.points] == [midnight(d) for d in days]
    expected = brute_mau(contexts, days, window, keep=lambda r: r["contextKind"] == "user")
    assert as_table(result, [()]) == expected
    assert max(expected.values()) > 1


async def test_mau_counts_users_unless_other_kinds_are_asked_for(
    db: Database, contexts: list[Raw]
) -> None:
    days = days_between(NOW - timedelta(days=30), NOW)
    for kinds in (("org",), ("user", "org")):
        result = await mau.mau_series(db, MauQuery(LAST_30_DAYS, context_kinds=kinds))
        expected = brute_mau(contexts, days, rolling, keep=lambda r, k=kinds: r["contextKind"] in k)
        assert as_table(result, [()]) == expected
        assert max(expected.values()) > 0


async def test_mau_filters_and_groupby(db: Database, contexts: list[Raw]) -> None:
    query = MauQuery(
        TimeRange(epoch_s(NOW - timedelta(days=10)), epoch_s(NOW)),
        projects=("web",),
        environments=("production", "staging"),
        sdk_types=(SdkType.CLIENT,),
        sdks=("Go", "iOS"),
        anonymous=False,
        context_kinds=("user",),
        group_by=(Dimension.SDK, Dimension.ANONYMOUS),
    )
    result = await mau.mau_series(db, query)
    days = days_between(NOW - timedelta(days=10), NOW)

    def keep(r: Raw) -> bool:
        return (
            r["project"] == "web"
            and r["sdkType"] == "client"
            and r["sdk"] in ("Go", "iOS")
            and not r["anonymous"]
            and r["contextKind"] == "user"
        )

    expected = brute_mau(contexts, days, rolling, lambda r: (r["sdk"], r["anonymous"]), keep)
    keys = sorted({k for _, k in expected})
    assert list(result.labels) == [Labels(sdk=s, anonymous=a) for s, a in keys]
    assert as_table(result, keys) == expected


async def test_mau_groupby_every_dimension(db: Database, contexts: list[Raw]) -> None:
    groups = (Dimension.PROJECT, Dimension.ENVIRONMENT, Dimension.SDK_TYPE, Dimension.CONTEXT_KIND)
    result = await mau.mau_series(db, MauQuery(LAST_30_DAYS, group_by=groups))
    fields = ["project", "environment", "sdkType", "contextKind"]
    days = days_between(NOW - timedelta(days=30), NOW)
    expected = brute_mau(
        contexts,
        days,
        rolling,
        lambda r: tuple(r[f] for f in fields),
        keep=lambda r: r["contextKind"] == "user",
    )
    keys = sorted({k for _, k in expected})
    assert list(result.labels) == [
        Labels(project=p, environment=e, sdk_type=SdkType(t), context_kind=k) for p, e, t, k in keys
    ]
    assert as_table(result, keys) == expected


async def test_mau_by_category_is_three_series_in_order(db: Database, contexts: list[Raw]) -> None:
    lo = NOW - timedelta(days=5)
    result = await mau.mau_by_category(db, span=TimeRange(epoch_s(lo), epoch_s(NOW)))
    cats = ["browser", "mobile", "backend"]
    assert result.labels == tuple(Labels(category=c) for c in cats)
    users = lambda r: r["contextKind"] == "user"  # noqa: E731
    days = days_between(lo, NOW)
    expected = brute_mau(contexts, days, rolling, lambda r: (r["category"],), keep=users)
    assert as_table(result, [(c,) for c in cats]) == expected


async def test_mau_by_category_counts_the_users_that_mau_counts(db: Database) -> None:
    # A server SDK evaluating for a user at an organisation reports both contexts; /mau
    # counts the user only, and its breakdown by category must say the same.
    at = data.iso(NOW - timedelta(hours=1))
    base = {"type": "context", "time": at, "project": "web", "environment": "production"}
    sdk = {"sdk": "Python", "sdkType": "server", "category": "backend"}
    await data.ingest(
        db,
        [
            {**base, **sdk, "contextKey": "carol", "contextKind": "user"},
            {**base, **sdk, "contextKey": "acme", "contextKind": "org"},
        ],
    )
    span = TimeRange(epoch_s(NOW - timedelta(days=1)), epoch_s(NOW))
    users = await mau.mau_series(db, MauQuery(LAST_30_DAYS))
    by_category = await mau.mau_by_category(db, span=span)
    assert users.points[-1].values == (1,)
    assert by_category.points[-1].values == (0, 0, 1)


async def test_mau_sdks(db: Database, contexts: list[Raw]) -> None:
    lo = NOW - timedelta(days=7)
    span = TimeRange(epoch_s(lo), epoch_s(NOW))
    first = lo.date()
    for sdk_type in (None, SdkType.SERVER):
        got = await mau.mau_sdks(db, span=span, sdk_type=sdk_type)
        wanted = None if sdk_type is None else sdk_type.value
        assert got == sorted(
            {r["sdk"] for r in contexts if utc_day(r) >= first and wanted in (None, r["sdkType"])}
        )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"environments": ("production",)}, "environment: needs exactly one project"),
        (
            {"environments": ("production",), "projects": ("a", "b")},
            "environment: needs exactly one project",
        ),
        ({"group_by": (Dimension.FLAG,)}, "groupby: MAU cannot be grouped by flag"),
        ({"span": TimeRange(0, epoch_s(NOW))}, "from: the range holds about"),
    ],
)
def test_mau_query_rules(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidRequest, match=rf"^{message}"):
        MauQuery(**{"span": LAST_30_DAYS, **fields})


@pytest.fixture
async def meter_rows(db: Database) -> list[Raw]:
    raw = data.meters(random.Random(12))
    await data.ingest(db, raw)
    return raw


def brute_meter(raw: list[Raw], meter: str, days: list[date], scope: object = None) -> list[int]:
    out = []
    for day in days:
        total = 0
        for r in raw:
            mine = r["meter"] == meter and (
                scope is None or (r.get("project"), r.get("environment")) == scope
            )
            if mine and month(day) <= utc_day(r) <= day:
                total += r["value"]
        out.append(total)
    return out


async def test_meters_are_month_to_date_cumulative(db: Database, meter_rows: list[Raw]) -> None:
    lo, hi = datetime(2026, 10, 25, tzinfo=UTC), datetime(2026, 11, 18, 6, tzinfo=UTC)
    span = TimeRange(epoch_s(lo), epoch_s(hi))
    days = days_between(lo, hi)
    for meter in (Meter.DATA_EXPORT_EVENTS, Meter.SERVICE_CONNECTIONS, Meter.EXPERIMENTATION_UNITS):
        got = await meters.meter_intervals(db, MeterQuery(meter, span))
        assert [i.time for i in got] == [midnight(d) for d in days]
        assert [i.value for i in got] == brute_meter(meter_rows, meter.value, days)
        assert all(isinstance(i.value, int) for i in got)
    scoped = await meters.meter_intervals(
        db, MeterQuery(Meter.DATA_EXPORT_EVENTS, span, "web", "staging")
    )
    assert [i.value for i in scoped] == brute_meter(
        meter_rows, "data-export-events", days, ("web", "staging")
    )


async def test_fractional_meter_values_stay_numbers(db: Database) -> None:
    raw = [{"type": "meter", "time": data.iso(NOW), "meter": "experimentation-keys",
            "value": 1.25}]  # fmt: skip
    await data.ingest(db, raw)
    span = TimeRange(epoch_s(NOW), epoch_s(NOW))
    got = await meters.meter_intervals(db, MeterQuery(Meter.EXPERIMENTATION_KEYS, span))
    assert [(i.time, i.value) for i in got] == [(epoch_s(NOW) // 86400 * 86400, 1.25)]


@pytest.mark.parametrize(
    ("project", "environment", "missing"),
    [("web", None, "environment"), (None, "prod", "project")],
)
def test_a_meter_scope_needs_a_project_and_an_environment(
    project: str | None, environment: str | None, missing: str
) -> None:
    assert meters.meter_scope("web", "prod") == ("web", "prod")
    with pytest.raises(InvalidRequest, match=rf"^{missing}: required when"):
        meters.meter_scope(project, environment)
