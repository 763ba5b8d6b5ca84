"""Flags by evaluations (the `flags` page query) with and without the bucket-window index.

Run: .venv/bin/python benchmarks/flag_index.py [--days 180] [--flags 200]
       [--postgres postgresql://postgres@127.0.0.1:5432/postgres]

Builds two copies of a large-ish evaluation_buckets table per database (quarter-hour
buckets every hour for ``--days`` days, ``--flags`` flag-environments, two variations),
one without ``ix_evaluation_buckets_window``, then times the first page of
``flags(orderBy: EVALUATIONS_DESC)`` over the past 7 days on both copies in interleaved
rounds, and the write the index costs (adding counts to existing buckets, as ingestion
does). Prints the plans, the medians, the ratios and the load average.
"""

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from resolvers.usage_params import TimeRange
from sqlalchemy import select, text

from resolvers.flags import SORTS, window_of
from resolvers.vocabulary import FlagOrder
from storage import flags, migrate, usage
from storage.columns import code_point_order
from storage.engine import Database

INDEX = "ix_evaluation_buckets_window"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
ROUNDS = 9
COLUMNS = ("project", "environment", "flag", "width", "start", "variation", "sdk", "sdk_version")


def bucket_rows(days: int, flag_count: int) -> list[tuple[object, ...]]:
    first = int((NOW - timedelta(days=days)).timestamp()) // 3600 * 3600
    out = []
    for f in range(flag_count):
        project, environment = f"p{f % 5}", ("production", "staging")[f % 2]
        for start in range(first, int(NOW.timestamp()), 3600):
            for variation in (0, 1):
                out.append(
                    (project, environment, f"flag-{f:04d}", 900, start, variation, "", "", 7 + f)
                )
    return out


VARIATION_COLUMNS = (
    "project",
    "environment",
    "flag",
    "variation",
    "value_json",
    "first_seen",
    "last_seen",
)


def variation_rows(flag_count: int) -> list[tuple[object, ...]]:
    seen = (NOW - timedelta(days=1)).replace(tzinfo=None)  # stored as naive UTC
    return [
        (f"p{f % 5}", ("production", "staging")[f % 2], f"flag-{f:04d}", v, "true", seen, seen)
        for f in range(flag_count)
        for v in (0, 1)
    ]


async def fill_sqlite(db: Database, buckets: list[tuple[object, ...]], flag_count: int) -> None:
    async with db.engine.begin() as conn:
        await conn.exec_driver_sql(
            f"INSERT INTO evaluation_buckets ({', '.join(COLUMNS)}, count) "
            f"VALUES ({', '.join('?' * (len(COLUMNS) + 1))})",
            buckets,
        )
        await conn.exec_driver_sql(
            "INSERT INTO flag_variations (project, environment, flag, variation, value_json, "
            "first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (*r[:5], r[5].replace(tzinfo=None), r[6].replace(tzinfo=None))
                for r in variation_rows(flag_count)
            ],  # type: ignore[union-attr]
        )
    # No ANALYZE: the gateway never runs it on SQLite, so the planner has no statistics.


async def fill_postgres(dsn: str, buckets: list[tuple[object, ...]], flag_count: int) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.copy_records_to_table(
            "evaluation_buckets", records=buckets, columns=[*COLUMNS, "count"]
        )
        await conn.copy_records_to_table(
            "flag_variations",
            records=[
                (*r[:5], r[5].replace(tzinfo=None), r[6].replace(tzinfo=None))  # type: ignore[union-attr]
                for r in variation_rows(flag_count)
            ],
            columns=[
                "project",
                "environment",
                "flag",
                "variation",
                "value_json",
                "first_seen",
                "last_seen",
            ],
        )
        await conn.execute("VACUUM ANALYZE evaluation_buckets")
        await conn.execute("VACUUM ANALYZE flag_variations")
    finally:
        await conn.close()


def page_query() -> tuple[flags.FlagFilter, flags.EvaluationWindow]:
    span = TimeRange(int((NOW - timedelta(days=7)).timestamp()), int(NOW.timestamp()))
    return flags.FlagFilter(), window_of(span, now=NOW)


async def read_page(db: Database) -> None:
    where, window = page_query()
    async with db.session() as session:
        found = await flags.flag_page(
            session, where=where, window=window, sort=SORTS[FlagOrder.EVALUATIONS_DESC], limit=21
        )
    assert len(found) == 21


