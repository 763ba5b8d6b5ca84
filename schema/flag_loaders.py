"""DataLoaders of the per-flag fields: one query per kind of detail for a whole page.

Keys are (flag, arguments); a batch is split by arguments, so flags asked with the same
range (the usual case: a page's rows) share one query.
"""

from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from strawberry.dataloader import DataLoader

from resolvers import flag_details
from resolvers.clock import Clock
from resolvers.database import Database
from resolvers.flag_details import Variation
from resolvers.flags import FlagKey
from resolvers.ranges import TimeRange
from resolvers.series import SdkEvaluations, SeriesList
from resolvers.vocabulary import Granularity

A = TypeVar("A", bound=Hashable)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SeriesArgs:
    """What a flag's evaluations series is asked for."""

    span: TimeRange
    zone: ZoneInfo
    granularity: Granularity | None


async def _grouped(
    keys: list[tuple[FlagKey, A]],
    fetch: Callable[[list[FlagKey], A], Awaitable[Mapping[FlagKey, T]]],
    missing: Callable[[], T],
) -> list[T]:
    """Answer a batch with one fetch per distinct arguments."""
    by_args: dict[A, list[FlagKey]] = {}
    for flag, args in keys:
        by_args.setdefault(args, []).append(flag)
    found: dict[tuple[FlagKey, A], T] = {}
    for args, flags in by_args.items():
        result = await fetch(flags, args)
        found.update({(flag, args): result.get(flag, missing()) for flag in flags})
    return [found[key] for key in keys]


class FlagLoaders:
    """The loaders of one operation."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db, self.clock = db, clock
        self.variations: DataLoader[FlagKey, list[Variation]] = DataLoader(load_fn=self._variations)
        self.totals: DataLoader[tuple[FlagKey, TimeRange], int] = DataLoader(load_fn=self._totals)
        self.sdks: DataLoader[tuple[FlagKey, TimeRange], list[SdkEvaluations]] = DataLoader(
            load_fn=self._sdks
        )
        self.series: DataLoader[tuple[FlagKey, SeriesArgs], SeriesList] = DataLoader(
            load_fn=self._series
        )

    def _now(self) -> datetime:
        return self.clock()

    async def _variations(self, flags: list[FlagKey]) -> list[list[Variation]]:
        found = await flag_details.variations(self.db, flags)
        return [found.get(flag, []) for flag in flags]

    async def _totals(self, keys: list[tuple[FlagKey, TimeRange]]) -> list[int]:
        async def fetch(flags: list[FlagKey], span: TimeRange) -> Mapping[FlagKey, int]:
            return await flag_details.evaluation_totals(self.db, flags, span=span, now=self._now())

        return await _grouped(keys, fetch, int)

    async def _sdks(self, keys: list[tuple[FlagKey, TimeRange]]) -> list[list[SdkEvaluations]]:
        async def fetch(
            flags: list[FlagKey], span: TimeRange
        ) -> Mapping[FlagKey, list[SdkEvaluations]]:
            return await flag_details.sdk_evaluations(self.db, flags, span=span, now=self._now())

        return await _grouped(keys, fetch, list)

    async def _series(self, keys: list[tuple[FlagKey, SeriesArgs]]) -> list[SeriesList]:
        async def fetch(flags: list[FlagKey], args: SeriesArgs) -> Mapping[FlagKey, SeriesList]:
            # Through the variations loader: a page showing variations reads them once.
            known = dict(zip(flags, await self.variations.load_many(flags), strict=True))
            return await flag_details.evaluation_series(
                self.db,
                flags,
                span=args.span,
                now=self._now(),
                zone=args.zone,
                granularity=args.granularity,
                known=known,
            )

        return await _grouped(keys, fetch, lambda: SeriesList(Granularity.DAILY, (), ()))
