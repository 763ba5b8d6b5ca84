"""SDK instances: listed by environment, SDK and the time they were last seen."""

from datetime import UTC, datetime, timedelta

from resolvers.applications import note_instance, sdk_instances
from resolvers.database import Database
from resolvers.sdks import Sdk
from storage.applications import ApplicationSeen

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
PYTHON = Sdk("unleash-python-sdk", "6.9.1")
NODE = Sdk("unleash-node-sdk", "6.1.0")


async def _seen(
    db: Database, app: str, instance: str, environment: str, sdk: Sdk, *, days_ago: float
) -> None:
    await note_instance(
        db,
        app_name=app,
        instance_id=instance,
        environment=environment,
        sdk=sdk,
        interval_ms=15_000,
        now=NOW - timedelta(days=days_ago),
    )


def _rows(found: list[ApplicationSeen]) -> list[tuple[str, str, str, str, str]]:
    return [(f.environment, f.app_name, f.instance_id, f.sdk, f.sdk_version) for f in found]


async def test_instances_of_the_past_60_days_by_environment_app_and_instance(
    db: Database,
) -> None:
    await _seen(db, "shop", "pod-2", "prod", PYTHON, days_ago=1)
    await _seen(db, "shop", "pod-1", "prod", PYTHON, days_ago=2)
    await _seen(db, "cart", "pod-1", "staging", NODE, days_ago=59)
    await _seen(db, "old", "pod-1", "prod", NODE, days_ago=61)

    found = await sdk_instances(db, now=NOW)

    assert _rows(found) == [
        ("prod", "shop", "pod-1", "unleash-python-sdk", "6.9.1"),
        ("prod", "shop", "pod-2", "unleash-python-sdk", "6.9.1"),
        ("staging", "cart", "pod-1", "unleash-node-sdk", "6.1.0"),
    ]
    assert found[0].interval_ms == 15_000
    assert found[0].first_seen == found[0].last_seen == NOW - timedelta(days=2)


async def test_a_second_announcement_keeps_first_seen_and_moves_last_seen(db: Database) -> None:
    await _seen(db, "shop", "pod-1", "prod", PYTHON, days_ago=3)
    await _seen(db, "shop", "pod-1", "prod", Sdk("unleash-python-sdk", "6.9.2"), days_ago=1)

    [found] = await sdk_instances(db, now=NOW)

    assert (found.sdk_version, found.first_seen, found.last_seen) == (
        "6.9.2",
        NOW - timedelta(days=3),
        NOW - timedelta(days=1),
    )


async def test_filters_by_environment_sdk_and_since(db: Database) -> None:
    await _seen(db, "shop", "pod-1", "prod", PYTHON, days_ago=1)
    await _seen(db, "shop", "pod-1", "staging", PYTHON, days_ago=3)
    await _seen(db, "cart", "pod-1", "prod", NODE, days_ago=2)
    await _seen(db, "old", "pod-1", "prod", NODE, days_ago=90)

    assert _rows(await sdk_instances(db, now=NOW, environment="prod", sdk="unleash-node-sdk")) == [
        ("prod", "cart", "pod-1", "unleash-node-sdk", "6.1.0")
    ]
    assert _rows(await sdk_instances(db, now=NOW, since=NOW - timedelta(days=2))) == [
        ("prod", "cart", "pod-1", "unleash-node-sdk", "6.1.0"),
        ("prod", "shop", "pod-1", "unleash-python-sdk", "6.9.1"),
    ]
    # An explicit `since` reaches past the default window; a naive one is read as UTC.
    naive = (NOW - timedelta(days=100)).replace(tzinfo=None)
    assert [f.app_name for f in await sdk_instances(db, now=NOW, since=naive)] == [
        "cart",
        "old",
        "shop",
        "shop",
    ]
    assert await sdk_instances(db, now=NOW, environment="nowhere") == []
