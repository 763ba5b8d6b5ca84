"""LaunchDarkly query strings: units, defaults, clipping, single and repeated values, beta."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from gateway.launchdarkly import query as q
from resolvers.buckets import zone_named
from resolvers.clock import epoch_s
from resolvers.errors import Forbidden, InvalidRequest
from resolvers.mau import MauQuery
from resolvers.meters import MeterQuery
from resolvers.ranges import TimeRange
from resolvers.vocabulary import Dimension, MauAggregation, Meter, SdkType
from tests.usage_data import NOW

NOW_S = epoch_s(NOW)
DAY = timedelta(days=1)


def test_milliseconds_defaults_and_clipping() -> None:
    day_ago = NOW_S - 86400
    assert q.usage_range({}, now=NOW, default=DAY) == TimeRange(day_ago, NOW_S)
    query = {"from": [str(day_ago * 1000 + 999)], "to": [str((NOW_S + 3600) * 1000)]}
    assert q.usage_range(query, now=NOW, default=DAY) == TimeRange(day_ago, NOW_S)


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
def test_bad_times_name_the_parameter(query: q.Query, name: str) -> None:
    with pytest.raises(InvalidRequest, match=rf"^{name}:"):
        q.usage_range(query, now=NOW, default=DAY)


def test_meters_take_seconds_from_the_month_start_and_at_most_31_days() -> None:
    start = epoch_s(datetime(2026, 11, 1, tzinfo=UTC))
    meter = Meter.SERVICE_CONNECTIONS
    assert q.meter_query({}, meter, now=NOW) == MeterQuery(meter, TimeRange(start, NOW_S))
    ok = {"from": [str(NOW_S - 31 * 86400)], "projectKey": ["a"], "environmentKey": ["b"]}
    assert q.meter_query(ok, meter, now=NOW) == MeterQuery(
        meter, TimeRange(NOW_S - 31 * 86400, NOW_S), "a", "b"
    )
    with pytest.raises(InvalidRequest, match=r"^from:"):
        q.meter_query({"from": [str(NOW_S - 31 * 86400 - 1)]}, meter, now=NOW)


@pytest.mark.parametrize(
    ("query", "name"),
    [({"projectKey": ["a"]}, "environmentKey"), ({"environmentKey": ["b"]}, "projectKey")],
)
def test_meter_scope_needs_both_keys(query: q.Query, name: str) -> None:
    with pytest.raises(InvalidRequest, match=rf"^{name}: required when"):
        q.meter_query(query, Meter.SERVICE_CONNECTIONS, now=NOW)


def test_zone() -> None:
    assert zone_named(q.zone_name({})) == ZoneInfo("UTC")
    assert zone_named(q.zone_name({"tz": ["Asia/Kathmandu"]})) == ZoneInfo("Asia/Kathmandu")
    for bad in ("Mars/Olympus", "", "../../etc/passwd", "Asia/Kolkata\x00"):
        with pytest.raises(InvalidRequest, match=r"^tz:"):
            zone_named(q.zone_name({"tz": [bad]}))


def test_choices_keep_order_without_repeats() -> None:
    query = {"sdktype": ["server", "client", "server"]}
    sdk_types = q.spellings(SdkType)
    assert q.choices(query, "sdktype", sdk_types) == (SdkType.SERVER, SdkType.CLIENT)
    with pytest.raises(InvalidRequest, match=r"^sdktype: must be one of client, server"):
        q.choices({"sdktype": ["edge"]}, "sdktype", sdk_types)


def test_mau_query_in_launchdarkly_spelling() -> None:
    query = {
        "project": ["web"],
        "environment": ["production"],
        "sdktype": ["client"],
        "anonymous": ["false"],
        "groupby": ["sdktype", "contextKind"],
        "aggregationType": ["month_to_date"],
    }
    parsed = q.mau_query(query, now=NOW)
    assert parsed == MauQuery(
        span=TimeRange(NOW_S - 30 * 86400, NOW_S),
        projects=("web",),
        environments=("production",),
        sdk_types=(SdkType.CLIENT,),
        anonymous=False,
        group_by=(Dimension.SDK_TYPE, Dimension.CONTEXT_KIND),
        aggregation=MauAggregation.MONTH_TO_DATE,
    )


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ({"environment": ["production"]}, "environment"),
        ({"groupby": ["sdkAppId"]}, "groupby"),
        ({"groupby": ["flag"]}, "groupby"),
        ({"anonymous": ["maybe"]}, "anonymous"),
        ({"aggregationType": ["weekly"]}, "aggregationType"),
    ],
)
def test_mau_query_names_the_bad_parameter(query: q.Query, name: str) -> None:
    with pytest.raises(InvalidRequest, match=rf"^{name}:"):
        q.mau_query(query, now=NOW)


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
        q.check_beta(values)
    else:
        with pytest.raises(Forbidden, match="LD-API-Version: beta"):
            q.check_beta(values)
