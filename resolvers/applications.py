"""SDK instances: remembered per environment; LaunchDarkly ones also gauge connections."""

from datetime import UTC, datetime, timedelta

from resolvers import ingestion
from resolvers.database import Database
from resolvers.records import Stream
from resolvers.sdks import Sdk
from resolvers.vocabulary import SdkType
from storage import applications
from storage.applications import ApplicationSeen as ApplicationSeen

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
    stream_source: SdkType | None = None,
) -> int | None:
    """Remember an SDK instance; with ``stream_source``, also observe the connection gauge.

    The gauge is the number of live instances of the same SDK name and version, written
    as a stream observation in the same transaction; it is returned (None without one).
    """
    row = ApplicationSeen(
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


# Like the streaming SDK versions of the usage API: what was seen in the past 60 days.
INSTANCES_WINDOW = timedelta(days=60)


async def sdk_instances(
    db: Database,
    *,
    now: datetime,
    since: datetime | None = None,
    environment: str | None = None,
    sdk: str | None = None,
) -> list[ApplicationSeen]:
    """Return the SDK instances seen at or after ``since`` (default: 60 days before ``now``).

    Unleash SDKs are seen when they register, LaunchDarkly SDKs on each diagnostic event.
    """
    if since is None:
        start = now - INSTANCES_WINDOW
    else:  # stored times are UTC; a moment without a zone is read as UTC
        start = since.replace(tzinfo=UTC) if since.tzinfo is None else since
    async with db.session() as session:
        return await applications.list_applications(
            session, since=start, environment=environment, sdk=sdk
        )
