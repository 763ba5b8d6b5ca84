"""Raw usage records for the usage-API tests, and brute-force expectations over them.

The expectations never use resolvers/buckets.py: they bucket each raw record by its own
local date, hour or minute with zoneinfo, so a wrong grid cannot agree with them.
"""

import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from resolvers import ingestion, records
from resolvers.database import Database
from resolvers.tokens import Principal

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
PRINCIPAL = Principal(token_id=0, name="test", kind="admin")
Raw = dict[str, Any]


def iso(moment: datetime) -> str:
    return moment.isoformat()


def random_moments(rng: random.Random, n: int, *, days: float) -> list[datetime]:
    """Return n random moments within the ``days`` before NOW (whole seconds)."""
    span = int(days * 86400)
    return [NOW - timedelta(seconds=rng.randrange(0, span)) for _ in range(n)]


def evaluations(rng: random.Random, n: int = 400, *, days: float = 40) -> list[Raw]:
    out = []
    for moment in random_moments(rng, n, days=days):
        flag = rng.choice(["f", "f", "f", "other"])
        env = rng.choice(["production", "production", "staging"])
        variation = rng.choice([0, 1, 1, 3])
        value = {0: False, 1: True, 3: {"colour": "blue"}}[variation]
        record = {
            "type": "evaluation",
            "time": iso(moment),
            "project": "web",
            "environment": env,
            "flag": flag,
            "variation": variation,
            "value": value,
            "count": rng.randint(1, 9),
        }
        out.append(record)
    return out


def streams(rng: random.Random, n: int = 300, *, days: float = 3) -> list[Raw]:
    versions = [("Go", "6.1.0"), ("Go", "6.2.0"), ("Node.js", "9.0.0")]
    out = []
    for moment in random_moments(rng, n, days=days):
        sdk, version = rng.choice(versions)
        out.append(
            {
                "type": "stream",
                "time": iso(moment),
                "source": rng.choice(["server", "server", "client"]),
                "sdk": sdk,
                "sdkVersion": version,
                "connections": rng.randint(0, 50),
            }
        )
    return out


def events(rng: random.Random, n: int = 200, *, days: float = 2) -> list[Raw]:
    return [
        {
            "type": "event",
            "time": iso(moment),
            "eventType": rng.choice(["received", "published"]),
            "count": rng.randint(1, 20),
        }
        for moment in random_moments(rng, n, days=days)
    ]


def contexts(rng: random.Random, n: int = 500, *, days: float = 75) -> list[Raw]:
    out = []
    for moment in random_moments(rng, n, days=days):
        out.append(
            {
                "type": "context",
                "time": iso(moment),
                "contextKey": f"key-{rng.randrange(60)}",
                "contextKind": rng.choice(["user", "user", "org"]),
                "anonymous": rng.random() < 0.2,
                "project": rng.choice(["web", "mobile"]),
                "environment": rng.choice(["production", "staging"]),
                "sdk": rng.choice(["Go", "Node.js", "iOS"]),
                "sdkType": rng.choice(["client", "server"]),
                "category": rng.choice(["browser", "mobile", "backend"]),
            }
        )
    return out


def meters(rng: random.Random, n: int = 200, *, days: float = 50) -> list[Raw]:
    out = []
    for moment in random_moments(rng, n, days=days):
        scoped = rng.random() < 0.5
        record: Raw = {
            "type": "meter",
            "time": iso(moment),
            "meter": rng.choice(
                ["data-export-events", "experimentation-keys", "service-connections"]
            ),
            "value": rng.randint(0, 30),
        }
        if scoped:
            record |= {"project": "web", "environment": rng.choice(["production", "staging"])}
        out.append(record)
    return out


async def ingest(db: Database, raw: list[Raw]) -> None:
    parsed = records.parse_records(raw, now=NOW)
    await ingestion.record_batch(db, parsed, principal=PRINCIPAL, now=NOW)


def moment_of(record: Raw) -> datetime:
    return datetime.fromisoformat(record["time"]).astimezone(UTC)


def local_midnight(day: date, zone: ZoneInfo) -> int:
    return int(datetime.combine(day, time(), tzinfo=zone).timestamp())


def daily_starts(lo: datetime, hi: datetime, zone: ZoneInfo) -> list[int]:
    """Every local midnight (Unix s) of the local days from lo's to hi's."""
    day, last = lo.astimezone(zone).date(), hi.astimezone(zone).date()
    out = []
    while day <= last:
        out.append(local_midnight(day, zone))
        day += timedelta(days=1)
    return out


def day_key(zone: ZoneInfo) -> Callable[[datetime], int]:
    return lambda moment: local_midnight(moment.astimezone(zone).date(), zone)


def hour_key(zone: ZoneInfo) -> Callable[[datetime], int]:
    # Only valid away from DST changes; the tests using it pick such zones.
    def key(moment: datetime) -> int:
        local = moment.astimezone(zone)
        return int(local.replace(minute=0, second=0, microsecond=0).timestamp())

    return key


def minute_key(moment: datetime) -> int:
    return int(moment.timestamp()) // 60 * 60


def sums(
    rows: Iterable[Raw], key: Callable[[datetime], int], value: Callable[[Raw], Any]
) -> dict[Any, int]:
    """Sum ``count`` of records by (bucket key, value(record))."""
    out: dict[Any, int] = defaultdict(int)
    for r in rows:
        out[(key(moment_of(r)), value(r))] += r.get("count", 1)
    return out


def sdk_evaluation(
    ago: timedelta,
    count: int,
    sdk: str = "",
    version: str = "",
    *,
    project: str = "web",
    environment: str = "production",
) -> Raw:
    """Return an evaluation record of flag "f", variation 1, ``ago`` before NOW."""
    record = {
        "type": "evaluation",
        "time": (NOW - ago).isoformat(),
        "project": project,
        "environment": environment,
        "flag": "f",
        "variation": 1,
        "count": count,
    }
    if sdk:
        record |= {"sdk": sdk, "sdkVersion": version}
    return record
