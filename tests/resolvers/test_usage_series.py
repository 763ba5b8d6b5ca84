"""Evaluation, event and stream series against brute-force sums of the raw records."""

import random
from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from resolvers import series
from resolvers.clock import epoch_s
from resolvers.database import Database
from resolvers.errors import NotFound
from resolvers.ranges import TimeRange
from resolvers.series import Labels
from resolvers.vocabulary import EventType, SdkType
from tests import usage_data as data
from tests.usage_data import NOW


def span(lo: datetime, hi: datetime = NOW) -> TimeRange:
    return TimeRange(epoch_s(lo), epoch_s(hi))


def table(result: series.SeriesList) -> dict[tuple[int, int], int | float]:
    return {(p.time, i): v for p in result.points for i, v in enumerate(p.values)}


@pytest.mark.parametrize(
    ("zone", "days"),
    [("UTC", 30), ("Asia/Kolkata", 30), ("Asia/Kathmandu", 30), ("America/New_York", 25)],
)
async def test_daily_evaluations_by_variation_in_a_zone(db: Database, zone: str, days: int) -> None:
    raw = data.evaluations(random.Random(7))
    await data.ingest(db, raw)
    tz = ZoneInfo(zone)
    lo = NOW - timedelta(days=days)  # 25 days back spans 2026-11-01, a DST change in New York
    result = await series.evaluation_series(
        db, project="web", environment="production", flag="f", span=span(lo), now=NOW, zone=tz
    )
    assert result.labels == (
        Labels(flag="f", variation=0, value=False),
        Labels(flag="f", variation=1, value=True),
        Labels(flag="f", variation=3, value={"colour": "blue"}),
    )
    starts = data.daily_starts(lo, NOW, tz)
    assert [p.time for p in result.points] == starts
    mine = [r for r in raw if r["flag"] == "f" and r["environment"] == "production"]
    # Records before the first bucket are outside the answer; later ones all land.
    mine = [r for r in mine if epoch_s(data.moment_of(r)) >= starts[0]]
    expected = data.sums(mine, data.day_key(tz), lambda r: [0, 1, 3].index(r["variation"]))
    assert table(result) == {(t, i): expected.get((t, i), 0) for t in starts for i in range(3)}
    assert sum(expected.values()) > 0


async def test_hourly_and_minutely_evaluations(db: Database) -> None:
    raw = data.evaluations(random.Random(8), 600, days=1.5)
    await data.ingest(db, raw)
    mine = [r for r in raw if r["flag"] == "f" and r["environment"] == "production"]
    variation = {0: 0, 1: 1, 3: 2}
    tz = ZoneInfo("Asia/Kathmandu")
    lo = NOW - timedelta(hours=30)
    hourly = await series.evaluation_series(
        db, project="web", environment="production", flag="f", span=span(lo), now=NOW, zone=tz
    )
    first = epoch_s(lo) - (epoch_s(lo) - 15 * 60) % 3600  # Kathmandu hours start at :15 UTC
    assert [p.time for p in hourly.points] == list(range(first, epoch_s(NOW) + 1, 3600))
    expected = data.sums(
        [r for r in mine if epoch_s(data.moment_of(r)) >= first],
        data.hour_key(tz),
        lambda r: variation[r["variation"]],
    )
    assert {k: v for k, v in table(hourly).items() if v} == dict(expected)

    lo = NOW - timedelta(minutes=90)
    minutely = await series.evaluation_series(
        db, project="web", environment="production", flag="f", span=span(lo), now=NOW
    )
    assert len(minutely.points) == 91
    expected = data.sums(
        [r for r in mine if data.moment_of(r) >= lo],
        data.minute_key,
        lambda r: variation[r["variation"]],
    )
    assert {k: v for k, v in table(minutely).items() if v} == dict(expected)
    assert expected


async def test_never_seen_flag_environment_or_project_is_not_found(db: Database) -> None:
    await data.ingest(db, data.evaluations(random.Random(1), 20))
    for project, env, flag in [
        ("nope", "production", "f"),
        ("web", "nope", "f"),
        ("web", "production", "nope"),
    ]:
        with pytest.raises(NotFound):
            await series.evaluation_series(
                db, project=project, environment=env, flag=flag, span=span(NOW), now=NOW
            )


