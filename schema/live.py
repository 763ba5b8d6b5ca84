"""Live series over graphql-transport-ws, polled from storage.

Polling the database (not an in-process broadcast) is what lets a subscriber on one
gateway process see data ingested through another process sharing the database.
"""

import asyncio
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Annotated

import strawberry

from resolvers import aggregate, series
from resolvers.aggregate import Usage, UsageQuery, check_query
from resolvers.clock import epoch_s
from resolvers.errors import NotFound, Unavailable
from resolvers.ranges import TimeRange
from resolvers.series import SeriesList
from schema.access import recheck
from schema.context import Info
from schema.enums import Dimension, Granularity, Measure
from schema.graph_usage import usage_series_of
from schema.limits import check_points
from schema.series import UsageSeries, usage_of

log = logging.getLogger(__name__)

MAX_MINUTES = 120  # minute buckets are kept for hours; a live view needs far less
MINUTE = 60


async def _recent(
    info: Info, project: str, environment: str, flag: str, minutes: int
) -> tuple[tuple[int, SeriesList], UsageSeries]:
    """Return what identifies the window's data (first minute, series) and its GraphQL form."""
    now = info.context.clock()
    span = _window(now, minutes)
    try:
        result = await series.evaluation_series(
            info.context.db,
            project=project,
            environment=environment,
            flag=flag,
            span=span,
            now=now,
            granularity=Granularity.MINUTELY,
        )
    except NotFound:
        result = SeriesList(Granularity.MINUTELY, (), ())  # nothing seen for this flag yet
    first_minute = span.lo - span.lo % MINUTE
    return (first_minute, result), usage_of(result, span, info, per_response=False)


def _window(now: datetime, minutes: int) -> TimeRange:
    return TimeRange(epoch_s(now) - (minutes - 1) * MINUTE, epoch_s(now))


async def _recent_scope(
    info: Info,
    scope: Mapping[Dimension, Sequence[str]],
    group_by: tuple[Dimension, ...],
    minutes: int,
) -> tuple[tuple[int, Usage], UsageSeries]:
    """The same for a scope's evaluations: one series, or one per group."""
    now = info.context.clock()
    span = _window(now, minutes)
    query = UsageQuery(
        Measure.EVALUATIONS,
        span,
        granularity=Granularity.MINUTELY,
        filters=scope,
        group_by=group_by,
    )
    result = await aggregate.usage(info.context.db, query, now=now)
    first_minute = span.lo - span.lo % MINUTE
    return (first_minute, result), usage_series_of(result, info, per_response=False)


async def evaluations_live(
    info: Info,
    project: str | None = None,
    environment: str | None = None,
    flag: str | None = None,
    minutes: int = 10,
    group_by: Annotated[
        list[Dimension] | None,
        strawberry.argument(description="Dimensions of EVALUATIONS to group the scope by."),
    ] = None,
) -> AsyncGenerator[UsageSeries, None]:
    """Push the last ``minutes`` minutes now, then again whenever they change.

    A flag (with its project and environment) and no ``groupBy``: one series per
    variation. Otherwise the evaluations of the scope given, one series or one per group.
    """
    minutes = max(1, min(minutes, MAX_MINUTES))
    check_points(minutes, info.context.limits)
    poll = _poller(info, project, environment, flag, tuple(dict.fromkeys(group_by or ())), minutes)
    last: object = None
    polls = 0
    while True:
        polls += 1
        try:
            if polls % info.context.limits.live_recheck_polls == 0:
                await recheck(info.context)  # raises (ending the subscription) once revoked
            seen, recent = await poll()
        except Unavailable as exc:
            # Keep the subscription: the next poll may find the database back.
            log.warning("live evaluations: database unavailable: %s", exc.detail)
        else:
            if seen != last:  # a new minute, or new counts in one
                yield recent
                last = seen
        await asyncio.sleep(info.context.limits.live_poll_s)


Poll = Callable[[], Awaitable[tuple[object, UsageSeries]]]


def _poller(
    info: Info,
    project: str | None,
    environment: str | None,
    flag: str | None,
    groups: tuple[Dimension, ...],
    minutes: int,
) -> Poll:
    """Return the read of one push: one flag's variations, or a scope's series."""
    if project is not None and environment is not None and flag is not None and not groups:

        async def one_flag() -> tuple[object, UsageSeries]:
            return await _recent(info, project, environment, flag, minutes)

        return one_flag
    named = ((Dimension.PROJECT, project), (Dimension.ENVIRONMENT, environment))
    scope = {d: (v,) for d, v in (*named, (Dimension.FLAG, flag)) if v is not None}
    check_query(UsageQuery(Measure.EVALUATIONS, _window(info.context.clock(), 1), group_by=groups))

    async def in_scope() -> tuple[object, UsageSeries]:
        return await _recent_scope(info, scope, groups, minutes)

    return in_scope
