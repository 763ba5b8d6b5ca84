"""One aggregate over every measure, against the REST series and against brute force."""

import random
from collections import defaultdict
from datetime import timedelta
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from resolvers import mau, meters, series
from resolvers.aggregate import Line, Usage, UsageQuery, check_query, span_for, usage
from resolvers.clock import epoch_s
from resolvers.database import Database
from resolvers.errors import InvalidRequest
from resolvers.ranges import TimeRange
from resolvers.vocabulary import (
    Dimension,
    Granularity,
    MauAggregation,
    Measure,
    Meter,
    SdkType,
    SeriesOrder,
)
from tests import usage_data as data
from tests.resolvers.test_mau_meters import brute_mau, days_between
from tests.usage_data import NOW

D = Dimension


def span(**ago: float) -> TimeRange:
    return TimeRange(epoch_s(NOW - timedelta(**ago)), epoch_s(NOW))


def key(line: Line, query: UsageQuery) -> tuple[Any, ...]:
    """Return a series' group: its label per grouped dimension, vocabularies spelled."""
    values = (getattr(line.labels, d.value) for d in query.group_by)
    return tuple(v.value if isinstance(v, Enum) else v for v in values)


def by_labels(result: Usage, query: UsageQuery) -> dict[tuple[Any, ...], tuple[int | float, ...]]:
    return {key(line, query): line.values for line in result.series}


def totals(result: Usage, query: UsageQuery) -> dict[tuple[Any, ...], int | float]:
    return {key(line, query): line.total for line in result.series}


def columns(result: series.SeriesList) -> list[tuple[int | float, ...]]:
    return [tuple(p.values[i] for p in result.points) for i in range(len(result.labels))]


@pytest.fixture
async def raw(db: Database) -> list[data.Raw]:
    rng = random.Random(21)
    records = [
        *data.evaluations(rng),
        *data.events(rng),
        *data.streams(rng),
        *data.contexts(rng),
        *data.meters(rng),
    ]
    await data.ingest(db, records)
    return records


async def test_evaluations_by_flag_and_variation_are_each_flags_rest_series(
    db: Database, raw: list[data.Raw]
) -> None:
    for ago, zone in ((timedelta(days=9), "Asia/Kolkata"), (timedelta(hours=30), "UTC")):
        query = UsageQuery(
            Measure.EVALUATIONS,
            TimeRange(epoch_s(NOW - ago), epoch_s(NOW)),
            zone=ZoneInfo(zone),
            filters={D.PROJECT: ("web",)},
            group_by=(D.ENVIRONMENT, D.FLAG, D.VARIATION),
        )
        got = by_labels(await usage(db, query, now=NOW), query)
        expected = {}
        for env in ("production", "staging"):
            for flag in ("f", "other"):
                rest = await series.evaluation_series(
                    db,
                    project="web",
                    environment=env,
                    flag=flag,
                    span=query.span,
                    now=NOW,
                    zone=query.zone,
                )
                for labels, column in zip(rest.labels, columns(rest), strict=True):
                    if any(column):
                        expected[(env, flag, labels.variation)] = column
        assert got == expected
        assert len(got) >= 6


async def test_evaluation_totals_by_sdk_and_version_equal_evaluation_sdks(db: Database) -> None:
    hour = timedelta(hours=1)
    await data.ingest(
        db,
        [
            data.sdk_evaluation(3 * hour, 3, "Go", "6.1.0"),
            data.sdk_evaluation(5 * hour, 2, "Go", "6.1.0", environment="staging"),
            data.sdk_evaluation(40 * hour, 4, "Go", "6.2.0"),
            data.sdk_evaluation(50 * hour, 1),
            data.sdk_evaluation(70 * hour, 7, "Python", "9.18.2", project="app"),
            data.sdk_evaluation(80 * hour, 9, "Python", "9.18.2"),
        ],
    )
    # From a UTC midnight to now: the daily grid and evaluationSdks count the same buckets.
    start = (NOW - timedelta(days=3)).replace(hour=0)
    whole = TimeRange(epoch_s(start), epoch_s(NOW))
    query = UsageQuery(Measure.EVALUATIONS, whole, group_by=(D.SDK, D.SDK_VERSION))
    result = await usage(db, query, now=NOW)
    got = totals(result, query)
    expected = await series.evaluation_sdks(db, span=whole, now=NOW)
    assert got == {(e.sdk, e.version): e.evaluations for e in expected}
    assert got[("Python", "9.18.2")] == 16
    # Ordered by total, most first.
    assert [line.total for line in result.series] == [16, 5, 4, 1]