async def test_events_by_type(db: Database) -> None:
    raw = data.events(random.Random(3))
    await data.ingest(db, raw)
    lo = NOW - timedelta(hours=24)
    for kind in EventType:
        result = await series.event_series(db, event_type=kind, span=span(lo), now=NOW)
        assert result.labels == (Labels(event_type=kind),)
        hour = epoch_s(lo) // 3600 * 3600
        assert [p.time for p in result.points] == list(range(hour, epoch_s(NOW) + 1, 3600))
        expected = data.sums(
            [r for r in raw if r["eventType"] == kind.value and epoch_s(data.moment_of(r)) >= hour],
            data.hour_key(ZoneInfo("UTC")),
            lambda r: 0,
        )
        assert {k: v for k, v in table(result).items() if v} == dict(expected)


def peaks(raw: list[data.Raw], key: object, *, by_version: bool) -> dict[tuple[int, object], int]:
    top: dict[tuple[int, str, str], int] = defaultdict(int)
    for r in raw:
        k = (key(data.moment_of(r)), r["sdk"], r["sdkVersion"])  # type: ignore[operator]
        top[k] = max(top[k], r["connections"])
    out: dict[tuple[int, object], int] = defaultdict(int)
    for (t, sdk, version), n in top.items():
        out[(t, (sdk or "Unknown", version or "Unknown") if by_version else 0)] += n
    return out


async def test_stream_peaks_summed_over_versions(db: Database) -> None:
    raw = data.streams(random.Random(4))
    await data.ingest(db, raw)
    tz = ZoneInfo("Asia/Kolkata")
    lo = NOW - timedelta(days=3)
    result = await series.stream_series(db, source=SdkType.SERVER, span=span(lo), now=NOW, zone=tz)
    assert result.labels == (Labels(source=SdkType.SERVER),)
    starts = data.daily_starts(lo, NOW, tz)
    mine = [r for r in raw if r["source"] == "server" and epoch_s(data.moment_of(r)) >= starts[0]]
    expected = peaks(mine, data.day_key(tz), by_version=False)
    assert table(result) == {(t, 0): expected.get((t, 0), 0) for t in starts}


async def test_stream_peaks_by_sdk_version_with_filters(db: Database) -> None:
    raw = data.streams(random.Random(5))
    await data.ingest(db, raw)
    lo = NOW - timedelta(hours=20)
    hour = epoch_s(lo) // 3600 * 3600
    result = await series.stream_version_series(db, source=SdkType.SERVER, span=span(lo), now=NOW)
    mine = [r for r in raw if r["source"] == "server" and epoch_s(data.moment_of(r)) >= hour]
    expected = peaks(mine, data.hour_key(ZoneInfo("UTC")), by_version=True)
    keys = sorted({k for _, k in expected})
    assert [(m.sdk, m.sdk_version) for m in result.labels] == keys
    assert all(m.source is SdkType.SERVER for m in result.labels)
    got = {(p.time, keys[i]): v for p in result.points for i, v in enumerate(p.values) if v}
    assert got == {k: v for k, v in expected.items() if v}

    only = await series.stream_version_series(
        db, source=SdkType.SERVER, span=span(lo), now=NOW, sdks=["Go"], versions=["6.2.0"]
    )
    assert [(m.sdk, m.sdk_version) for m in only.labels] == [("Go", "6.2.0")]
    assert sum(p.values[0] for p in only.points) == sum(
        v for (_, k), v in expected.items() if k == ("Go", "6.2.0")
    )


async def test_sdk_versions_of_the_past_60_days(db: Database) -> None:
    old = {"type": "stream", "time": (NOW - timedelta(days=61)).isoformat(), "source": "client",
           "sdk": "Old", "sdkVersion": "1.0", "connections": 1}  # fmt: skip
    raw = [*data.streams(random.Random(6), 50), old]
    await data.ingest(db, raw)
    got = await series.stream_sdk_versions(db, source=SdkType.CLIENT, now=NOW)
    expected = sorted(
        {
            (r["sdk"] or "Unknown", r["sdkVersion"] or "Unknown")
            for r in raw
            if r["source"] == "client" and data.moment_of(r) >= NOW - timedelta(days=60)
        }
    )
    assert got == expected
    assert ("Old", "1.0") not in got
