"""Discovery over GraphQL: projects, flags as a Relay connection, and one flag's details."""

from datetime import datetime
from typing import Annotated, cast

import strawberry
from strawberry.scalars import JSON

from resolvers import flags
from resolvers.buckets import zone_named
from resolvers.flag_details import Variation as VariationSeen
from resolvers.flags import DEFAULT_SPAN, FlagKey, FlagQuery, FlagSummary
from resolvers.ranges import TimeRange
from schema.access import READERS, require
from schema.context import Info
from schema.enums import FlagOrder, Granularity
from schema.flag_loaders import SeriesArgs
from schema.scalars import Long
from schema.sdks import SdkEvaluations, sdk_evaluations_of
from schema.series import UsageSeries, grid_granularity, usage_of
from schema.usage import FromArg, span_of


@strawberry.type(description="An environment of a project.")
class Environment:
    key: str


@strawberry.type(description="A project seen in usage data, with its environments.")
class Project:
    key: str
    environments: list[Environment]


@strawberry.type(description="A variation of a flag, by index, with its latest known value.")
class Variation:
    variation: int
    value: JSON | None = strawberry.field(description="Null also when no SDK reported it.")
    first_seen: datetime
    last_seen: datetime


def variation_of(seen: VariationSeen) -> Variation:
    """Return the GraphQL view of a variation."""
    return Variation(
        variation=seen.variation,
        value=cast(JSON, seen.value),
        first_seen=seen.first_seen,
        last_seen=seen.last_seen,
    )


def _span(info: Info, root: "Flag", from_: datetime | None, to: datetime | None) -> TimeRange:
    """Return the range asked of a flag's field: the flag's own unless from or to is given."""
    if from_ is None and to is None:
        return root.span
    return span_of(info, from_, to, DEFAULT_SPAN)


async def _variations(root: "Flag", info: Info) -> list[Variation]:
    seen = await info.context.flag_loaders.variations.load(root.identity)
    return [variation_of(v) for v in seen]


async def _evaluation_total(
    root: "Flag", info: Info, from_: FromArg = None, to: datetime | None = None
) -> Long:
    span = _span(info, root, from_, to)
    if span == root.span:
        return Long(root.known_total)
    return Long(await info.context.flag_loaders.totals.load((root.identity, span)))


async def _evaluations(
    root: "Flag",
    info: Info,
    from_: FromArg = None,
    to: datetime | None = None,
    granularity: Granularity | None = None,
    tz: str | None = None,
) -> UsageSeries:
    span = _span(info, root, from_, to)
    cut = grid_granularity(info, span, granularity)
    args = SeriesArgs(span, zone_named(tz), cut)
    result = await info.context.flag_loaders.series.load((root.identity, args))
    return usage_of(result, span, info)


async def _sdks(
    root: "Flag", info: Info, from_: FromArg = None, to: datetime | None = None
) -> list[SdkEvaluations]:
    span = _span(info, root, from_, to)
    found = await info.context.flag_loaders.sdks.load((root.identity, span))
    return [sdk_evaluations_of(f) for f in found]


@strawberry.type(description="A flag of one environment, as seen in evaluations.")
class Flag:
    key: str
    project: str
    environment: str
    first_evaluated: datetime | None = strawberry.field(
        description="When any of its variations was first evaluated."
    )
    last_evaluated: datetime | None = strawberry.field(
        description="When any of its variations was last evaluated."
    )
    span: strawberry.Private[TimeRange]
    known_total: strawberry.Private[int]

    variations: list[Variation] = strawberry.field(
        resolver=_variations, description="Every variation seen, by index."
    )
    evaluation_total: Long = strawberry.field(
        resolver=_evaluation_total,
        description="Evaluations over [from, to] (default: the range of the field that "
        "returned the flag, else the past 7 days): the sum of its REST series over that range.",
    )
    evaluations: UsageSeries = strawberry.field(
        resolver=_evaluations,
        description="Evaluations per variation, one series each, as the REST route gives "
        "them (range default as `evaluationTotal`; granularity by the REST rule unless given).",
    )
    sdks: list[SdkEvaluations] = strawberry.field(
        resolver=_sdks,
        description="Evaluations per SDK name and version over [from, to] (range default as "
        "`evaluationTotal`; they add up to it), by SDK and version.",
    )

    @property
    def identity(self) -> FlagKey:
        """The flag's (project, environment, key)."""
        return FlagKey(self.project, self.environment, self.key)


