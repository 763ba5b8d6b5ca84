"""Reads for live subscriptions: the newest minute buckets of one flag."""

from collections.abc import Sequence

from sqlmodel import col, func, select

from storage.engine import Session
from storage.tables import MINUTE, EvaluationBucket, FlagVariation


async def evaluation_minutes(
    session: Session, *, project: str, environment: str, flag: str, since: int
) -> Sequence[tuple[int, int, int]]:
    """Return (minute start, variation, count) from ``since`` (Unix s) on, in time order."""
    result = await session.execute(
        select(
            col(EvaluationBucket.start),
            col(EvaluationBucket.variation),
            func.sum(EvaluationBucket.count),
        )
        .where(
            col(EvaluationBucket.project) == project,
            col(EvaluationBucket.environment) == environment,
            col(EvaluationBucket.flag) == flag,
            col(EvaluationBucket.width) == MINUTE,
            col(EvaluationBucket.start) >= since,
        )
        .group_by(col(EvaluationBucket.start), col(EvaluationBucket.variation))
        .order_by(col(EvaluationBucket.start), col(EvaluationBucket.variation))
    )
    return [(int(s), int(v), int(n)) for s, v, n in result.all()]


async def variation_values(
    session: Session, *, project: str, environment: str, flag: str
) -> dict[int, str | None]:
    """Return each known variation of a flag with its value as JSON text (None if unknown)."""
    result = await session.execute(
        select(col(FlagVariation.variation), col(FlagVariation.value_json)).where(
            col(FlagVariation.project) == project,
            col(FlagVariation.environment) == environment,
            col(FlagVariation.flag) == flag,
        )
    )
    return {int(v): j for v, j in result.all()}
