"""Statistics resolvers: key order, the current document, a document at a time, history."""

from datetime import UTC, datetime, timedelta

import pytest

from resolvers import statistics
from resolvers.database import Database
from resolvers.errors import InvalidRequest, NotFound
from resolvers.statistics import KEY_ORDER, ordered
from tests.statistics_helpers import document, store
from tests.statistics_samples import fresh_document, rich_document

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_a_document_in_unleash_order_is_left_as_it_is() -> None:
    for doc in (fresh_document(), rich_document()):
        assert list(ordered(doc)) == list(doc)
        assert ordered(doc) == doc


def test_unleash_8_emits_37_keys() -> None:
    assert len(KEY_ORDER) == 37 == len(fresh_document())
    assert list(fresh_document()) == list(KEY_ORDER)


def test_keys_are_reordered_and_orphans_go_just_before_sum() -> None:
    received = {
        "extraFirst": 1,
        "sum": "s",
        "afterSum": 2,
        "users": 3,
        "instanceId": "i",
        "afterInstance": 4,
        "timestamp": "t",
    }
    assert list(ordered(received)) == [
        "timestamp",
        "instanceId",
        "afterInstance",
        "users",
        "extraFirst",
        "afterSum",
        "sum",
    ]
    assert list(ordered({"instanceId": "i", "zz": 1, "aa": 2})) == ["instanceId", "zz", "aa"]
    assert list(ordered({"zz": 1, "instanceId": "i"})) == ["instanceId", "zz"]


async def test_no_document_is_not_found(db: Database) -> None:
    with pytest.raises(NotFound, match="No instance statistics received yet"):
        await statistics.current_statistics(db)
    assert await statistics.statistics_at(db, at=NOW) is None
    assert await statistics.primary_instance(db) is None


async def test_current_document_of_the_primary_instance(db: Database) -> None:
    await store(
        db,
        document("a", "2026-11-20T10:00:00.000Z", users=1),
        document("a", "2026-11-20T11:00:00.000Z", users=2),
        document("b", "2026-11-20T10:30:00.000Z", users=3),
        now=NOW,
    )
    current = await statistics.current_statistics(db)
    assert (current.instance_id, current.fields["users"]) == ("a", 2)
    assert current.taken_at == datetime(2026, 11, 20, 11, tzinfo=UTC)
    assert current.source == "ingest"
    b = await statistics.current_statistics(db, instance_id="b")
    assert (b.instance_id, b.fields["users"]) == ("b", 3)
    with pytest.raises(NotFound, match="'c'"):
        await statistics.current_statistics(db, instance_id="c")


async def test_document_at_a_time(db: Database) -> None:
    await store(
        db,
        document("a", "2026-11-18T00:00:00.000Z", users=1),
        document("a", "2026-11-19T00:00:00.000Z", users=2),
        document("a", "2026-11-20T00:00:00.000Z", users=3),
        now=NOW,
    )
    at = await statistics.statistics_at(db, at=datetime(2026, 11, 19, 23, 59, tzinfo=UTC))
    assert at is not None
    assert at.fields["users"] == 2
    exact = await statistics.statistics_at(db, at=datetime(2026, 11, 19, tzinfo=UTC))
    assert exact is not None
    assert exact.fields["users"] == 2
    assert await statistics.statistics_at(db, at=datetime(2026, 11, 17, tzinfo=UTC)) is None


async def test_history_is_the_last_document_of_each_step(db: Database) -> None:
    await store(
        db,
        document("a", "2026-11-01T01:00:00.000Z", users=1),
        document("a", "2026-11-01T13:00:00.000Z", users=2),
        document("a", "2026-11-01T23:59:59.999Z", users=3),
        # nothing on 2026-11-02
        document("a", "2026-11-03T00:00:00.000Z", users=4),
        document("a", "2026-11-03T05:00:00.000Z", users=5),
        document("a", "2026-11-04T00:00:00.000Z", users=6),  # at the end: outside
        document("b", "2026-11-03T06:00:00.000Z", users=99),  # another instance
        document("a", "2026-10-31T23:59:59.000Z", users=0),  # before the start
        now=NOW,
    )
    start = datetime(2026, 11, 1, tzinfo=UTC)
    steps = await statistics.statistics_history(
        db, start=start, end=start + timedelta(days=3), step=timedelta(days=1), instance_id="a"
    )
    assert [(s.start, s.document.fields["users"]) for s in steps] == [
        (datetime(2026, 11, 1, tzinfo=UTC), 3),
        (datetime(2026, 11, 3, tzinfo=UTC), 5),
    ]
    # Steps count from the start: from noon, the 13:00 and 23:59 documents share a step.
    noon = datetime(2026, 11, 1, 12, tzinfo=UTC)
    steps = await statistics.statistics_history(
        db, start=noon, end=noon + timedelta(days=2), step=timedelta(hours=12), instance_id="a"
    )
    assert [(s.start, s.document.fields["users"]) for s in steps] == [
        (noon, 3),
        (datetime(2026, 11, 3, tzinfo=UTC), 5),
    ]


async def test_history_without_instance_uses_the_primary(db: Database) -> None:
    await store(
        db,
        document("a", "2026-11-01T01:00:00.000Z", users=1),
        document("b", "2026-11-01T02:00:00.000Z", users=2),
        now=NOW,
    )
    start = datetime(2026, 11, 1, tzinfo=UTC)
    steps = await statistics.statistics_history(
        db, start=start, end=start + timedelta(days=1), step=timedelta(hours=1)
    )
    assert [(s.start.hour, s.document.instance_id) for s in steps] == [(2, "b")]


@pytest.mark.parametrize(
    ("step", "hours"),
    [(timedelta(0), 1), (timedelta(milliseconds=1500), 1), (timedelta(hours=1), 0)],
)
async def test_history_rejects_bad_steps_and_ranges(
    db: Database, step: timedelta, hours: int
) -> None:
    with pytest.raises(InvalidRequest):
        await statistics.statistics_history(
            db, start=NOW, end=NOW + timedelta(hours=hours), step=step
        )


async def test_known_instances(db: Database) -> None:
    await store(
        db,
        document("b", "2026-11-01T01:00:00.000Z"),
        document("a", "2026-11-02T01:00:00.000Z"),
        document("b", "2026-11-03T01:00:00.000Z"),
        now=NOW,
    )
    known = await statistics.known_instances(db)
    assert [
        (i.instance_id, i.documents, i.first_taken_at.day, i.last_taken_at.day) for i in known
    ] == [
        ("a", 1, 2, 2),
        ("b", 2, 1, 3),
    ]
    assert known[0].first_taken_at.tzinfo is not None
