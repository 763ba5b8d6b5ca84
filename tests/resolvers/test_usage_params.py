"""Vendor parameters: units, defaults, clipping, single and repeated values, beta header."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from resolvers import usage_params as p
from resolvers.clock import epoch_s
from resolvers.errors import Forbidden, InvalidRequest
from tests.usage_data import NOW

NOW_S = epoch_s(NOW)


def test_milliseconds_seconds_defaults_and_clipping() -> None:
    day_ago = NOW_S - 86400
    assert p.time_range({}, now=NOW, default_from=day_ago) == p.TimeRange(day_ago, NOW_S)
    q = {"from": [str(day_ago * 1000 + 999)], "to": [str((NOW_S + 3600) * 1000)]}
    assert p.time_range(q, now=NOW, default_from=0) == p.TimeRange(day_ago, NOW_S)
    q = {"from": [str(day_ago)], "to": [str(day_ago + 60)]}
    assert p.time_range(q, now=NOW, default_from=0, milliseconds=False) == p.TimeRange(
        day_ago, day_ago + 60
    )


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ({"from": ["1.5"]}, "from"),
        ({"from": ["-1"]}, "from"),
        ({"from": [""]}, "from"),
        ({"to": ["١٢"]}, "to"),  # non-ASCII digits
        ({"from": ["1", "2"]}, "from"),
        ({"from": ["2000"], "to": ["1000"]}, "from"),
        ({"from": [str((NOW_S + 10) * 1000)]}, "from"),
    ],
)
def test_bad_times_name_the_parameter(query: p.Query, name: str) -> None:
    with pytest.raises(InvalidRequest, match=rf"^{name}:"):
        p.time_range(query, now=NOW, default_from=0)


def test_meter_range_is_at_most_31_days() -> None:
    start = epoch_s(datetime(2026, 11, 1, tzinfo=UTC))
    assert p.meter_range({}, now=NOW, month_start=start) == p.TimeRange(start, NOW_S)
    ok = {"from": [str(NOW_S - 31 * 86400)]}
    assert p.meter_range(ok, now=NOW, month_start=start).lo == NOW_S - 31 * 86400
    with pytest.raises(InvalidRequest, match=r"^from:"):
        p.meter_range({"from": [str(NOW_S - 31 * 86400 - 1)]}, now=NOW, month_start=start)


def test_meter_scope_needs_both_keys() -> None:
    assert p.meter_scope({}) == (None, None)
    assert p.meter_scope({"projectKey": ["a"], "environmentKey": ["b"]}) == ("a", "b")
    with pytest.raises(InvalidRequest, match=r"^environmentKey:"):
        p.meter_scope({"projectKey": ["a"]})
    with pytest.raises(InvalidRequest, match=r"^projectKey:"):
        p.meter_scope({"environmentKey": ["b"]})


def test_zone() -> None:
    assert p.zone({}) == ZoneInfo("UTC")
    assert p.zone({"tz": ["Asia/Kathmandu"]}) == ZoneInfo("Asia/Kathmandu")
    for bad in ("Mars/Olympus", "", "../../etc/passwd", "Asia/Kolkata\x00"):
        with pytest.raises(InvalidRequest, match=r"^tz:"):
            p.zone({"tz": [bad]})


def test_choices_keep_order_without_repeats() -> None:
    q = {"sdktype": ["server", "client", "server"]}
    assert p.choices(q, "sdktype", ("client", "server")) == ("server", "client")
    with pytest.raises(InvalidRequest, match=r"^sdktype:"):
        p.choices({"sdktype": ["edge"]}, "sdktype", ("client", "server"))


@pytest.mark.parametrize(
    ("values", "allowed"),
    [
        (["beta"], True),
        (["beta", "20240415"], True),
        (["beta, 20240415"], True),
        (["20240415", "beta"], False),
        (["20240415, beta"], False),
        (["Beta"], False),
        ([], False),
    ],
)
def test_first_beta_header_value_wins(values: list[str], allowed: bool) -> None:
    if allowed:
        p.check_beta(values)
    else:
        with pytest.raises(Forbidden, match="LD-API-Version: beta"):
            p.check_beta(values)
