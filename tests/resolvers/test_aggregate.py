"""One aggregate over every measure, against the REST series and against brute force."""

import random
from collections import defaultdict
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from resolvers import mau, meters, series
from resolvers.aggregate import Usage, UsageQuery, check_query, usage, usage_span
from resolvers.clock import epoch_s
from resolvers.errors import InvalidRequest
from resolvers.usage_params import TimeRange
from resolvers.vocabulary import (
    Dimension,
    Granularity,
    MauAggregation,
    Measure,
    SdkType,
    SeriesOrder,
)
from storage.engine import Database
from tests import usage_data as data
from tests.resolvers.test_mau_meters import brute_mau, days_between
from tests.usage_data import NOW

D = Dimension


def span(**ago: float) -> TimeRange:
    return TimeRange(epoch_s(NOW - timedelta(**ago)), epoch_s(NOW))


def by_labels(result: Usage) -> dict[tuple[Any, ...], tuple[int | float, ...]]:
    return {tuple(line.labels.values()): line.values for line in result.series}


def columns(result: series.SeriesList) -> list[tuple[int | float, ...]]:
    return [tuple(p.values[i] for p in result.points) for i in range(len(result.metadata))]


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
        got = by_labels(await usage(db, query, now=NOW))
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
                for meta, column in zip(rest.metadata, columns(rest), strict=True):
                    if any(column):
                        expected[(env, flag, meta["variation"])] = column
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
    totals = {tuple(line.labels.values()): line.total for line in result.series}
    expected = await series.evaluation_sdks(db, span=whole, now=NOW)
    assert totals == {(e.sdk, e.version): e.evaluations for e in expected}
    assert totals[("Python", "9.18.2")] == 16
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
    rest = await series.stream_version_series(db, source="server", span=whole, now=NOW)
    assert [tuple(line.labels.values()) for line in got.series] == [
        (m["sdk"], m["version"]) for m in rest.metadata
    ]
    assert [line.values for line in got.series] == columns(rest)
    # A gauge's total is its highest point.
    assert [line.total for line in got.series] == [max(c) for c in columns(rest)]

    events = await usage(db, UsageQuery(Measure.EVENTS, whole, group_by=(D.EVENT_TYPE,)), now=NOW)
    for line in events.series:
        kind = line.labels[D.EVENT_TYPE]
        rest = await series.event_series(db, event_type=kind, span=whole, now=NOW)
        assert [line.values] == columns(rest)
        assert line.total == sum(line.values) > 0


async def test_mau_by_sdk_type_is_rest_mau_day_by_day_and_totals_are_distinct(
    db: Database, raw: list[data.Raw]
) -> None:
    whole = span(days=20)
    query = UsageQuery(Measure.MAU, whole, group_by=(D.SDK_TYPE,))
    got = await usage(db, query, now=NOW)
    # As REST parses /mau?groupby=sdktype (only the user kind counts by default).
    ms = {"from": [str(whole.lo * 1000)], "to": [str(whole.hi * 1000)], "groupby": ["sdktype"]}
    rest = await mau.mau_series(db, mau.parse_mau_query(ms, now=NOW))
    assert [(m["sdktype"],) for m in rest.metadata] == sorted(by_labels(got))
    for meta, column in zip(rest.metadata, columns(rest), strict=True):
        assert by_labels(got)[(meta["sdktype"],)] == column
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
    assert {k[1]: n for k, n in whole_range.items()} == {
        tuple(line.labels.values()): line.total for line in got.series
    }
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
        (data.local_midnight(day, ZoneInfo("UTC")), tuple(line.labels.values())): v
        for line in got.series
        for day, v in zip(days, line.values, strict=True)
        if v
    }
    assert table == expected
    assert [tuple(line.labels.values()) for line in got.series] == sorted({k for _, k in expected})


async def test_meters_by_scope_are_rest_meters_and_total_what_was_added(
    db: Database, raw: list[data.Raw]
) -> None:
    whole = span(days=25)
    query = UsageQuery(Measure.DATA_EXPORT_EVENTS, whole, group_by=(D.PROJECT, D.ENVIRONMENT))
    got = await usage(db, query, now=NOW)
    for line in got.series:
        project, environment = line.labels[D.PROJECT], line.labels[D.ENVIRONMENT]
        if not project:
            continue
        rest = await meters.meter_intervals(
            db, meter="data-export-events", span=whole, project=project, environment=environment
        )
        assert line.values == tuple(float(i.value) for i in rest)
    added: dict[tuple[str, str], float] = defaultdict(float)
    first_day = data.local_midnight((NOW - timedelta(days=25)).date(), ZoneInfo("UTC"))
    for r in raw:
        meter = r["type"] == "meter" and r["meter"] == "data-export-events"
        if meter and epoch_s(data.moment_of(r)) >= first_day:
            added[(r.get("project", ""), r.get("environment", ""))] += r["value"]
    assert {tuple(line.labels.values()): line.total for line in got.series} == added
    ungrouped = await usage(db, UsageQuery(Measure.DATA_EXPORT_EVENTS, whole), now=NOW)
    rest = await meters.meter_intervals(db, meter="data-export-events", span=whole)
    assert ungrouped.series[0].values == tuple(float(i.value) for i in rest)
    assert ungrouped.series[0].total == sum(added.values())


@pytest.mark.parametrize("measure", [Measure.EVALUATIONS, Measure.MAU])
async def test_order_and_first_keep_the_right_groups(
    db: Database, raw: list[data.Raw], measure: Measure
) -> None:
    whole = span(days=20)
    group = (D.ENVIRONMENT, D.SDK) if measure is Measure.MAU else (D.ENVIRONMENT, D.FLAG)
    every = await usage(db, UsageQuery(measure, whole, group_by=group), now=NOW)
    totals = {tuple(line.labels.values()): line.total for line in every.series}
    assert len(totals) >= 4
    cases = {
        SeriesOrder.TOTAL_DESC: sorted(totals, key=lambda k: (-totals[k], k)),
        SeriesOrder.TOTAL_ASC: sorted(totals, key=lambda k: (totals[k], k)),
        SeriesOrder.LABELS: sorted(totals),
    }
    for order, expected in cases.items():
        query = UsageQuery(measure, whole, group_by=group, order=order, first=3)
        got = await usage(db, query, now=NOW)
        assert [tuple(line.labels.values()) for line in got.series] == expected[:3], order


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
    assert usage_span(Measure.EVENTS, None, None, now=NOW) == span(days=1)
    assert usage_span(Measure.MAU, None, None, now=NOW) == span(days=30)
    month = usage_span(Measure.EXPERIMENTATION_KEYS, None, None, now=NOW)
    assert month.lo == meters.current_month_start(NOW)
    with pytest.raises(InvalidRequest, match=r"^from: "):
        usage_span(Measure.EXPERIMENTATION_KEYS, NOW - timedelta(days=40), None, now=NOW)
    with pytest.raises(InvalidRequest, match=r"^from: "):
        usage_span(Measure.EVENTS, NOW + timedelta(days=1), None, now=NOW)
