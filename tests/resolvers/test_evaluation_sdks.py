"""Evaluations per SDK name and version over a range, summed in SQL."""

from datetime import timedelta

from resolvers.clock import epoch_s
from resolvers.database import Database
from resolvers.ranges import TimeRange
from resolvers.series import SdkEvaluations, evaluation_sdks
from tests.usage_data import NOW, ingest, sdk_evaluation


def _span(ago: timedelta) -> TimeRange:
    return TimeRange(epoch_s(NOW - ago), epoch_s(NOW))


async def test_a_day_sums_quarter_hours_per_sdk_and_version(db: Database) -> None:
    hour = timedelta(hours=1)
    await ingest(
        db,
        [
            sdk_evaluation(3 * hour, 3, "Go", "6.1.0"),
            sdk_evaluation(5 * hour, 2, "Go", "6.1.0", environment="staging"),
            sdk_evaluation(10 * hour, 4, "Go", "6.2.0"),
            sdk_evaluation(20 * hour, 1),
            sdk_evaluation(23 * hour, 7, "Python", "9.18.2", project="app"),
            # From is on a quarter hour: a second earlier is the quarter before it.
            sdk_evaluation(24 * hour + timedelta(seconds=1), 50, "Go", "6.1.0"),
            sdk_evaluation(48 * hour, 60, "Python", "9.18.2"),
        ],
    )

    assert await evaluation_sdks(db, span=_span(24 * hour), now=NOW) == [
        SdkEvaluations("", "", 1),
        SdkEvaluations("Go", "6.1.0", 5),
        SdkEvaluations("Go", "6.2.0", 4),
        SdkEvaluations("Python", "9.18.2", 7),
    ]
    assert await evaluation_sdks(
        db, span=_span(24 * hour), now=NOW, project="web", environment="production"
    ) == [
        SdkEvaluations("", "", 1),
        SdkEvaluations("Go", "6.1.0", 3),
        SdkEvaluations("Go", "6.2.0", 4),
    ]
    assert await evaluation_sdks(db, span=_span(24 * hour), now=NOW, project="nope") == []


async def test_a_recent_range_counts_minutes(db: Database) -> None:
    minute = timedelta(minutes=1)
    await ingest(
        db,
        [
            sdk_evaluation(5 * minute, 2, "Go", "6.1.0"),
            sdk_evaluation(20 * minute, 3, "Go", "6.1.0"),
            # In the quarter hour (11:30) holding `from` (11:40), but not in its minutes.
            sdk_evaluation(22 * minute, 40, "Go", "6.1.0"),
        ],
    )

    assert await evaluation_sdks(db, span=_span(20 * minute), now=NOW) == [
        SdkEvaluations("Go", "6.1.0", 5)
    ]