async def test_streams_by_sdk_version_and_events_by_type_equal_rest(
    db: Database, raw: list[data.Raw]
) -> None:
    whole = span(days=2)
    query = UsageQuery(
        Measure.STREAM_CONNECTIONS,
        whole,
        filters={D.SOURCE: (SdkType.SERVER,)},
        group_by=(D.SDK, D.SDK_VERSION),
        order=SeriesOrder.LABELS,
    )
    got = await usage(db, query, now=NOW)
    rest = await series.stream_version_series(db, source=SdkType.SERVER, span=whole, now=NOW)
    assert [key(line, query) for line in got.series] == [
        (labels.sdk, labels.sdk_version) for labels in rest.labels
    ]
    assert [line.values for line in got.series] == columns(rest)
    # A gauge's total is its highest point.
    assert [line.total for line in got.series] == [max(c) for c in columns(rest)]

    events = await usage(db, UsageQuery(Measure.EVENTS, whole, group_by=(D.EVENT_TYPE,)), now=NOW)
    for line in events.series:
        kind = line.labels.event_type
        assert kind is not None
        rest = await series.event_series(db, event_type=kind, span=whole, now=NOW)
        assert [line.values] == columns(rest)
        assert line.total == sum(line.values) > 0


async def test_mau_by_sdk_type_is_rest_mau_day_by_day_and_totals_are_distinct(
    db: Database, raw: list[data.Raw]
) -> None:
    whole = span(days=20)
    query = UsageQuery(Measure.MAU, whole, group_by=(D.SDK_TYPE,))
    got = await usage(db, query, now=NOW)
    # What REST /mau?groupby=sdktype asks (only the user kind counts by default).
    rest = await mau.mau_series(db, mau.MauQuery(span=whole, group_by=(D.SDK_TYPE,)))
    grouped = by_labels(got, query)
    assert [(labels.sdk_type.value,) for labels in rest.labels] == sorted(grouped)  # type: ignore[union-attr]
    for labels, column in zip(rest.labels, columns(rest), strict=True):
        assert grouped[(labels.sdk_type.value,)] == column  # type: ignore[union-attr]
    # A group's total counts each user once over the range: never a sum of days.
    contexts = [r for r in raw if r["type"] == "context"]
    low, high = NOW - timedelta(days=20), NOW
    days = days_between(low, high)
    whole_range = brute_mau(
        contexts,
        [days[-1]],
        lambda _day: days[0],
        group=lambda r: (r["sdkType"],),
        keep=lambda r: r["contextKind"] == "user",
    )
    assert {k[1]: n for k, n in whole_range.items()} == totals(got, query)
    assert all(line.total < sum(line.values) for line in got.series)


async def test_mau_by_category_with_filters_and_aggregation(
    db: Database, raw: list[data.Raw]
) -> None:
    whole = span(days=10)
    query = UsageQuery(
        Measure.MAU,
        whole,
        filters={D.CONTEXT_KIND: ("user", "org"), D.PROJECT: ("web",)},
        group_by=(D.CATEGORY, D.ANONYMOUS),
        aggregation=MauAggregation.DAILY_INCREMENTAL,
        order=SeriesOrder.LABELS,
    )
    got = await usage(db, query, now=NOW)
    contexts = [r for r in raw if r["type"] == "context" and r["project"] == "web"]
    days = days_between(NOW - timedelta(days=10), NOW)
    expected = brute_mau(
        contexts, days, lambda day: day, group=lambda r: (r["category"], r["anonymous"])
    )
    table = {
        (data.local_midnight(day, ZoneInfo("UTC")), key(line, query)): v
        for line in got.series
        for day, v in zip(days, line.values, strict=True)
        if v
    }
    assert table == expected
    assert [key(line, query) for line in got.series] == sorted({k for _, k in expected})


