"""Fleet totals: which documents take part, and how each field combines."""

from datetime import UTC, datetime, timedelta

from resolvers.database import Database
from resolvers.fleet import fleet_statistics
from tests.statistics_helpers import document, store

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def eu(**override: object) -> dict[str, object]:
    fields = {
        "versionOSS": "8.2.0",
        "versionEnterprise": "",
        "users": 10,
        "apiTokens": {"admin": 1, "backend": 2},
        "activeUsers": {"last7": 1, "last30": 2, "last60": 3, "last90": 4},
        "SAMLenabled": False,
        "OIDCenabled": True,
        "clientApps": [
            {"range": "7d", "count": 1},
            {"range": "30d", "count": 2},
            {"range": "allTime", "count": 3},
        ],
        "maxConstraints": 4,
        "edgeInstanceUsage": {"2026-11": 2.25, "2026-10": 0.1},
        "customList": [1, 2],
        "mixed": 1,
        "onlyNull": None,
    }
    return document("eu", "2026-11-20T10:00:00.000Z", **(fields | override))


def us() -> dict[str, object]:
    return document(
        "us",
        "2026-11-20T11:00:00.000Z",
        versionOSS="8.1.0",
        versionEnterprise="8.1.0",
        users=5,
        apiTokens={"admin": 2, "frontend": 4},
        activeUsers={"last7": 10, "last30": 20, "last60": 30, "last90": 40},
        SAMLenabled=False,
        OIDCenabled=False,
        clientApps=[
            {"range": "7d", "count": 10},
            {"range": "30d", "count": 20},
            {"range": "allTime", "count": 30},
        ],
        maxConstraints=9,
        edgeInstanceUsage={"2026-11": 0.9, "2026-10": 0.2, "2026-09": 1},
        mixed="x",
        onlyNull=None,
        readOnlyUsers=7,
    )


async def test_fleet_totals_combine_each_field_by_its_rule(db: Database) -> None:
    await store(
        db,
        document("eu", "2026-11-19T10:00:00.000Z", users=1000),  # older: replaced by the next
        eu(),
        us(),
        document("ap", "2026-11-20T12:30:00.000Z", users=500),  # after `at`: not yet there
        now=NOW,
    )
    fleet = await fleet_statistics(db, at=NOW)
    assert fleet.instance_ids == ("eu", "us")
    assert fleet.newest_taken_at == datetime(2026, 11, 20, 11, tzinfo=UTC)
    assert fleet.oldest_taken_at == datetime(2026, 11, 20, 10, tzinfo=UTC)
    assert list(fleet.fields.items()) == [
        ("timestamp", "2026-11-20T11:00:00.000Z"),  # the newest member's
        ("versionOSS", "8.1.0, 8.2.0"),
        ("versionEnterprise", "8.1.0"),  # the empty one says nothing
        ("users", 15),
        ("apiTokens", {"admin": 3, "backend": 2, "frontend": 4}),
        ("activeUsers", {"last7": 11, "last30": 22, "last60": 33, "last90": 44}),
        ("SAMLenabled", False),
        ("OIDCenabled", True),
        (
            "clientApps",
            [
                {"range": "7d", "count": 11},
                {"range": "30d", "count": 22},
                {"range": "allTime", "count": 33},
            ],
        ),
        ("maxConstraints", 9),
        # 2.25 + 0.9 and 0.1 + 0.2 are inexact in binary; Unleash rounds to 3 decimals.
        ("edgeInstanceUsage", {"2026-11": 3.15, "2026-10": 0.3, "2026-09": 1}),
        ("onlyNull", None),  # an unknown key stays after the known key it followed
        ("readOnlyUsers", 7),  # only one member has it
    ]
    assert "instanceId" not in fleet.fields
    assert "sum" not in fleet.fields
    assert "customList" not in fleet.fields
    assert "mixed" not in fleet.fields


async def test_fleet_at_an_earlier_time_and_with_a_maximum_age(db: Database) -> None:
    await store(
        db,
        document("old", "2026-10-01T00:00:00.000Z", users=100),
        eu(),
        now=NOW,
    )
    everyone = await fleet_statistics(db, at=NOW)
    assert (everyone.instance_ids, everyone.fields["users"]) == (("eu", "old"), 110)
    recent = await fleet_statistics(db, at=NOW, max_age=timedelta(days=7))
    assert (recent.instance_ids, recent.fields["users"]) == (("eu",), 10)
    before = await fleet_statistics(db, at=datetime(2026, 11, 1, tzinfo=UTC))
    assert (before.instance_ids, before.fields["users"]) == (("old",), 100)
    assert before.fields["timestamp"] == "2026-10-01T00:00:00.000Z"


async def test_an_empty_fleet(db: Database) -> None:
    fleet = await fleet_statistics(db, at=NOW)
    assert (fleet.instance_ids, dict(fleet.fields), fleet.newest_taken_at) == ((), {}, None)
