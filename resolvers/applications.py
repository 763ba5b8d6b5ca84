"""SDK instances: remembered per environment; LaunchDarkly ones also gauge connections."""

from datetime import datetime, timedelta

from resolvers import ingestion
from resolvers.records import Stream
from resolvers.sdks import Sdk
from storage import applications
from storage.engine import Database

# An instance counts as connected for two default LaunchDarkly diagnostic intervals
# (15 min each) after its last diagnostic event: one missed report does not drop it.
LIVE_FOR = timedelta(minutes=30)


async def note_instance(
    db: Database,
    *,
    app_name: str,
    instance_id: str,
    environment: str,
    sdk: Sdk,
    interval_ms: int | None,
    now: datetime,
    stream_source: str | None = None,
) -> int | None:
    """Remember an SDK instance; with ``stream_source``, also observe the connection gauge.

    The gauge is the number of live instances of the same SDK name and version, written
    as a stream observation in the same transaction; it is returned (None without one).
    """
    row = applications.ApplicationSeen(
        app_name=app_name,
        instance_id=instance_id,
        environment=environment,
        sdk=sdk.name,
        sdk_version=sdk.version,
        interval_ms=interval_ms,
        first_seen=now,
        last_seen=now,
    )
    async with db.session() as session:
        await applications.note_application(session, row=row)
        if stream_source is None:
            return None
        live = await applications.count_live_instances(
            session, sdk=sdk.name, sdk_version=sdk.version, since=now - LIVE_FOR
        )
        observation = Stream(
            time=now, source=stream_source, sdk=sdk.name, sdk_version=sdk.version, connections=live
        )
        await ingestion.combine([observation], now=now).write(session)
        return live


async def registered_sdk(
    db: Database, *, app_name: str, instance_id: str, environment: str
) -> Sdk | None:
    """Return the SDK an instance registered with, if it registered."""
    async with db.session() as session:
        found = await applications.application_sdk(
            session, app_name=app_name, instance_id=instance_id, environment=environment
        )
    return None if found is None else Sdk(*found)
