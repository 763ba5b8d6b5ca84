"""Retention on both databases: what prune removes, and a dry run that counts the same."""

import json
from datetime import timedelta

from resolvers import maintenance
from resolvers.checksum import statistics_sum
from resolvers.database import Database
from resolvers.maintenance import Retention
from tests.statistics_samples import fresh_document
from tests.usage_data import NOW, ingest

DAY = timedelta(days=1)


def _evaluation(age: timedelta) -> dict[str, object]:
    return {
        "type": "evaluation",
        "time": (NOW - age).isoformat(),
        "project": "p",
        "environment": "e",
        "flag": "f",
        "variation": 0,
    }


def _context(age: timedelta, key: str) -> dict[str, object]:
    return {
        "type": "context",
        "time": (NOW - age).isoformat(),
        "contextKey": key,
        "project": "p",
        "environment": "e",
        "sdk": "Go",
        "sdkType": "server",
        "category": "backend",
    }


def _statistics(age: timedelta, instance: str) -> dict[str, object]:
    document = fresh_document() | {"instanceId": instance}
    document["timestamp"] = (NOW - age).isoformat().replace("+00:00", "Z")
    document["sum"] = statistics_sum(document)
    return {"type": "statistics", "document": json.loads(json.dumps(document))}


async def test_prune_keeps_what_the_retention_says_and_a_dry_run_counts_the_same(
    db: Database,
) -> None:
    await ingest(
        db,
        [_evaluation(timedelta(hours=h)) for h in (1, 30, 24 * 5)]  # minute rows: 1 h, 30 h, 5 d
        + [_context(d * DAY, f"k{d}") for d in (0, 40, 100)]
        + [_statistics(d * DAY, "old") for d in (50, 60)]
        + [_statistics(d * DAY, "new") for d in (1, 50)],
    )
    retention = Retention(minute_hours=24, quarter_days=3, mau_days=60, statistics_days=30)
    counted = await maintenance.prune(db, now=NOW, retention=retention, dry_run=True)
    expected = maintenance.PruneReport(
        minute_buckets=2, quarter_buckets=1, mau_rows=1, statistics_documents=2
    )
    assert counted == expected
    assert await maintenance.prune(db, now=NOW, retention=retention) == expected
    # Each instance's newest document stays however old ("old" at 50 days).
    assert await maintenance.prune(db, now=NOW, retention=retention) == maintenance.PruneReport()


async def test_the_default_retention_keeps_all_but_old_minute_buckets(db: Database) -> None:
    await ingest(db, [_evaluation(400 * DAY), _context(400 * DAY, "k")])
    report = await maintenance.prune(db, now=NOW, retention=Retention())
    assert report == maintenance.PruneReport(minute_buckets=1)
