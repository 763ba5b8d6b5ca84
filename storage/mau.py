"""Monthly active contexts: exact distinct counts over windows of UTC days, in SQL."""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import BigInteger, and_, case, cast, false, func, or_, select, true, union_all

from storage.columns import code_point_order, columns
from storage.days import days_cte, month_start_of
from storage.engine import Session
from storage.mau_links import ROLLING_DAYS, month_start, rolling_end, rolling_start, varying
from storage.tables import DAY, ContextDay, MauDay

_C = columns(ContextDay)

# Dimension name (the values of resolvers' Dimension vocabulary) -> column.
DIMENSIONS: Mapping[str, Any] = {  # kept for benchmarks/mau_before.py
    "project": _C.project,
    "environment": _C.environment,
    "sdk_type": _C.sdk_type,
    "sdk": _C.sdk,
    "anonymous": _C.anonymous,
    "context_kind": _C.context_kind,
    "category": _C.category,
}


def _filters(source: Any, filters: Mapping[str, Sequence[Any]]) -> list[Any]:
    return [source[name].in_(values) for name, values in filters.items() if values]


def _keys(source: Any, group_by: Sequence[str]) -> list[Any]:
    return [source[name].label(f"g{i}") for i, name in enumerate(group_by)]


def _events(*parts: Any) -> Any:
    """Return one (at, g0.., delta) CTE summing the signed events of every part."""
    merged = union_all(*parts).subquery("signed")
    keys = [col for col in merged.c if col.name.startswith("g")]
    return (
        select(merged.c.at, *keys, func.sum(merged.c.delta).label("delta"))
        .group_by(merged.c.at, *keys)
        .cte("events")
    )


