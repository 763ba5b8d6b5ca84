"""Instance statistics over GraphQL: one document, history, fleet totals, instances."""

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Annotated, cast

import strawberry
from strawberry.scalars import JSON

from resolvers import fleet, statistics
from resolvers.statistics import InstanceInfo, StatisticsDocument
from resolvers.upstreams import UpstreamState
from schema.access import READERS, require
from schema.context import Info
from schema.scalars import Long
from schema.statistics_fields import StatisticsFields, StatisticsTotals, statistics_fields

COLLECTOR_PREFIX = "collector:"


@strawberry.type(
    description="One instance-statistics document: every key Unleash 8 emits, typed and "
    "named as Unleash's JSON keys, and the whole document as received."
)
class InstanceStatistics(StatisticsFields):
    instance_id: str
    taken_at: datetime
    received_at: datetime | None
    source: str = strawberry.field(description="`ingest`, `import` or `collector:<upstream>`.")
    document: JSON = strawberry.field(description="Every field as received, in Unleash's order.")


def statistics_of(document: StatisticsDocument) -> InstanceStatistics:
    """Return the GraphQL view of a stored document."""
    return InstanceStatistics(
        instance_id=document.instance_id,
        taken_at=document.taken_at,
        received_at=document.received_at,
        source=document.source,
        document=cast(JSON, dict(document.fields)),
        **statistics_fields(document.fields),
    )


@strawberry.type(description="The last document taken within one step of a history.")
class StatisticsStep:
    start: datetime
    statistics: InstanceStatistics


@strawberry.type(description="Totals over each instance's newest document at a moment.")
class FleetStatistics:
    at: datetime
    instance_ids: list[str]
    newest_taken_at: datetime | None
    oldest_taken_at: datetime | None
    document: JSON = strawberry.field(description="Fields combined across the instances.")
    totals: StatisticsTotals = strawberry.field(
        description="The combined fields, typed as an instance's."
    )


@strawberry.type(description="What the statistics collector last saw from one upstream.")
class Upstream:
    name: str
    url: str
    configured: bool
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: Long


def upstream_of(state: UpstreamState) -> Upstream:
    """Return the GraphQL view of an upstream's collector state (the fields are the same)."""
    return Upstream(**asdict(state))


async def _latest(root: "Instance", info: Info) -> InstanceStatistics | None:
    document = await info.context.latest_statistics.load(root.instance_id)
    return None if document is None else statistics_of(document)


async def _collector(root: "Instance", info: Info) -> Upstream | None:
    document = await info.context.latest_statistics.load(root.instance_id)
    if document is None or not document.source.startswith(COLLECTOR_PREFIX):
        return None
    name = document.source.removeprefix(COLLECTOR_PREFIX)
    found = [s for s in await info.context.upstream_states() if s.name == name]
    return upstream_of(found[0]) if found else None


@strawberry.type(description="An instance the gateway holds statistics for.")
class Instance:
    instance_id: str
    documents: Long
    first_taken_at: datetime
    last_taken_at: datetime
    latest: InstanceStatistics | None = strawberry.field(
        resolver=_latest, description="The newest document of this instance."
    )
    collector: Upstream | None = strawberry.field(
        resolver=_collector,
        description="The collector upstream that delivered the newest document, if one did: "
        "its last success and last error.",
    )


def instance_of(known: InstanceInfo) -> Instance:
    return Instance(
        instance_id=known.instance_id,
        documents=Long(known.documents),
        first_taken_at=known.first_taken_at,
        last_taken_at=known.last_taken_at,
    )


async def instance_statistics(
    info: Info, instance_id: str | None = None, at: datetime | None = None
) -> InstanceStatistics | None:
    """The newest document of the primary (or given) instance taken at or before `at`."""
    require(info, *READERS)
    document = await statistics.statistics_at(
        info.context.db,
        at=at,
        instance_id=instance_id or info.context.primary_instance,
        now=info.context.clock(),
    )
    return None if document is None else statistics_of(document)


async def instance_statistics_history(
    info: Info,
    from_: Annotated[datetime, strawberry.argument(name="from")],
    to: datetime,
    instance_id: str | None = None,
    every: Annotated[
        int, strawberry.argument(description="Step in seconds: the last document of each.")
    ] = 86_400,
) -> list[StatisticsStep]:
    """The last document of each step of [from, to) that has one, oldest first."""
    require(info, *READERS)
    steps = await statistics.statistics_history(
        info.context.db,
        start=from_,
        end=to,
        step=timedelta(seconds=every),
        instance_id=instance_id or info.context.primary_instance,
    )
    return [StatisticsStep(start=s.start, statistics=statistics_of(s.document)) for s in steps]


async def fleet_statistics(info: Info, at: datetime | None = None) -> FleetStatistics:
    """Totals over every instance's newest document taken at or before `at` (default now)."""
    require(info, *READERS)
    result = await fleet.fleet_statistics(info.context.db, at=at or info.context.clock())
    return FleetStatistics(
        at=result.at,
        instance_ids=list(result.instance_ids),
        newest_taken_at=result.newest_taken_at,
        oldest_taken_at=result.oldest_taken_at,
        document=cast(JSON, dict(result.fields)),
        totals=StatisticsTotals(**statistics_fields(result.fields)),
    )


async def instances(info: Info) -> list[Instance]:
    """Every instance with stored statistics, by id."""
    require(info, *READERS)
    return [instance_of(i) for i in await statistics.known_instances(info.context.db)]


async def collector_upstreams(info: Info) -> list[Upstream]:
    """The statistics collector's upstreams: last success and last error of each."""
    require(info, *READERS)
    return [upstream_of(s) for s in await info.context.upstream_states()]
