"""Flags and projects as seen in usage data: listing, ordering and keyset pages, in SQL.

A flag is one (project, environment, key) of ``flag_variations``; its first and last
evaluation are the earliest and latest times any of its variations was seen. Its
evaluations over a range come from the same bucket sums as the series
(``storage.series.evaluation_sums_query``).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select, tuple_, union

from storage.columns import code_point_order, columns
from storage.engine import Session
from storage.series import Cut, Run, evaluation_sums_query
from storage.tables import ContextDay, FlagVariation, MeterDay

FlagKey = tuple[str, str, str]  # (project, environment, key)


@dataclass(frozen=True, slots=True)
class FlagFilter:
    """Which flags to list; every field None (or empty) allows any."""

    project: str | None = None
    environment: str | None = None
    key: str | None = None
    search: str | None = None  # a case-insensitive substring of the key
    evaluated_since: datetime | None = None  # last seen at or after
    not_evaluated_since: datetime | None = None  # last seen before


@dataclass(frozen=True, slots=True)
class EvaluationWindow:
    """The buckets a flag's evaluation total adds up: ``width``, starting in [lo, hi)."""

    width: int
    lo: int
    hi: int


@dataclass(frozen=True, slots=True)
class FlagRow:
    """A flag, with its evaluations over the window asked for (names as the sort keys')."""

    project: str
    environment: str
    flag: str
    first_seen: datetime
    last_seen: datetime
    evaluations: int


# A sort: (field of FlagRow, descending) pairs, most significant first.
Sort = Sequence[tuple[str, bool]]


@dataclass(frozen=True, slots=True)
class VariationRow:
    variation: int
    value_json: str | None
    first_seen: datetime
    last_seen: datetime


def _flags(where: FlagFilter) -> Select[Any]:
    fv = columns(FlagVariation)
    stmt = select(
        fv.project,
        fv.environment,
        fv.flag,
        func.min(fv.first_seen).label("first_seen"),
        func.max(fv.last_seen).label("last_seen"),
    ).group_by(fv.project, fv.environment, fv.flag)
    if where.project is not None:
        stmt = stmt.where(fv.project == where.project)
    if where.environment is not None:
        stmt = stmt.where(fv.environment == where.environment)
    if where.key is not None:
        stmt = stmt.where(fv.flag == where.key)
    if where.search:
        stmt = stmt.where(func.lower(fv.flag).contains(where.search.lower(), autoescape=True))
    if where.evaluated_since is not None:
        stmt = stmt.having(func.max(fv.last_seen) >= where.evaluated_since)
    if where.not_evaluated_since is not None:
        stmt = stmt.having(func.max(fv.last_seen) < where.not_evaluated_since)
    return stmt


def _with_totals(where: FlagFilter, window: EvaluationWindow) -> Any:
    flags = _flags(where).subquery()
    scope = {
        "project": () if where.project is None else (where.project,),
        "environment": () if where.environment is None else (where.environment,),
        "flag": () if where.key is None else (where.key,),
    }
    whole = [Run(window.lo, window.hi - window.lo, 1)]
    totals = evaluation_sums_query(
        Cut(window.width, whole, scope, ("project", "environment", "flag"))
    )
    same = and_(
        totals.c.project == flags.c.project,
        totals.c.environment == flags.c.environment,
        totals.c.flag == flags.c.flag,
    )
    return (
        select(flags, func.coalesce(totals.c.n, 0).label("evaluations"))
        .select_from(flags.outerjoin(totals, same))
        .subquery()
    )


def _beyond(keys: Sequence[tuple[Any, bool]], values: Sequence[Any]) -> ColumnElement[bool]:
    """Return "the row sorts after ``values``" for lexicographic keys."""
    condition: ColumnElement[bool] | None = None
    for (column, descending), value in reversed(list(zip(keys, values, strict=True))):
        ordered = code_point_order(column)
        past = ordered < value if descending else ordered > value
        condition = past if condition is None else or_(past, and_(column == value, condition))
    assert condition is not None
    return condition


async def flag_page(
    session: Session,
    *,
    where: FlagFilter,
    window: EvaluationWindow,
    sort: Sort,
    after: Sequence[Any] | None = None,
    limit: int,
) -> list[FlagRow]:
    """Return up to ``limit`` flags in ``sort`` order, those sorting after ``after`` only.

    ``after`` holds the sort fields' values of the last flag of the previous page; text
    sorts by code point on both backends.
    """
    rows = _with_totals(where, window)
    keys = [(rows.c[name], descending) for name, descending in sort]
    stmt = select(rows)
    if after is not None:
        stmt = stmt.where(_beyond(keys, after))
    by = [code_point_order(c).desc() if d else code_point_order(c) for c, d in keys]
    result = await session.execute(stmt.order_by(*by).limit(limit))
    return [FlagRow(p, e, f, first, last, int(n)) for p, e, f, first, last, n in result.all()]


async def flag_count(session: Session, *, where: FlagFilter) -> int:
    """Return how many flags the filter allows."""
    flags = _flags(where).subquery()
    return int((await session.execute(select(func.count()).select_from(flags))).scalar_one())


async def variations_of(
    session: Session, *, flags: Sequence[FlagKey]
) -> dict[FlagKey, list[VariationRow]]:
    """Return every variation seen of each flag, by variation index."""
    if not flags:
        return {}
    fv = columns(FlagVariation)
    stmt = (
        select(fv.project, fv.environment, fv.flag, fv.variation, fv.value_json)
        .add_columns(fv.first_seen, fv.last_seen)
        .where(tuple_(fv.project, fv.environment, fv.flag).in_(list(flags)))
        .order_by(fv.variation)
    )
    found: dict[FlagKey, list[VariationRow]] = {}
    for p, e, f, v, j, first, last in await session.execute(stmt):
        found.setdefault((p, e, f), []).append(VariationRow(int(v), j, first, last))
    return found


async def project_environments(session: Session) -> list[tuple[str, str]]:
    """Return every (project, environment) in evaluations, contexts or meters, sorted.

    A project seen only without an environment comes with environment ''.
    """
    parts = [columns(model) for model in (FlagVariation, ContextDay, MeterDay)]
    selects = [
        select(c.project.label("project"), c.environment.label("environment"))
        .where(c.project != literal(""))
        .distinct()
        for c in parts
    ]
    both = union(*selects).subquery()
    stmt = select(both.c.project, both.c.environment).order_by(
        code_point_order(both.c.project), code_point_order(both.c.environment)
    )
    return [(p, e) for p, e in await session.execute(stmt)]
