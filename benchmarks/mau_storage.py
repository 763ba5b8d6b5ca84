"""Workload 5, second table: the MAU query before the per-day run sums against today's.

Both are called in-process on the same dataset, through a session of the gateway's own
``Database``, in interleaved rounds: the old query (benchmarks/mau_before.py, a join of every
day to its window, counted distinct) and today's (storage.mau: linked run sums plus a recount
of what the linker has not reached). Each answer is checked like the HTTP ones.
"""

import asyncio
import time
from collections.abc import Sequence
from typing import Any

from benchmarks import datasets, load, machine
from benchmarks.mau_before import active_counts as before_counts
from benchmarks.report import Table, divide, ms, ratio
from resolvers.buckets import month_starts, utc_days
from resolvers.database import Database, Timeouts
from storage.mau import active_counts as after_counts

GROUPINGS: dict[str, tuple[str, ...]] = {"ungrouped": (), "groupby=sdktype": ("sdk_type",)}
IMPLEMENTATIONS = {"before": before_counts, "after": after_counts}


def _verdict(rows: Sequence[tuple[Any, ...]], contexts: int) -> str:
    per_day: dict[int, int] = {}
    for day, *_, n in rows:
        per_day[day] = per_day.get(day, 0) + n
    if len(per_day) == 30 and set(per_day.values()) == {contexts}:
        return "exact"
    return f"WRONG: {len(per_day)} days, values {sorted(set(per_day.values()))[:5]}"


async def _measure(
    url: str, contexts: int, rounds: int, budget_s: float
) -> tuple[dict[tuple[str, str], list[float]], dict[tuple[str, str], str]]:
    lo, hi = datasets.mau_range()
    days = utc_days(int(lo.timestamp()), int(hi.timestamp()))
    db = Database(url, timeouts=Timeouts(statement_s=3600))
    samples: dict[tuple[str, str], list[float]] = {}
    verdicts: dict[tuple[str, str], str] = {}
    spent: dict[tuple[str, str], float] = {}
    keys = [(impl, grouping) for grouping in GROUPINGS for impl in IMPLEMENTATIONS]
    try:
        for r in range(rounds):
            for impl, grouping in keys[r % len(keys) :] + keys[: r % len(keys)]:
                key = (impl, grouping)
                if samples.get(key) and spent.get(key, 0) >= budget_s:
                    continue
                started = time.perf_counter()
                async with db.session() as session:
                    rows = await IMPLEMENTATIONS[impl](
                        session,
                        first_day=days[0],
                        last_day=days[-1],
                        lookback_days=30,
                        month_starts=month_starts(days),
                        filters={"context_kind": ("user",)},
                        group_by=GROUPINGS[grouping],
                    )
                elapsed = time.perf_counter() - started
                samples.setdefault(key, []).append(elapsed * 1000)
                spent[key] = spent.get(key, 0) + elapsed
                if verdicts.get(key, "exact") == "exact":
                    verdicts[key] = _verdict(rows, contexts)
    finally:
        await db.dispose()
    return samples, verdicts


def table(
    targets: Sequence[tuple[int, datasets.Dataset]], rounds: int, budget_s: float
) -> tuple[Table, tuple[float, float, float]]:
    """Return the before/after table of the datasets, and the load average before it."""
    before = machine.load()
    out = Table(
        "5b. MAU query before vs after the per-day run sums (in-process storage call, c=1)",
        ["database", "contexts/month", "query", "before p50", "after p50", "before ÷ after",
         "samples", "answers"],
    )  # fmt: skip
    for contexts, dataset in targets:
        samples, verdicts = asyncio.run(_measure(dataset.url, contexts, rounds, budget_s))
        for grouping in GROUPINGS:
            p50 = {i: load.median(samples.get((i, grouping), [])) or None for i in IMPLEMENTATIONS}
            answers = {verdicts.get((i, grouping), "-") for i in IMPLEMENTATIONS}
            out.add(
                dataset.backend, f"{contexts:,}", grouping, ms(p50["before"]), ms(p50["after"]),
                ratio(divide(p50["before"], p50["after"])),
                "/".join(str(len(samples.get((i, grouping), []))) for i in IMPLEMENTATIONS),
                " / ".join(sorted(answers)),
            )  # fmt: skip
    out.notes.append(
        f"Up to {rounds} interleaved rounds (order rotated per round); a query stops once it "
        f"has spent {budget_s:.0f} s. 'before' is benchmarks/mau_before.py (the query before "
        "the per-day run sums), 'after' is storage.mau on the linked dataset."
    )
    return out, before
