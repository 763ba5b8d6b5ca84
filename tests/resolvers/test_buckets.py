"""Granularity and bucket boundaries, checked against hand-written local times."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from resolvers.buckets import granularity_for, grid, month_start, utc_days
from resolvers.vocabulary import Granularity
from storage.series import Run

NOW = int(datetime(2026, 11, 20, 12, 0, tzinfo=UTC).timestamp())


def at(text: str, zone: str = "UTC") -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).timestamp())


@pytest.mark.parametrize(
    ("age_s", "expected"),
    [
        (0, Granularity.MINUTELY),
        (7200, Granularity.MINUTELY),
        (7201, Granularity.HOURLY),
        (2 * 86400, Granularity.HOURLY),
        (2 * 86400 + 1, Granularity.DAILY),
        (90 * 86400, Granularity.DAILY),
    ],
)
def test_granularity_follows_the_age_of_from(age_s: int, expected: Granularity) -> None:
    assert granularity_for(NOW - age_s, NOW) is expected


def test_daily_utc_buckets_hold_from_and_to() -> None:
    g = grid(Granularity.DAILY, at("2026-11-01T10:00"), at("2026-11-03T00:00"))
    assert g.starts == (at("2026-11-01T00:00"), at("2026-11-02T00:00"), at("2026-11-03T00:00"))
    assert g.end == at("2026-11-04T00:00")
    assert g.runs() == [Run(at("2026-11-01T00:00"), 86400, 3)]


@pytest.mark.parametrize("zone", ["Asia/Kolkata", "Asia/Kathmandu"])
def test_daily_buckets_break_at_local_midnight(zone: str) -> None:
    g = grid(Granularity.DAILY, at("2026-11-10T12:00"), at("2026-11-12T12:00"), ZoneInfo(zone))
    expected = [at(f"2026-11-{d}T00:00", zone) for d in (10, 11, 12, 13)]
    assert [*g.starts, g.end] == expected
    # Kolkata midnight is 18:30 UTC, Kathmandu's 18:15 UTC: both on a quarter hour.
    assert all(s % 900 == 0 for s in expected)
    assert datetime.fromtimestamp(g.starts[0], UTC).strftime("%H:%M") == (
        "18:30" if zone == "Asia/Kolkata" else "18:15"
    )


def test_daily_buckets_across_a_dst_change_are_23_24_25_hours_long() -> None:
    ny = ZoneInfo("America/New_York")
    g = grid(
        Granularity.DAILY,
        at("2026-10-31T12:00", "America/New_York"),
        at("2026-11-02T12:00", "America/New_York"),
        ny,
    )
    widths = [hi - lo for lo, hi in zip((*g.starts,), (*g.starts[1:], g.end), strict=True)]
    assert widths == [86400, 90000, 86400]
    assert g.starts[1] == at("2026-11-01T04:00")  # EDT midnight
    assert g.starts[2] == at("2026-11-02T05:00")  # EST midnight
    assert g.runs() == [
        Run(g.starts[0], 86400, 1),
        Run(g.starts[1], 90000, 1),
        Run(g.starts[2], 86400, 1),
    ]
    spring = grid(
        Granularity.DAILY,
        at("2026-03-08T00:00", "America/New_York"),
        at("2026-03-08T12:00", "America/New_York"),
        ny,
    )
    assert spring.end - spring.starts[0] == 23 * 3600


def test_hourly_buckets_break_at_local_hours() -> None:
    g = grid(
        Granularity.HOURLY,
        at("2026-11-20T10:20"),
        at("2026-11-20T11:59"),
        ZoneInfo("Asia/Kathmandu"),
    )
    # Local hours in Kathmandu start at :15 UTC.
    assert g.starts == (at("2026-11-20T10:15"), at("2026-11-20T11:15"))
    assert g.end == at("2026-11-20T12:15")
    utc = grid(Granularity.HOURLY, at("2026-11-20T10:20"), at("2026-11-20T11:00"))
    assert utc.starts == (at("2026-11-20T10:00"), at("2026-11-20T11:00"))


def test_hourly_buckets_over_the_repeated_hour() -> None:
    ny = ZoneInfo("America/New_York")
    g = grid(Granularity.HOURLY, at("2026-11-01T05:00"), at("2026-11-01T06:30"), ny)
    # 01:00 EDT, 01:00 EST: the local hour 1 happens twice, as two buckets.
    assert g.starts == (at("2026-11-01T05:00"), at("2026-11-01T06:00"))


def test_minutely_buckets() -> None:
    g = grid(Granularity.MINUTELY, at("2026-11-20T11:58:30"), at("2026-11-20T12:00"))
    assert g.starts == (at("2026-11-20T11:58"), at("2026-11-20T11:59"), at("2026-11-20T12:00"))
    assert g.source_width == 60
    assert grid(Granularity.HOURLY, NOW, NOW).source_width == 900


def test_utc_days_and_month_start() -> None:
    assert utc_days(at("2026-10-31T23:00"), at("2026-11-01T00:00")) == [
        at("2026-10-31T00:00"),
        at("2026-11-01T00:00"),
    ]
    assert month_start(at("2026-11-20T12:00")) == at("2026-11-01T00:00")


def test_hourly_grid_terminates_for_an_offset_off_the_quarter_hours() -> None:
    # Monrovia was UTC-0:44:30 until 1972: no local hour starts on a quarter hour.
    lo = at("1971-06-01T10:20")
    g = grid(Granularity.HOURLY, lo, lo + 7200, ZoneInfo("Africa/Monrovia"))
    assert g.starts == (at("1971-06-01T10:00"), at("1971-06-01T11:00"), at("1971-06-01T12:00"))
    assert all(b - a == 3600 for a, b in zip(g.starts, (*g.starts[1:], g.end), strict=True))
