"""SDKs over GraphQL: the instances that announced themselves, and evaluations per SDK."""

from dataclasses import asdict
from datetime import datetime

import strawberry

from resolvers import applications, ranges, series
from resolvers.applications import ApplicationSeen
from resolvers.vocabulary import Measure
from schema.access import READERS, require
from schema.context import Info
from schema.scalars import Long
from schema.usage import FromArg, span_of


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
    """Return the GraphQL view of a registered SDK instance (the fields are the same)."""
    return SdkInstance(**asdict(seen))


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


@strawberry.type(description="Evaluations one SDK name and version reported.")
class SdkEvaluations:
    sdk: str = strawberry.field(description='The SDK name ("" when it did not say).')
    version: str = strawberry.field(description='The SDK version ("" when it did not say).')
    evaluations: Long


async def evaluation_sdks(
    info: Info,
    from_: FromArg = None,
    to: datetime | None = None,
    project: str | None = None,
    environment: str | None = None,
) -> list[SdkEvaluations]:
    """Evaluations per SDK name and version in a range (default: the past 30 days)."""
    require(info, *READERS)
    now = info.context.clock()
    span = span_of(info, from_, to, ranges.DEFAULT_SPANS[Measure.EVALUATIONS])
    found = await series.evaluation_sdks(
        info.context.db, span=span, now=now, project=project, environment=environment
    )
    return [sdk_evaluations_of(f) for f in found]


def sdk_evaluations_of(found: series.SdkEvaluations) -> SdkEvaluations:
    """Return the GraphQL view of an SDK version's evaluations."""
    return SdkEvaluations(sdk=found.sdk, version=found.version, evaluations=Long(found.evaluations))
