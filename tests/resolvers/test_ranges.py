"""The range rules every door shares: defaults, clipping, meters' 31 days, the bucket bound."""

from datetime import UTC, datetime, timedelta

import pytest

from resolvers import ranges
from resolvers.clock import epoch_s
from resolvers.errors import InvalidRequest
from resolvers.ranges import TimeRange
from resolvers.vocabulary import Granularity
from tests.usage_data import NOW

NOW_S = epoch_s(NOW)


def test_to_defaults_to_now_and_is_clipped_to_it() -> None:
    assert ranges.requested(None, None, now=NOW, default_from=5) == TimeRange(5, NOW_S)
    assert ranges.requested(5, NOW_S + 99, now=NOW, default_from=0) == TimeRange(5, NOW_S)
    day = ranges.usage_span(None, None, now=NOW, default=timedelta(days=1))
    assert day == TimeRange(NOW_S - 86400, NOW_S)


@pytest.mark.parametrize(("lo", "hi"), [(10, 5), (NOW_S + 1, None)])
def test_from_after_to_or_in_the_future_is_refused(lo: int, hi: int | None) -> None:
    with pytest.raises(InvalidRequest, match=r"^from: must not be"):
        ranges.requested(lo, hi, now=NOW, default_from=0)


def test_date_times_without_a_zone_are_utc() -> None:
    naive = datetime(2026, 11, 20, 12, 0)
    assert ranges.seconds(naive) == ranges.seconds(naive.replace(tzinfo=UTC)) == NOW_S
    assert ranges.seconds(None) is None


def test_meter_span_defaults_to_the_month_and_spans_at_most_31_days() -> None:
    month = epoch_s(datetime(2026, 11, 1, tzinfo=UTC))
    assert ranges.meter_span(None, None, now=NOW) == TimeRange(month, NOW_S)
    with pytest.raises(InvalidRequest, match="at most 31 days"):
        ranges.meter_span(NOW_S - 31 * 86400 - 1, None, now=NOW)


@pytest.mark.parametrize("granularity", list(Granularity))
def test_a_series_holds_at_most_max_buckets(granularity: Granularity) -> None:
    width = ranges.APPROXIMATE_WIDTH_S[granularity]
    at_limit = TimeRange(NOW_S - (ranges.MAX_BUCKETS - 1) * width, NOW_S)
    ranges.check_buckets(at_limit, granularity)
    too_long = TimeRange(at_limit.lo - width, NOW_S)
    with pytest.raises(InvalidRequest, match=rf"^from: .*at most {ranges.MAX_BUCKETS}"):
        ranges.check_buckets(too_long, granularity)