async def write_counts(db: Database, round_: int, flag_count: int) -> None:
    # Counts added to existing recent buckets: what ingestion does all day.
    start = int(NOW.timestamp()) // 3600 * 3600 - 3600 * (round_ % 24)
    rows = [
        usage.EvaluationCount(
            f"p{f % 5}", ("production", "staging")[f % 2], f"flag-{f:04d}", 900, start, 1, "", "", 3
        )
        for f in range(flag_count)
    ]
    async with db.session() as session:
        await usage.add_evaluation_counts(session, rows=rows)


async def plan(db: Database) -> str:
    where, window = page_query()
    sub = flags._with_totals(where, window)
    keys = [(sub.c[n], d) for n, d in SORTS[FlagOrder.EVALUATIONS_DESC]]
    order = [code_point_order(c).desc() if d else code_point_order(c) for c, d in keys]
    stmt = select(sub).order_by(*order).limit(21)
    sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
    prefix = "EXPLAIN QUERY PLAN " if db.dialect == "sqlite" else "EXPLAIN "
    async with db.engine.connect() as conn:
        lines = (await conn.execute(text(prefix + sql))).all()
    return "\n".join("    " + " ".join(str(c) for c in line) for line in lines)


async def interleaved(
    label: str, without: Database, with_: Database, run: Callable[[Database, int], Awaitable[None]]
) -> None:
    times: dict[str, list[float]] = {"without": [], "with": []}
    for round_ in range(ROUNDS):
        for name, db in (("without", without), ("with", with_)):
            started = time.perf_counter()
            await run(db, round_)
            times[name].append(time.perf_counter() - started)
    a, b = (statistics.median(times[k]) * 1000 for k in ("without", "with"))
    print(f"  {label:<28} without index {a:8.1f} ms   with index {b:8.1f} ms   ratio {a / b:5.2f}x")


async def compare(backend: str, without: Database, with_: Database, flag_count: int) -> None:
    print(f"{backend}:")
    print("  plan without the index:\n" + await plan(without))
    print("  plan with the index:\n" + await plan(with_))
    await interleaved("flags page (7 days)", without, with_, lambda db, _: read_page(db))
    await interleaved(
        f"add counts ({flag_count} buckets)",
        without,
        with_,
        lambda db, r: write_counts(db, r, flag_count),
    )


async def sqlite_pair(directory: Path, buckets: list[tuple[object, ...]], n: int) -> list[Database]:
    pair = []
    for name in ("without", "with"):
        db = Database(f"sqlite+aiosqlite:///{directory / name}.db")
        await migrate.upgrade(db)
        if name == "without":
            async with db.engine.begin() as conn:
                await conn.exec_driver_sql(f"DROP INDEX {INDEX}")
        await fill_sqlite(db, buckets, n)
        pair.append(db)
    return pair


async def postgres_pair(admin: str, buckets: list[tuple[object, ...]], n: int) -> list[str]:
    names = [f"ug_bench_flags_{name}_{uuid.uuid4().hex[:6]}" for name in ("without", "with")]
    conn = await asyncpg.connect(admin)
    try:
        for name in names:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base = admin.rsplit("/", 1)[0]
    for name in names:
        db = Database(f"{base}/{name}")
        await migrate.upgrade(db)
        if "without" in name:
            async with db.engine.begin() as c:
                await c.exec_driver_sql(f"DROP INDEX {INDEX}")
        await db.dispose()
        await fill_postgres(f"{base}/{name}", buckets, n)
    return [f"{base}/{name}" for name in names]


async def drop_postgres(admin: str, urls: list[str]) -> None:
    conn = await asyncpg.connect(admin)
    try:
        for url in urls:
            await conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    finally:
        await conn.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--flags", type=int, default=200)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    buckets = bucket_rows(args.days, args.flags)
    print(
        f"{len(buckets):,} bucket rows ({args.flags} flags, {args.days} days); "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    with tempfile.TemporaryDirectory() as directory:
        pair = await sqlite_pair(Path(directory), buckets, args.flags)
        await compare("SQLite", *pair, args.flags)
        for db in pair:
            await db.dispose()
    urls = await postgres_pair(args.postgres, buckets, args.flags)
    pair = [Database(url) for url in urls]
    try:
        await compare("PostgreSQL", *pair, args.flags)
    finally:
        for db in pair:
            await db.dispose()
        await drop_postgres(args.postgres, urls)
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
