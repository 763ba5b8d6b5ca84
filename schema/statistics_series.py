"""`statisticsSeries`: any numeric statistics field as the same UsageSeries type as usage."""

from datetime import datetime
from typing import Annotated

import strawberry

from resolvers import statistics_series
from resolvers.clock import from_epoch_s
from schema.access import READERS, require
from schema.context import Info
from schema.enums import Granularity
from schema.limits import check_points
from schema.series import SeriesLabels, UsageSeries, amount_series, count_series, grid_granularity
from schema.usage import FromArg, span_of


async def statistics_series_field(
    info: Info,
    field: Annotated[
        str,
        strawberry.argument(
            description="A numeric field path: `users`, `activeUsers.last30`, `apiTokens.admin`, "
            "`productionChanges.last30`, `clientApps.7d`, `edgeInstanceUsage.2026-11`, ..."
        ),
    ],
    instance_id: Annotated[
        str | None, strawberry.argument(description="One instance; without it, the fleet.")
    ] = None,
    from_: FromArg = None,
    to: datetime | None = None,
    granularity: Granularity | None = None,
) -> UsageSeries:
    """A statistics field per bucket (UTC), carried forward from the newest document."""
    require(info, *READERS)
    now = info.context.clock()
    chosen = statistics_series.statistics_field(field)
    span = span_of(info, from_, to, statistics_series.DEFAULT_SPAN)
    grid_granularity(info, span, granularity)
    result = await statistics_series.statistics_series(
        info.context.db,
        field=chosen,
        span=span,
        now=now,
        instance_id=instance_id,
        granularity=granularity,
    )
    check_points(len(result.starts), info.context.limits, spent=info.context.points_spent)
    info.context.points_spent += len(result.starts)
    labels = SeriesLabels(field=field, instance_id=instance_id)
    times = [from_epoch_s(t) for t in result.starts]
    if chosen.amounts:
        series = amount_series(labels, times, result.values, result.total)
    else:
        series = count_series(labels, times, result.values, int(result.total))
    return UsageSeries(
        granularity=result.granularity,
        from_=from_epoch_s(span.lo),
        to=from_epoch_s(span.hi),
        series=[series],
    )