async def active_counts(
    session: Session,
    *,
    first_day: int,
    last_day: int,
    lookback_days: int | None,
    month_starts: Sequence[int] = (),
    filters: Mapping[str, Sequence[Any]],
    group_by: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """Return (day, *group values, distinct contexts) for every day with any.

    A day's window is the ``lookback_days`` days ending on it, or (when
    ``lookback_days`` is None) its month up to it, given every month start of the range.
    """
    window = _Window(first_day, last_day, lookback_days, month_starts)
    c = _C
    in_range = [c.day >= window.lo, c.day <= last_day, *_filters(c, filters)]
    # Contexts with a row not linked yet: their marks (and sums in mau_days) are out of
    # date or missing, so they are taken out again and recounted from their rows.
    # (Any unlinked row's context, whatever its day: a recount is exact for every context.)
    unlinked = select(c.context_hash).where(c.linked == false()).cte("unlinked")
    in_unlinked = c.context_hash.in_(select(unlinked.c.context_hash))
    stale = and_(c.counted == true(), in_unlinked)
    # A context seen with several dimension sets (so not in mau_days) whose rows differ only
    # in dimensions this query neither filters nor groups by counts as one: its rows' own
    # neighbour days serve. Otherwise it is recounted per group.
    asked = [name for name, values in filters.items() if values] + list(group_by)
    as_one = c.varies.op("&")(varying(asked)) == 0
    recount = union_all(
        select(c.day, c.context_hash, *_keys(c, group_by)).where(
            c.counted == false(), or_(~as_one, in_unlinked), *in_range
        ),
        select(c.day, c.context_hash, *_keys(c, group_by)).where(stale, *in_range),
    ).subquery("rows")
    not_unlinked = c.context_hash.not_in(select(unlinked.c.context_hash))
    mixed = window.marked(
        _keys(c, group_by), [c.counted == false(), as_one, not_unlinked, *in_range], +1
    )
    if window.summed_in_mau_days:
        m = columns(MauDay)
        kept = window.summed(m, _keys(m, group_by), _filters(m, filters), +1, sums=True)
        where = [stale, *_filters(c, filters)]
        removed = window.summed(c, _keys(c, group_by), where, -1, sums=False)
    else:
        # Another window length (a range's whole span): the marks of each row's neighbours,
        # read from the range's rows, still need no sort.
        kept = window.marked(_keys(c, group_by), [c.counted == true(), *in_range], +1)
        removed = window.marked(_keys(c, group_by), [stale, *in_range], -1)
    events = _events(*kept, *removed, *mixed, *_recounted(window, recount))
    return await _counts(session, window, events)


class _Window:
    """Which days a day's window covers, and how its runs show in the sums of mau_days."""

    def __init__(
        self, first: int, last: int, lookback_days: int | None, month_starts: Sequence[int]
    ) -> None:
        self.first, self.last, self.lookback, self.months = first, last, lookback_days, month_starts
        if lookback_days is None:
            self.lo = min(month_starts)
        else:
            self.lo = first - (lookback_days - 1) * DAY
        self.summed_in_mau_days = lookback_days in (None, 1, ROLLING_DAYS)

    def marked(self, keys: list[Any], where: list[Any], sign: int) -> list[Any]:
        """Return event selects of the runs of this window from the neighbour days of the
        context_days rows ``where`` keeps (all within the range): rows before the range do
        not count, so a previous sighting before it starts a run too. A second row of one
        context on one day neither starts a run (its previous day is that day) nor ends one
        (the first row's next day is that day)."""
        c = _C

        def events(at: Any, condition: Any, delta_sign: int) -> Any:
            delta = delta_sign * func.sum(case((condition, 1), else_=0))
            stmt = select(at.label("at"), *keys, delta.label("delta")).where(*where)
            return stmt.group_by(c.day, *keys)

        if self.lookback is None:
            return [events(c.day, month_start(c, self.months), sign)]
        span = self.lookback * DAY
        starts = or_(c.prev_day.is_(None), c.prev_day < self.lo, c.prev_day <= c.day - span)
        if self.lookback == 1:
            return [events(c.day, starts, sign)]
        ends = or_(c.next_day.is_(None), c.next_day >= c.day + span)
        return [events(c.day, starts, sign), events(c.day + span, ends, -sign)]

    def summed(
        self, source: Any, keys: list[Any], where: list[Any], sign: int, *, sums: bool
    ) -> list[Any]:
        """Return event selects of mau_days' sums (``sums``) or of context_days rows' marks,
        grouped by ``keys`` (g0..) of the rows ``where`` keeps."""

        def mark(column: str, condition: Callable[[], Any]) -> Any:
            if sums:
                return func.sum(source[column])
            return func.sum(case((condition(), 1), else_=0))

        def events(at: Any, delta: Any, lo: int | None) -> Any:
            stmt = select(at.label("at"), *keys, (sign * delta).label("delta"))
            stmt = stmt.where(*where, source.day <= self.last)
            if lo is not None:
                stmt = stmt.where(source.day >= lo)
            return stmt.group_by(source.day, *keys)

        day = source.day
        if self.lookback == 1:
            return [events(day, mark("contexts", true), self.first)]
        if self.lookback is None:
            return [
                events(day, mark("month_starts", lambda: month_start(source, self.months)), self.lo)
            ]
        # A run may have started long before the range: every earlier day's marks count.
        return [
            events(day, mark("rolling_starts", lambda: rolling_start(source)), None),
            events(
                day + ROLLING_DAYS * DAY, -mark("rolling_ends", lambda: rolling_end(source)), None
            ),
        ]


def _recounted(window: _Window, rows: Any) -> list[Any]:
    """Return event selects counting the runs of (day, context_hash, g0..) rows of the range."""
    keys = [col for col in rows.c if col.name.startswith("g")]
    if window.lookback == 1:
        distinct = func.count(func.distinct(rows.c.context_hash))
        return [
            select(rows.c.day.label("at"), *keys, distinct.label("delta")).group_by(
                rows.c.day, *keys
            )
        ]
    # Each context's sightings in day order (per group): a day starts a run when the
    # previous sighting left the window, and a run ends when the next one is beyond it.
    w: dict[str, Any] = {"partition_by": [*keys, code_point_order(rows.c.context_hash)]}
    w["order_by"] = rows.c.day
    linked = select(
        rows.c.day,
        *keys,
        func.lag(rows.c.day).over(**w).label("prev_day"),
        func.lead(rows.c.day).over(**w).label("next_day"),
    ).cte("linked")
    lk = [col for col in linked.c if col.name.startswith("g")]

    def flag(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    if window.lookback is None:
        starts = flag(month_start(linked.c, window.months))
        return [select(linked.c.day.label("at"), *lk, starts.label("delta")).group_by(
            linked.c.day, *lk
        )]  # fmt: skip
    span = window.lookback * DAY
    starts = flag(or_(linked.c.prev_day.is_(None), linked.c.prev_day <= linked.c.day - span))
    ends = flag(or_(linked.c.next_day.is_(None), linked.c.next_day >= linked.c.day + span))
    return [
        select(linked.c.day.label("at"), *lk, starts.label("delta")).group_by(linked.c.day, *lk),
        select((linked.c.day + span).label("at"), *lk, (-ends).label("delta")).group_by(
            linked.c.day, *lk
        ),
    ]


async def _counts(session: Session, window: _Window, parts: Any) -> list[tuple[Any, ...]]:
    """Return (day, *group values, count) per day of the range: its events' running sum."""
    events = parts if hasattr(parts, "c") else _events(*parts)
    keys = [col for col in events.c if col.name.startswith("g")]
    days = days_cte(first=window.first, last=window.last)
    if window.lookback == 1:
        on = events.c.at == days.c.day
    elif window.lookback is None:
        on = and_(
            events.c.at <= days.c.day, events.c.at >= month_start_of(days.c.day, window.months)
        )
    else:
        on = events.c.at <= days.c.day
    total = func.sum(events.c.delta)
    # PostgreSQL sums bigints as numeric (Decimal in Python): counts are integers.
    stmt = (
        select(days.c.day, *keys, cast(total, BigInteger))
        .select_from(days.join(events, on))
        .group_by(days.c.day, *keys)
        .having(total > 0)
    )
    return [tuple(row) for row in await session.execute(stmt)]


async def sdk_names(
    session: Session, *, first_day: int, last_day: int, sdk_types: Sequence[str] = ()
) -> list[str]:
    """Return the distinct SDK names of contexts seen between two UTC days, sorted."""
    c = _C
    stmt = select(c.sdk).where(c.day >= first_day, c.day <= last_day).distinct().order_by(c.sdk)
    stmt = stmt.where(*_filters(c, {"sdk_type": sdk_types}))
    return [name for (name,) in await session.execute(stmt)]
