"""Writing one statistics document: checked once, stored, and its taken time reported."""

from datetime import UTC, datetime

import pytest

from resolvers import ingestion, statistics
from resolvers.database import Database
from resolvers.errors import InvalidRequest
from tests.statistics_helpers import INGESTER, document

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


async def test_record_statistics_stores_the_document(db: Database) -> None:
    doc = document("eu-prod", "2026-11-19T10:00:00.000Z", users=3)
    recorded = await ingestion.record_statistics(db, doc, principal=INGESTER, now=NOW)
    assert recorded == ingestion.RecordedStatistics(
        "eu-prod", datetime(2026, 11, 19, 10, 0, tzinfo=UTC)
    )
    stored = await statistics.statistics_at(db, instance_id="eu-prod")
    assert stored is not None
    assert (stored.taken_at, stored.fields["users"]) == (recorded.taken_at, 3)


async def test_record_statistics_refuses_a_tampered_sum(db: Database) -> None:
    doc = document("eu-prod", "2026-11-19T10:00:00.000Z", users=3) | {"users": 4}
    with pytest.raises(InvalidRequest) as caught:
        await ingestion.record_statistics(db, doc, principal=INGESTER, now=NOW)
    [problem] = caught.value.errors
    assert (problem.index, problem.field) == (None, "sum")
    assert await statistics.statistics_at(db, instance_id="eu-prod") is None


async def test_record_statistics_refuses_what_is_not_a_document(db: Database) -> None:
    with pytest.raises(InvalidRequest):
        await ingestion.record_statistics(db, [1, 2], principal=INGESTER, now=NOW)
