"""Flags seen in evaluations: keyset pages in three orders, and the stale-flag question.

A flag is one (project, environment, key). Its evaluations over a range add up the
buckets of the range's REST grid (UTC), so a flag's total equals the sum of its
/api/v2/usage/evaluations series over the same range.
"""

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from resolvers.database import Database
from resolvers.errors import InvalidRequest
from resolvers.ranges import TimeRange
from resolvers.series import grid_of
from resolvers.vocabulary import FlagOrder
from storage import flags as rows

DEFAULT_SPAN = timedelta(days=7)
MAX_FIRST = 100
_IDENTITY = (("project", False), ("environment", False), ("flag", False))
SORTS: dict[FlagOrder, tuple[tuple[str, bool], ...]] = {
    FlagOrder.EVALUATIONS_DESC: (("evaluations", True), *_IDENTITY),
    FlagOrder.LAST_EVALUATED_DESC: (("last_seen", True), *_IDENTITY),
    FlagOrder.KEY: (("flag", False), ("project", False), ("environment", False)),
}


class FlagKey(NamedTuple):
    """One flag of one environment."""

    project: str
    environment: str
    key: str


@dataclass(frozen=True, slots=True)
class FlagSummary:
    """A flag, when it was first and last evaluated, and its evaluations over a range."""

    flag: FlagKey
    first_evaluated: datetime
    last_evaluated: datetime
    evaluations: int
    cursor: str


@dataclass(frozen=True, slots=True)
class FlagQuery:
    """Which flags, over which range, in which order, and which page."""

    span: TimeRange
    project: str | None = None
    environment: str | None = None
    search: str | None = None
    evaluated_since: datetime | None = None
    not_evaluated_since: datetime | None = None
    order: FlagOrder = FlagOrder.EVALUATIONS_DESC
    first: int = 20
    after: str | None = None

    @property
    def where(self) -> rows.FlagFilter:
        """The storage filter of this query."""
        return rows.FlagFilter(
            project=self.project,
            environment=self.environment,
            search=self.search,
            evaluated_since=self.evaluated_since,
            not_evaluated_since=self.not_evaluated_since,
        )


@dataclass(frozen=True, slots=True)
class FlagPage:
    """One page of flags, and whether more follow."""

    flags: tuple[FlagSummary, ...]
    has_next: bool


def window_of(span: TimeRange, *, now: datetime) -> rows.EvaluationWindow:
    """Return the buckets a range's evaluation total adds up (its REST grid, in UTC)."""
    cut = grid_of(span, now=now)
    return rows.EvaluationWindow(cut.source_width, cut.starts[0], cut.end)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def encode_cursor(order: FlagOrder, row: rows.FlagRow) -> str:
    """Return the opaque cursor of a flag in an order: its sort key, encoded."""
    values = [_plain(getattr(row, name)) for name, _ in SORTS[order]]
    text = json.dumps([order.value, *values], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(order: FlagOrder, cursor: str) -> list[Any]:
    """Return the sort key a cursor holds, or raise InvalidRequest naming ``after``."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode()))
        kind, *values = decoded
        if kind != order.value or len(values) != len(SORTS[order]):
            raise ValueError(kind)
        names = [name for name, _ in SORTS[order]]
        return [
            datetime.fromisoformat(v) if name == "last_seen" else v
            for name, v in zip(names, values, strict=True)
        ]
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidRequest(f"after: not a cursor of the {order.name} order") from None


def _summary(order: FlagOrder, row: rows.FlagRow) -> FlagSummary:
    return FlagSummary(
        FlagKey(row.project, row.environment, row.flag),
        row.first_seen,
        row.last_seen,
        row.evaluations,
        encode_cursor(order, row),
    )


async def flag_page(db: Database, query: FlagQuery, *, now: datetime) -> FlagPage:
    """Return a page of flags in the query's order, after its cursor."""
    if not 1 <= query.first <= MAX_FIRST:
        raise InvalidRequest(f"first: must be from 1 to {MAX_FIRST}")
    after = None if query.after is None else decode_cursor(query.order, query.after)
    async with db.session() as session:
        found = await rows.flag_page(
            session,
            where=query.where,
            window=window_of(query.span, now=now),
            sort=SORTS[query.order],
            after=after,
            limit=query.first + 1,
        )
    page = tuple(_summary(query.order, row) for row in found[: query.first])
    return FlagPage(page, has_next=len(found) > query.first)


async def flag_count(db: Database, query: FlagQuery) -> int:
    """Return how many flags the query's filters allow (every page together)."""
    async with db.session() as session:
        return await rows.flag_count(session, where=query.where)


async def flag_summary(
    db: Database, flag: FlagKey, *, span: TimeRange, now: datetime
) -> FlagSummary | None:
    """Return one flag over a range, or None when it was never evaluated."""
    where = rows.FlagFilter(project=flag.project, environment=flag.environment, key=flag.key)
    order = FlagOrder.EVALUATIONS_DESC
    async with db.session() as session:
        found = await rows.flag_page(
            session, where=where, window=window_of(span, now=now), sort=SORTS[order], limit=1
        )
    return _summary(order, found[0]) if found else None


@dataclass(frozen=True, slots=True)
class Project:
    """A project seen in usage data, with its environments."""

    key: str
    environments: tuple[str, ...]


async def projects(db: Database) -> list[Project]:
    """Return every project seen in evaluations, contexts or meters, by key."""
    async with db.session() as session:
        pairs = await rows.project_environments(session)
    found: dict[str, list[str]] = {}
    for project, environment in pairs:
        environments = found.setdefault(project, [])
        if environment:
            environments.append(environment)
    return [Project(key, tuple(envs)) for key, envs in found.items()]


def keys_of(flags: Sequence[FlagKey]) -> list[tuple[str, str, str]]:
    """Return flags as storage's (project, environment, key) tuples, without repeats."""
    return [tuple(f) for f in dict.fromkeys(flags)]  # type: ignore[misc]