def flag_of(summary: FlagSummary, span: TimeRange) -> Flag:
    """Return the GraphQL view of a flag listed over ``span``."""
    return Flag(
        key=summary.flag.key,
        project=summary.flag.project,
        environment=summary.flag.environment,
        first_evaluated=summary.first_evaluated,
        last_evaluated=summary.last_evaluated,
        span=span,
        known_total=summary.evaluations,
    )


@strawberry.type(description="Where a page ends.")
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


async def _total_count(root: "FlagConnection", info: Info) -> int:
    return await flags.flag_count(info.context.db, root.query)


@strawberry.type(description="A flag and its cursor.")
class FlagEdge:
    cursor: str = strawberry.field(description="Opaque; pass it as `after` to continue here.")
    node: Flag


@strawberry.type(description="A page of flags.")
class FlagConnection:
    edges: list[FlagEdge]
    page_info: PageInfo
    query: strawberry.Private[FlagQuery]
    total_count: int = strawberry.field(
        resolver=_total_count,
        description="How many flags the filters allow, over every page.",
    )


async def projects(info: Info) -> list[Project]:
    """Every project seen in usage data, with its environments, by key."""
    require(info, *READERS)
    found = await flags.projects(info.context.db)
    return [
        Project(key=p.key, environments=[Environment(key=e) for e in p.environments]) for p in found
    ]


async def flag_connection(
    info: Info,
    project: str | None = None,
    environment: str | None = None,
    search: Annotated[
        str | None, strawberry.argument(description="A case-insensitive substring of the key.")
    ] = None,
    from_: FromArg = None,
    to: datetime | None = None,
    evaluated_since: Annotated[
        datetime | None, strawberry.argument(description="Last evaluated at or after this.")
    ] = None,
    not_evaluated_since: Annotated[
        datetime | None,
        strawberry.argument(
            description="Stale flags: evaluated before this moment, never at or after it."
        ),
    ] = None,
    order_by: FlagOrder = FlagOrder.EVALUATIONS_DESC,
    first: Annotated[int, strawberry.argument(description="1 to 100.")] = 20,
    after: Annotated[
        str | None, strawberry.argument(description="A cursor from a previous page.")
    ] = None,
) -> FlagConnection:
    """Flags seen in evaluations, one per (project, environment, key), a page at a time."""
    require(info, *READERS)
    now = info.context.clock()
    query = FlagQuery(
        span=span_of(info, from_, to, DEFAULT_SPAN),
        project=project,
        environment=environment,
        search=search,
        evaluated_since=evaluated_since,
        not_evaluated_since=not_evaluated_since,
        order=order_by,
        first=first,
        after=after,
    )
    page = await flags.flag_page(info.context.db, query, now=now)
    edges = [FlagEdge(cursor=s.cursor, node=flag_of(s, query.span)) for s in page.flags]
    end = edges[-1].cursor if edges else None
    return FlagConnection(
        edges=edges, page_info=PageInfo(has_next_page=page.has_next, end_cursor=end), query=query
    )


async def flag(info: Info, project: str, environment: str, key: str) -> Flag | None:
    """One flag of one environment over the past 7 days; null when never evaluated there."""
    require(info, *READERS)
    now = info.context.clock()
    span = span_of(info, None, None, DEFAULT_SPAN)
    found = await flags.flag_summary(
        info.context.db, FlagKey(project, environment, key), span=span, now=now
    )
    return None if found is None else flag_of(found, span)
