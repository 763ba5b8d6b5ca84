"""Live series over graphql-transport-ws, polled from storage.

Polling the database (not an in-process broadcast) is what lets a subscriber on one
gateway process see data ingested through another process sharing the database.
"""

import asyncio
import logging
from collections.abc import AsyncGenerator

from resolvers import series
from resolvers.clock import epoch_s
from resolvers.errors import NotFound, Unavailable
from resolvers.ranges import TimeRange
from resolvers.series import SeriesList
from schema.access import recheck
from schema.context import Info
from schema.enums import Granularity
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
    span = TimeRange(epoch_s(now) - (minutes - 1) * MINUTE, epoch_s(now))
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


async def evaluations_live(
    info: Info, project: str, environment: str, flag: str, minutes: int = 10
) -> AsyncGenerator[UsageSeries, None]:
    """Push the flag's last ``minutes`` minutes now, then again whenever they change."""
    minutes = max(1, min(minutes, MAX_MINUTES))
    check_points(minutes, info.context.limits)
    last: tuple[int, SeriesList] | None = None
    polls = 0
    while True:
        polls += 1
        try:
            if polls % info.context.limits.live_recheck_polls == 0:
                await recheck(info.context)  # raises (ending the subscription) once revoked
            seen, recent = await _recent(info, project, environment, flag, minutes)
        except Unavailable as exc:
            # Keep the subscription: the next poll may find the database back.
            log.warning("live evaluations: database unavailable: %s", exc.detail)
        else:
            if seen != last:  # a new minute, or new counts in one
                yield recent
                last = seen
        await asyncio.sleep(info.context.limits.live_poll_s)
