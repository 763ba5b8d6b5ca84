"""Live evaluation counts: the newest minutes of one flag, by variation, zero-filled."""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from resolvers.clock import epoch_s, from_epoch_s
from storage import live
from storage.engine import Database
from storage.tables import MINUTE

MAX_MINUTES = 120  # minute buckets are kept for hours; a live view needs far less


@dataclass(frozen=True, slots=True)
class VariationMinutes:
    """Counts of one variation per minute; ``value`` is None when unknown."""

    variation: int
    value: Any
    counts: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class RecentEvaluations:
    """The last ``len(starts)`` minutes up to the current one, per variation seen."""

    starts: tuple[datetime, ...]
    variations: tuple[VariationMinutes, ...]


async def recent_evaluations(
    db: Database, *, project: str, environment: str, flag: str, minutes: int, now: datetime
) -> RecentEvaluations:
    """Return the flag's evaluations of the last ``minutes`` minutes (the current one last)."""
    minutes = max(1, min(minutes, MAX_MINUTES))
    current = epoch_s(now) - epoch_s(now) % MINUTE
    first = current - (minutes - 1) * MINUTE
    async with db.session() as session:
        rows = await live.evaluation_minutes(
            session, project=project, environment=environment, flag=flag, since=first
        )
        values = await live.variation_values(
            session, project=project, environment=environment, flag=flag
        )
    counts: dict[int, list[int]] = {}
    for start, variation, count in rows:
        if start <= current:
            counts.setdefault(variation, [0] * minutes)[(start - first) // MINUTE] = count
    variations = tuple(
        VariationMinutes(variation, _value(values.get(variation)), tuple(counts[variation]))
        for variation in sorted(counts)
    )
    starts = tuple(from_epoch_s(first + i * MINUTE) for i in range(minutes))
    return RecentEvaluations(starts, variations)


def _value(value_json: str | None) -> Any:
    return None if value_json is None else json.loads(value_json)
