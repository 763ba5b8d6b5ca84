"""Statistics fields as series: carried forward per instance, summed for the fleet."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from resolvers.clock import epoch_s
from resolvers.database import Database
from resolvers.errors import InvalidRequest
from resolvers.ranges import TimeRange
from resolvers.statistics_series import statistics_field, statistics_series
from resolvers.vocabulary import Granularity
from tests.statistics_helpers import document, store

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def documents(rng: random.Random) -> list[dict[str, object]]:
    out = []
    for instance in ("a", "b", "c"):
        for _ in range(12):
            taken = NOW - timedelta(minutes=rng.randrange(0, 6 * 24 * 60))
            stamp = taken.isoformat().replace("+00:00", "Z")
            out.append(
                document(
                    instance,
                    stamp,
                    users=rng.randint(0, 50),
                    maxConstraints=rng.randint(0, 9),
                    activeUsers={"last7": rng.randint(0, 9), "last30": rng.randint(0, 40)},
                    clientApps=[{"range": "7d", "count": rng.randint(0, 5)}],
                    edgeInstanceUsage={"2026-11": rng.randint(0, 90) / 8},
                )
            )
    return out


def brute(
    docs: list[dict[str, object]], ends: list[datetime], read: object, instance: str | None
) -> list[object]:
    """The newest document of each instance taken before each end; summed (or max)."""
    out = []
    for end in ends:
        values = {}
        for d in sorted(docs, key=lambda d: str(d["timestamp"])):
            taken = datetime.fromisoformat(str(d["timestamp"]))
            if taken < end and instance in (None, d["instanceId"]):
                values[d["instanceId"]] = read(d)  # type: ignore[operator]
        out.append(values)
    return out


@pytest.mark.parametrize(
    ("path", "read"),
    [
        ("users", lambda d: d["users"]),
        ("maxConstraints", lambda d: d["maxConstraints"]),
        ("activeUsers.last30", lambda d: d["activeUsers"]["last30"]),
        ("clientApps.7d", lambda d: d["clientApps"][0]["count"]),
        ("edgeInstanceUsage.2026-11", lambda d: d["edgeInstanceUsage"]["2026-11"]),
    ],
)
async def test_points_carry_the_newest_document_forward(
    db: Database, path: str, read: object
) -> None:
    docs = documents(random.Random(path))
    await store(db, *docs, now=NOW)
    span = TimeRange(epoch_s(NOW - timedelta(days=4)), epoch_s(NOW))
    field = statistics_field(path)
    for instance in (None, "b"):
        result = await statistics_series(
            db,
            field=field,
            span=span,
            now=NOW,
            instance_id=instance,
            granularity=Granularity.HOURLY,
        )
        ends = [
            datetime.fromtimestamp(t, UTC) for t in (*result.starts[1:], result.starts[-1] + 3600)
        ]
        combine = max if path.startswith("max") else sum
        expected = [combine(v.values()) if v else 0 for v in brute(docs, ends, read, instance)]
        assert list(result.values) == expected
        assert result.total == expected[-1]
        assert len(set(expected)) > 3  # the documents change the series
    assert field.amounts is path.startswith("edge")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("versionOSS", "not a numeric"),
        ("apiTokens", "not a numeric"),
        ("apiTokens.owner", "not a numeric"),
        ("edgeInstanceUsage.last", "not a numeric"),
        ("nope", "unknown"),
    ],
)
def test_a_field_that_is_not_numeric_is_named(path: str, message: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        statistics_field(path)
    assert caught.value.text.startswith("field: ")
    assert message in caught.value.text and repr(path) in caught.value.text
