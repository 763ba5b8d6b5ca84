"""What a page of flags shows per flag, each for many flags in one query.

Every function takes all the flags of a page at once, so the GraphQL loaders spend one
query per kind of detail, whatever the page size.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from resolvers.buckets import UTC_ZONE
from resolvers.database import Database
from resolvers.flags import FlagKey, keys_of, window_of
from resolvers.ranges import TimeRange
from resolvers.series import NO_VALUE, Labels, SdkEvaluations, SeriesList, grid_of, zero_filled
from resolvers.vocabulary import Granularity
from storage import flags as flag_rows
from storage import series as bucket_rows

_BY_FLAG = ("project", "environment", "flag")


@dataclass(frozen=True, slots=True)
class Variation:
    """A variation of a flag: its index, latest known value, first and last time seen."""

    variation: int
    value_json: str | None  # None when no SDK reported the value
    first_seen: datetime
    last_seen: datetime

    @property
    def value(self) -> Any:
        """The decoded value (None also when it was never reported)."""
        return None if self.value_json is None else json.loads(self.value_json)


def _variation(row: flag_rows.VariationRow) -> Variation:
    return Variation(row.variation, row.value_json, row.first_seen, row.last_seen)


async def variations(db: Database, flags: Sequence[FlagKey]) -> dict[FlagKey, list[Variation]]:
    """Return the variations of each flag, by index."""
    async with db.session() as session:
        found = await flag_rows.variations_of(session, flags=keys_of(flags))
    return {FlagKey(*k): [_variation(r) for r in rs] for k, rs in found.items()}


def _whole(span: TimeRange, now: datetime, group_by: tuple[str, ...]) -> bucket_rows.Cut:
    """Return the read of a range's total: its REST grid's buckets as one bucket."""
    window = window_of(span, now=now)
    whole = [bucket_rows.Run(window.lo, window.hi - window.lo, 1)]
    return bucket_rows.Cut(window.width, whole, group_by=group_by)


async def evaluation_totals(
    db: Database, flags: Sequence[FlagKey], *, span: TimeRange, now: datetime
) -> dict[FlagKey, int]:
    """Return each flag's evaluations over a range (flags without any are left out)."""
    async with db.session() as session:
        found = await bucket_rows.evaluation_sums(
            session, _whole(span, now, _BY_FLAG), flags=keys_of(flags)
        )
    return {FlagKey(p, e, f): n for _, p, e, f, n in found}


async def sdk_evaluations(
    db: Database, flags: Sequence[FlagKey], *, span: TimeRange, now: datetime
) -> dict[FlagKey, list[SdkEvaluations]]:
    """Return each flag's evaluations per SDK name and version over a range, by SDK."""
    by_sdk = _whole(span, now, (*_BY_FLAG, "sdk", "sdk_version"))
    async with db.session() as session:
        found = await bucket_rows.evaluation_sums(session, by_sdk, flags=keys_of(flags))
    result: dict[FlagKey, list[SdkEvaluations]] = {}
    for _, p, e, f, sdk, version, n in sorted(found):
        result.setdefault(FlagKey(p, e, f), []).append(SdkEvaluations(sdk, version, n))
    return result


def _labels(flag: FlagKey, variation: Variation) -> Labels:
    # As the REST series: a variation whose value was never reported has NO_VALUE.
    value = NO_VALUE if variation.value_json is None else variation.value
    return Labels(flag=flag.key, variation=variation.variation, value=value)


async def evaluation_series(
    db: Database,
    flags: Sequence[FlagKey],
    *,
    span: TimeRange,
    now: datetime,
    zone: ZoneInfo = UTC_ZONE,
    granularity: Granularity | None = None,
    known: Mapping[FlagKey, list[Variation]] | None = None,
) -> dict[FlagKey, SeriesList]:
    """Return each flag's evaluations per variation on the range's grid, as REST does.

    ``known`` gives the flags' variations when the caller has them already.
    """
    cut = grid_of(span, now=now, zone=zone, granularity=granularity)
    seen = known if known is not None else await variations(db, flags)
    async with db.session() as session:
        by_variation = bucket_rows.Cut(
            cut.source_width, cut.runs(), group_by=(*_BY_FLAG, "variation")
        )
        counts = await bucket_rows.evaluation_sums(session, by_variation, flags=keys_of(flags))
    found: dict[FlagKey, dict[tuple[int, Any], int]] = {}
    for i, p, e, f, v, n in counts:
        found.setdefault(FlagKey(p, e, f), {})[(i, v)] = n
    result = {}
    for flag in flags:
        listed = seen.get(flag, [])
        points = zero_filled(cut.starts, [v.variation for v in listed], found.get(flag, {}))
        labels = tuple(_labels(flag, v) for v in listed)
        result[flag] = SeriesList(cut.granularity, labels, points)
    return result
