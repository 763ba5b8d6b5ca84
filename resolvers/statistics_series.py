"""Any numeric instance-statistics field as a time series, per instance or for the fleet.

A bucket's value is the field in the newest document taken before the bucket ends
(carried forward; 0 before an instance's first document, and where that document lacks
the field). The fleet's value adds the instances' values up, or takes the largest for
the ``max…`` fields, as the fleet totals do.
"""

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from resolvers.buckets import Grid
from resolvers.clock import from_epoch_s
from resolvers.database import Database
from resolvers.errors import InvalidRequest
from resolvers.ranges import TimeRange
from resolvers.series import grid_of
from resolvers.statistics import StatisticsDocument, document_of
from resolvers.statistics_keys import COUNT_KEYS, KEYS, Kind
from resolvers.vocabulary import Granularity
from storage import statistics as rows

DEFAULT_SPAN = timedelta(days=30)
Number = int | float
_MONTH = re.compile(r"\d{4}-\d{2}")


@dataclass(frozen=True, slots=True)
class StatisticsField:
    """A numeric field of a statistics document, by its path (``activeUsers.last30``)."""

    path: str
    read: Callable[[Mapping[str, object]], Number | None]
    amounts: bool = False  # fractional values (edge instance usage)

    @property
    def maximum(self) -> bool:
        """Whether the fleet takes the largest instance's value rather than the sum."""
        return self.path.startswith("max")


def _number(value: object) -> Number | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def _client_apps(key: str, range_: str) -> Callable[[Mapping[str, object]], Number | None]:
    def read(document: Mapping[str, object]) -> Number | None:
        entries = document.get(key)
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, Mapping) and entry.get("range") == range_:
                return _number(entry.get("count"))
        return None

    return read


def _nested(key: str, inner: str) -> Callable[[Mapping[str, object]], Number | None]:
    def read(document: Mapping[str, object]) -> Number | None:
        value = document.get(key)
        return _number(value.get(inner)) if isinstance(value, Mapping) else None

    return read


def statistics_field(path: str) -> StatisticsField:
    """Return the numeric field a path names, or raise InvalidRequest naming ``field``."""
    key, _, inner = path.partition(".")
    kind = KEYS.get(key)
    if kind is Kind.COUNT and not inner:
        return StatisticsField(path, lambda d: _number(d.get(key)))
    if kind is Kind.COUNTS and inner in COUNT_KEYS[key]:
        return StatisticsField(path, _nested(key, inner))
    if kind is Kind.RANGES and inner:
        return StatisticsField(path, _client_apps(key, inner))
    if kind is Kind.MONTHS and _MONTH.fullmatch(inner):
        return StatisticsField(path, _nested(key, inner), amounts=True)
    if kind is not None:
        raise InvalidRequest(
            f"field: {path!r} is not a numeric statistics field (try e.g. 'users', "
            "'activeUsers.last30', 'apiTokens.admin', 'clientApps.7d', 'edgeInstanceUsage.2026-11')"
        )
    raise InvalidRequest(f"field: unknown statistics field {path!r}")


@dataclass(frozen=True, slots=True)
class StatisticsSeries:
    """One statistics field on a grid: a value per bucket start (Unix s)."""

    field: StatisticsField
    instance_id: str | None
    granularity: Granularity
    span: TimeRange
    starts: tuple[int, ...]
    values: tuple[Number, ...]

    @property
    def total(self) -> Number:
        """The value at the end of the range (the last point)."""
        return self.values[-1] if self.values else 0


def _carried(
    grid: Grid,
    before: Iterable[StatisticsDocument],
    steps: Sequence[tuple[int, StatisticsDocument]],
    field: StatisticsField,
) -> dict[str, list[Number]]:
    """Return each instance's value per bucket, carried forward from its last document."""
    current = {d.instance_id: field.read(d.fields) or 0 for d in before}
    values: dict[str, list[Number]] = {instance: [] for instance in current}
    by_step: dict[int, list[StatisticsDocument]] = {}
    for step, document in steps:
        by_step.setdefault(step, []).append(document)
    for i in range(len(grid.starts)):
        for document in by_step.get(i, ()):
            if document.instance_id not in values:
                values[document.instance_id] = [0] * i
            current[document.instance_id] = field.read(document.fields) or 0
        for instance, column in values.items():
            column.append(current[instance])
    return values


async def statistics_series(
    db: Database,
    *,
    field: StatisticsField,
    span: TimeRange,
    now: datetime,
    instance_id: str | None = None,
    granularity: Granularity | None = None,
) -> StatisticsSeries:
    """Return a statistics field per bucket of the range (UTC), for an instance or the fleet."""
    grid = grid_of(span, now=now, granularity=granularity)
    start, end = from_epoch_s(grid.starts[0]), from_epoch_s(grid.end)
    # Every width is a whole number of seconds and a UTC grid has one width.
    step = grid.runs()[0].width
    ids = None if instance_id is None else [instance_id]
    async with db.session() as session:
        before = await rows.newest_per_instance(
            session, at=start - timedelta(microseconds=1), instance_ids=ids
        )
        steps = await rows.statistics_steps(
            session, instance_id=instance_id, start=start, end=end, step_s=step
        )
    found = _carried(
        grid, [document_of(r) for r in before], [(i, document_of(r)) for i, r in steps], field
    )
    combine = max if field.maximum else sum
    values = tuple(
        combine(column[i] for column in found.values()) if found else 0
        for i in range(len(grid.starts))
    )
    return StatisticsSeries(field, instance_id, grid.granularity, span, grid.starts, values)