async def test_meters_by_scope_are_rest_meters_and_total_what_was_added(
    db: Database, raw: list[data.Raw]
) -> None:
    whole = span(days=25)
    query = UsageQuery(Measure.DATA_EXPORT_EVENTS, whole, group_by=(D.PROJECT, D.ENVIRONMENT))
    got = await usage(db, query, now=NOW)
    for line in got.series:
        project, environment = line.labels.project, line.labels.environment
        assert line.labels.meter == "data-export-events"
        if not project:
            continue
        meter = Meter.DATA_EXPORT_EVENTS
        rest = await meters.meter_intervals(
            db, meters.MeterQuery(meter, whole, project, environment)
        )
        assert line.values == tuple(float(i.value) for i in rest)
    added: dict[tuple[str, str], float] = defaultdict(float)
    first_day = data.local_midnight((NOW - timedelta(days=25)).date(), ZoneInfo("UTC"))
    for r in raw:
        meter = r["type"] == "meter" and r["meter"] == "data-export-events"
        if meter and epoch_s(data.moment_of(r)) >= first_day:
            added[(r.get("project", ""), r.get("environment", ""))] += r["value"]
    assert totals(got, query) == added
    ungrouped = await usage(db, UsageQuery(Measure.DATA_EXPORT_EVENTS, whole), now=NOW)
    rest = await meters.meter_intervals(db, meters.MeterQuery(Meter.DATA_EXPORT_EVENTS, whole))
    assert ungrouped.series[0].values == tuple(float(i.value) for i in rest)
    assert ungrouped.series[0].total == sum(added.values())


@pytest.mark.parametrize("measure", [Measure.EVALUATIONS, Measure.MAU])
async def test_order_and_first_keep_the_right_groups(
    db: Database, raw: list[data.Raw], measure: Measure
) -> None:
    whole = span(days=20)
    group = (D.ENVIRONMENT, D.SDK) if measure is Measure.MAU else (D.ENVIRONMENT, D.FLAG)
    every = await usage(db, UsageQuery(measure, whole, group_by=group), now=NOW)
    found = totals(every, UsageQuery(measure, whole, group_by=group))
    assert len(found) >= 4
    cases = {
        SeriesOrder.TOTAL_DESC: sorted(found, key=lambda k: (-found[k], k)),
        SeriesOrder.TOTAL_ASC: sorted(found, key=lambda k: (found[k], k)),
        SeriesOrder.LABELS: sorted(found),
    }
    for order, expected in cases.items():
        query = UsageQuery(measure, whole, group_by=group, order=order, first=3)
        got = await usage(db, query, now=NOW)
        assert [key(line, query) for line in got.series] == expected[:3], order


@pytest.mark.parametrize(
    ("query", "named"),
    [
        (UsageQuery(Measure.EVALUATIONS, span(days=1), group_by=(D.CATEGORY,)), "groupBy"),
        (UsageQuery(Measure.EVENTS, span(days=1), filters={D.SDK: ("Go",)}), "filter"),
        (UsageQuery(Measure.MAU, span(days=1), zone=ZoneInfo("Europe/Berlin")), "tz"),
        (
            UsageQuery(Measure.SERVICE_CONNECTIONS, span(days=1), granularity=Granularity.HOURLY),
            "granularity",
        ),
        (UsageQuery(Measure.EVENTS, span(days=1), first=0), "first"),
        (
            UsageQuery(Measure.EVENTS, span(days=1), aggregation=MauAggregation.MONTH_TO_DATE),
            "aggregation",
        ),
    ],
)
def test_arguments_a_measure_cannot_take_are_named(query: UsageQuery, named: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        check_query(query)
    assert caught.value.text.startswith(f"{named}: ")


def test_ranges_default_as_the_rest_routes() -> None:
    assert span_for(Measure.EVENTS, None, None, now=NOW) == span(days=1)
    assert span_for(Measure.MAU, None, None, now=NOW) == span(days=30)
    month = span_for(Measure.EXPERIMENTATION_KEYS, None, None, now=NOW)
    assert month.lo == epoch_s(NOW.replace(day=1, hour=0))
    with pytest.raises(InvalidRequest, match=r"^from: "):
        span_for(Measure.EXPERIMENTATION_KEYS, epoch_s(NOW - timedelta(days=40)), None, now=NOW)
    with pytest.raises(InvalidRequest, match=r"^from: "):
        span_for(Measure.EVENTS, epoch_s(NOW + timedelta(days=1)), None, now=NOW)
