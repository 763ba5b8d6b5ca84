"""SDK instances over GraphQL: which SDK name and version each registered instance runs."""

from datetime import datetime

import strawberry

from resolvers import applications
from schema.access import READERS, require
from schema.context import Info
from storage.applications import ApplicationSeen


@strawberry.type(description="An SDK instance that announced itself to the gateway.")
class SdkInstance:
    app_name: str
    instance_id: str
    environment: str = strawberry.field(description="The environment of the SDK's key.")
    sdk: str = strawberry.field(description='The SDK name ("" when it did not say).')
    sdk_version: str = strawberry.field(description='The SDK version ("" when it did not say).')
    interval_ms: int | None = strawberry.field(
        description="The reporting interval the SDK announced, in milliseconds."
    )
    first_seen: datetime
    last_seen: datetime


def instance_of(seen: ApplicationSeen) -> SdkInstance:
    return SdkInstance(
        app_name=seen.app_name,
        instance_id=seen.instance_id,
        environment=seen.environment,
        sdk=seen.sdk,
        sdk_version=seen.sdk_version,
        interval_ms=seen.interval_ms,
        first_seen=seen.first_seen,
        last_seen=seen.last_seen,
    )


async def sdk_instances(
    info: Info,
    environment: str | None = None,
    sdk: str | None = None,
    since: datetime | None = None,
) -> list[SdkInstance]:
    """SDK instances last seen at or after `since` (default: the past 60 days)."""
    require(info, *READERS)
    found = await applications.sdk_instances(
        info.context.db, now=info.context.clock(), since=since, environment=environment, sdk=sdk
    )
    return [instance_of(seen) for seen in found]
