"""Live series over graphql-transport-ws, polled from storage.

Polling the database (not an in-process broadcast) is what lets a subscriber on one
gateway process see data ingested through another process sharing the database.
"""

import asyncio
import logging
from collections.abc import AsyncGenerator

from resolvers import live
from resolvers.live import RecentEvaluations
from schema.context import Info
from schema.limits import check_points
from schema.series import Granularity, Series, SeriesLabels, UsageSeries
from storage.errors import StorageUnavailable

log = logging.getLogger(__name__)


def usage_of(recent: RecentEvaluations) -> UsageSeries:
    """Return a minutely UsageSeries of recent evaluations, one series per variation."""
    return UsageSeries(
        granularity=Granularity.MINUTELY,
        from_=recent.starts[0],
        to=recent.starts[-1],
        series=[
            Series(
                labels=SeriesLabels(variation=v.variation, value=v.value),
                total=float(sum(v.counts)),
                times=list(recent.starts),
                values=[float(n) for n in v.counts],
            )
            for v in recent.variations
        ],
    )


async def evaluations_live(
    info: Info, project: str, environment: str, flag: str, minutes: int = 10
) -> AsyncGenerator[UsageSeries, None]:
    """Push the flag's last ``minutes`` minutes now, then again whenever they change."""
    context = info.context
    check_points(min(minutes, live.MAX_MINUTES), context.limits)
    last: RecentEvaluations | None = None
    while True:
        try:
            recent = await live.recent_evaluations(
                context.db,
                project=project,
                environment=environment,
                flag=flag,
                minutes=minutes,
                now=context.clock(),
            )
        except StorageUnavailable as exc:
            # Keep the subscription: the next poll may find the database back.
            log.warning("live evaluations: database unavailable: %s", exc)
            await asyncio.sleep(context.limits.live_poll_s)
            continue
        if recent != last:
            check_points(len(recent.starts) * max(1, len(recent.variations)), context.limits)
            yield usage_of(recent)
            last = recent
        await asyncio.sleep(context.limits.live_poll_s)
