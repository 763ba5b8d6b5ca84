"""A flag's series read: its variations and its evaluations per output bucket, in one statement.

The hot path of every flag series (REST and GraphQL), so it is built once per shape with
bound parameters and runs on a bare connection. Its counts are exactly ``evaluation_sums``
of the flag grouped by variation (storage.series), which the tests check.
"""

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    CompoundSelect,
    Integer,
    Select,
    String,
    bindparam,
    case,
    func,
    literal,
    null,
    select,
    union_all,
)

from storage.columns import columns
from storage.engine import Reader
from storage.series import Run
from storage.tables import EvaluationBucket, FlagVariation

_VARIATIONS = 0  # the ``kind`` of a variation row of flag_series' statement
_COUNTS = 1  # the ``kind`` of a count row


def _variations(m: Any) -> Select[Any]:
    return select(literal(_VARIATIONS).label("kind"), m.variation, m.value_json).where(
        m.project == bindparam("project"),
        m.environment == bindparam("environment"),
        m.flag == bindparam("flag"),
    )


@functools.cache
def _flag_series_statement(runs: int) -> Select[Any] | CompoundSelect[Any]:
    """A flag's variations, then its evaluation_sums by variation on ``runs`` runs.

    One statement (one round trip, one call into SQLite's thread) with every value a
    parameter, built once per number of runs: a read skips building it and SQLAlchemy
    keying it for its compiled cache (together a third of a series read's CPU before).
    Rows are (kind, idx, variation, n, value JSON).
    """
    v = columns(FlagVariation)
    if runs == 0:
        only = _variations(v).subquery()
        return select(only.c.kind, literal(-1), only.c.variation, literal(0), only.c.value_json)
    m = columns(EvaluationBucket)
    # Starts are BIGINT: parameters of that type keep the comparisons on the index.
    lo = [bindparam(f"lo{i}", type_=BigInteger) for i in range(runs)]
    whens = [
        (
            m.start >= lo[i],
            bindparam(f"first{i}", type_=BigInteger)
            + (m.start - lo[i]) // bindparam(f"width{i}", type_=BigInteger),
        )
        for i in reversed(range(runs))  # latest run first, as _index
    ]
    rows = (
        select(case(*whens, else_=-1).label("idx"), m.variation, m.count)
        .where(
            m.project == bindparam("project"),
            m.environment == bindparam("environment"),
            m.flag == bindparam("flag"),
            m.width == bindparam("source_width", type_=Integer),
            m.start >= lo[0],
            m.start < bindparam("end", type_=BigInteger),
        )
        .subquery()
    )
    keys = (rows.c.idx, rows.c.variation)
    counts = select(literal(_COUNTS), *keys, func.sum(rows.c.count), null().cast(String)).group_by(
        *keys
    )
    variations = _variations(v).subquery()
    named = select(
        variations.c.kind,
        literal(-1).label("idx"),
        variations.c.variation,
        literal(0, BigInteger).label("n"),
        variations.c.value_json,
    )
    return union_all(named, counts)


@dataclass(frozen=True, slots=True)
class FlagSeries:
    """A flag's variations (variation, value JSON or None) in order, and its counts
    (bucket index, variation, evaluations) for buckets with any evaluations."""

    variations: list[tuple[int, str | None]]
    counts: list[tuple[int, int, int]]


async def flag_series(
    reader: Reader,
    *,
    project: str,
    environment: str,
    flag: str,
    width: int,
    runs: Sequence[Run],
) -> FlagSeries:
    """Return a flag's variations and its evaluations per output bucket and variation.

    The counts are ``evaluation_sums`` of the flag grouped by variation; this is the hot
    path of every flag series, so it is one prepared statement, run on a bare connection.
    """
    params: dict[str, Any] = {"project": project, "environment": environment, "flag": flag}
    if runs:
        last = runs[-1]
        params.update(source_width=width, end=last.lo + last.width * last.count)
    first = 0
    for i, run in enumerate(runs):
        params.update({f"lo{i}": run.lo, f"width{i}": run.width, f"first{i}": first})
        first += run.count
    result = await reader.execute(_flag_series_statement(len(runs)), params)
    variations, counts = [], []
    for kind, i, v, n, value_json in result:
        if kind == _VARIATIONS:
            variations.append((int(v), value_json))
        else:
            counts.append((int(i), int(v), int(n)))
    return FlagSeries(sorted(variations, key=lambda pair: pair[0]), counts)
