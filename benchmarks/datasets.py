"""Deterministic big histories written straight into the gateway's tables, cached by parameters.

A dataset is named by what it holds (``hist_50000000_202612_v2``), built once into a
SQLite file under ``$BENCH_DIR/data`` or a PostgreSQL database ``ugbench_<name>``, and reused
while its name matches. The schema comes from ``gateway migrate``; rows go in by bulk paths
(``executemany`` on SQLite, binary ``COPY`` on PostgreSQL) with secondary indexes dropped during
the load and rebuilt after, so 50M rows take minutes, not hours. A build that is interrupted
leaves only a ``*_building`` copy, never a half-built dataset under the final name.
"""

import asyncio
import hashlib
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from benchmarks import pg, servers

# Bump when the generated rows change, so caches built by older code are not reused.
BUILDER = 2
DAY = 86_400
QUARTER = 900
CHUNK = 200_000
HISTORY_BACK_DAYS = 400
HISTORY_AHEAD_DAYS = 35
HISTORY_PROJECT = "default"
HISTORY_ENVIRONMENT = "production"
HISTORY_FLAG = "hist-flag"
HISTORY_SDK = ("Go", "7.1.0")
# MAU data lies wholly in the past (MAU is daily whatever the age of the range), so it never
# goes stale: 59 days of contexts before this day, read as 30 rolling-30-day windows.
MAU_END = datetime(2026, 1, 1, tzinfo=UTC)
MAU_DAYS = 59
# Each context is active one day in 15 (a DAU/MAU ratio of 1/15), twice in every 30 days.
MAU_EVERY = 15
MAU_STEP = 7  # coprime with MAU_EVERY, so each context cycles through every day of the cycle
MAU_SDKS = [
    ("Go", "server", "backend"),
    ("Node.js", "server", "backend"),
    ("JavaScript", "client", "browser"),
    ("Android", "client", "mobile"),
]

EVALUATION_COLUMNS = [
    "id", "project", "environment", "flag", "width", "start", "variation", "sdk", "sdk_version",
    "count",
]  # fmt: skip
VARIATION_COLUMNS = [
    "id", "project", "environment", "flag", "variation", "value_json", "first_seen", "last_seen",
]  # fmt: skip
CONTEXT_COLUMNS = [
    "id", "day", "context_hash", "context_kind", "anonymous", "project", "environment", "sdk",
    "sdk_type", "category",
]  # fmt: skip

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Table:
    """Rows for one table, produced lazily."""

    name: str
    columns: list[str]
    rows: Callable[[], Iterator[tuple[Any, ...]]]


@dataclass(frozen=True)
class Dataset:
    """A built dataset: where it lives and what it holds."""

    name: str
    backend: str  # "sqlite" or "postgresql"
    url: str
    rows: int
    pg_database: str | None = None


def month_anchor(now: datetime) -> datetime:
    """Return the start of ``now``'s UTC month: histories are anchored there, so one build
    serves every run of the month (its rows run 35 days past the anchor)."""
    return now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


# --- evaluation history ------------------------------------------------------------------


def history_flags(rows: int) -> list[str]:
    """Return the flags of a history of about ``rows`` quarter-hour rows, in key order."""
    per_flag = _quarters() * 2
    fillers = max(round(rows / per_flag) - 1, 0)
    return sorted([HISTORY_FLAG] + [f"hist-filler-{i:05d}" for i in range(fillers)])


def _quarters() -> int:
    return (HISTORY_BACK_DAYS + HISTORY_AHEAD_DAYS) * DAY // QUARTER


def history_tables(rows: int, anchor: datetime, *, backend: str) -> list[Table]:
    """Return the tables of a history: 2 variations per flag, every quarter-hour of the span."""
    flags = history_flags(rows)
    lo = int(anchor.timestamp()) - HISTORY_BACK_DAYS * DAY
    quarters = _quarters()
    sdk, version = HISTORY_SDK
    project, environment = HISTORY_PROJECT, HISTORY_ENVIRONMENT

    def buckets() -> Iterator[tuple[Any, ...]]:
        next_id = 1
        for flag in flags:
            # Counts depend on the flag's name, not its position: the measured flag holds
            # the same rows in every history, whatever the number of fillers before it.
            f = 0 if flag == HISTORY_FLAG else int(flag.rsplit("-", 1)[1]) + 1
            for q in range(quarters):
                start = lo + q * QUARTER
                base = q * 31 + f * 17
                for v in (0, 1):
                    count = 1 + (base + 7 * v) % 97
                    yield (
                        next_id + v,
                        project,
                        environment,
                        flag,
                        QUARTER,
                        start,
                        v,
                        sdk,
                        version,
                        count,
                    )
                next_id += 2

    seen_first = _timestamp(datetime.fromtimestamp(lo, UTC), backend)
    seen_last = _timestamp(anchor, backend)

    def variations() -> Iterator[tuple[Any, ...]]:
        for f, flag in enumerate(flags):
            for v, value in ((0, "false"), (1, "true")):
                yield (2 * f + v + 1, project, environment, flag, v, value, seen_first, seen_last)

    return [
        Table("evaluation_buckets", EVALUATION_COLUMNS, buckets),
        Table("flag_variations", VARIATION_COLUMNS, variations),
    ]


def _timestamp(moment: datetime, backend: str) -> Any:
    naive = moment.astimezone(UTC).replace(tzinfo=None)
    # SQLAlchemy's SQLite DateTime stores this text form; asyncpg takes naive datetimes.
    return naive.strftime("%Y-%m-%d %H:%M:%S.%f") if backend == "sqlite" else naive


# --- monthly active contexts -------------------------------------------------------------


def mau_tables(contexts: int, *, backend: str) -> list[Table]:
    """Return context-day rows: ``contexts`` users, each active one day in 15 for 59 days,
    so every 30-day window of the range holds exactly ``contexts`` distinct contexts."""
    first_day = int(MAU_END.timestamp()) - MAU_DAYS * DAY
    hashes = [hashlib.sha256(f"user:bench-user-{i}".encode()).hexdigest() for i in range(contexts)]
    by_residue: list[list[int]] = [[] for _ in range(MAU_EVERY)]
    for i in sorted(range(contexts), key=hashes.__getitem__):
        by_residue[i % MAU_EVERY].append(i)
    anonymous = 0 if backend == "sqlite" else False

    def rows() -> Iterator[tuple[Any, ...]]:
        next_id = 1
        for d in range(MAU_DAYS):
            day = first_day + d * DAY
            # Context i is active on day d when (i + 7d) % 15 == 0: every 15th day, staggered.
            for i in by_residue[(-MAU_STEP * d) % MAU_EVERY]:
                sdk, sdk_type, category = MAU_SDKS[i % len(MAU_SDKS)]
                yield (
                    next_id,
                    day,
                    hashes[i],
                    "user",
                    anonymous,
                    "default",
                    "production",
                    sdk,
                    sdk_type,
                    category,
                )
                next_id += 1

    return [Table("context_days", CONTEXT_COLUMNS, rows)]


def mau_range() -> tuple[datetime, datetime]:
    """Return the 30-day range whose every rolling window lies inside the MAU data."""
    return MAU_END - timedelta(days=30), MAU_END - timedelta(milliseconds=1)


# --- writers -----------------------------------------------------------------------------


def _chunks(rows: Iterable[tuple[Any, ...]], size: int = CHUNK) -> Iterator[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _migrate(url: str) -> None:
    out = servers.gateway_cli("migrate", "--database", url)
    if out.returncode != 0:
        raise RuntimeError(f"gateway migrate failed: {out.stderr.strip()}")


def write_sqlite(path: str, tables: Sequence[Table], progress: Progress) -> int:
    """Write tables into a migrated SQLite file; return the rows written."""
    total = 0
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=OFF")
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("PRAGMA cache_size=-1000000")
        for table in tables:
            indexes = connection.execute(
                "SELECT name, sql FROM sqlite_master "
                "WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
                (table.name,),
            ).fetchall()
            for name, _ in indexes:
                connection.execute(f'DROP INDEX "{name}"')
            marks = ", ".join("?" * len(table.columns))
            sql = f"INSERT INTO {table.name} ({', '.join(table.columns)}) VALUES ({marks})"
            connection.execute("BEGIN")
            for chunk in _chunks(table.rows()):
                connection.executemany(sql, chunk)
                total += len(chunk)
                if total % 5_000_000 < len(chunk):
                    progress(f"{table.name}: {total:,} rows")
            for _, create in indexes:
                connection.execute(create)
            connection.execute("COMMIT")
        connection.execute("PRAGMA journal_mode=WAL")
    finally:
        connection.close()
    return total


async def _write_postgres(url: str, tables: Sequence[Table], progress: Progress) -> int:
    total = 0
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("SET maintenance_work_mem = '1GB'")
        await connection.execute("SET synchronous_commit = off")
        for table in tables:
            async with connection.transaction():
                rebuild = await _drop_secondary_indexes(connection, table.name)
                for chunk in _chunks(table.rows()):
                    await connection.copy_records_to_table(
                        table.name, records=chunk, columns=table.columns
                    )
                    total += len(chunk)
                    if total % 5_000_000 < len(chunk):
                        progress(f"{table.name}: {total:,} rows")
                progress(f"{table.name}: rebuilding {len(rebuild)} index(es)")
                for statement in rebuild:
                    await connection.execute(statement)
                await connection.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {table.name}), false)"
                )
        progress("VACUUM ANALYZE")
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()
    return total


async def _drop_secondary_indexes(connection: Any, table: str) -> list[str]:
    """Drop a table's unique constraints and indexes (not its primary key); return how to
    rebuild them exactly as they were."""
    constraints = await connection.fetch(
        "SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint "
        "WHERE conrelid = $1::regclass AND contype = 'u'",
        table,
    )
    rebuild = []
    for c in constraints:
        await connection.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{c["conname"]}"')
        rebuild.append(f'ALTER TABLE {table} ADD CONSTRAINT "{c["conname"]}" {c["def"]}')
    indexes = await connection.fetch(
        "SELECT i.relname AS name, pg_get_indexdef(x.indexrelid) AS def FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = $1::regclass "
        "AND NOT x.indisprimary",
        table,
    )
    for index in indexes:
        await connection.execute(f'DROP INDEX "{index["name"]}"')
        rebuild.append(index["def"])
    return rebuild


# --- caching -----------------------------------------------------------------------------


def _data_dir() -> Any:
    path = servers.SCRATCH / "data"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _upgrade(url: str, progress: Progress) -> None:
    """Bring a cached dataset to the gateway's newest schema, as a deployment would be."""
    started = time.monotonic()
    _migrate(url)
    if time.monotonic() - started > 10:
        progress(f"upgraded the cached dataset's schema in {time.monotonic() - started:.0f} s")


def ensure(
    name: str, backend: str, tables: Callable[[], list[Table]], progress: Progress
) -> Dataset:
    """Return the dataset ``name`` on ``backend``, building it first unless it is cached.

    A cached dataset is upgraded in place by the gateway's migrations (a new index on 50M
    rows is built then, once). Other versions of the same dataset (same kind and size) are
    removed when a new one is built: they only take disk space.
    """
    family = "_".join(name.split("_")[:2]) + "_"
    if backend == "sqlite":
        path = _data_dir() / f"{name}.sqlite"
        url = f"sqlite+aiosqlite:///{path}"
        if not path.exists():
            for old in _data_dir().glob(f"{family}*.sqlite*"):
                old.unlink()
            # `gateway migrate` takes only SQLite files named like one (.db, .sqlite).
            building = path.with_name(f"{path.stem}_building.sqlite")
            for leftover in _data_dir().glob(f"{building.name}*"):
                leftover.unlink()
            started = time.monotonic()
            progress(f"building {path.name} (one time; cached by its name)")
            _migrate(f"sqlite+aiosqlite:///{building}")
            written = write_sqlite(str(building), tables(), progress)
            building.rename(path)
            progress(f"built {path.name}: {written:,} rows in {time.monotonic() - started:.0f} s")
        else:
            _upgrade(url, progress)
        return Dataset(name, backend, url, _count_sqlite(str(path)))
    database = pg.PREFIX + name
    url = pg.url(database)
    if not pg.exists(database):
        for old in pg.databases(pg.PREFIX + family):
            pg.drop(old)
        building = database + "_building"
        started = time.monotonic()
        progress(f"building PostgreSQL database {database} (one time; cached by its name)")
        pg.create(building)
        _migrate(pg.url(building))
        written = asyncio.run(_write_postgres(pg.url(building), tables(), progress))
        pg.rename(building, database)
        progress(f"built {database}: {written:,} rows in {time.monotonic() - started:.0f} s")
    else:
        _upgrade(url, progress)
    return Dataset(name, backend, url, asyncio.run(_count_postgres(url)), database)


# The rows a dataset holds: ids run from 1 without gaps in the tables it fills.
_ROWS = (
    "SELECT (SELECT coalesce(max(id), 0) FROM evaluation_buckets) + "
    "(SELECT coalesce(max(id), 0) FROM context_days)"
)


def _count_sqlite(path: str) -> int:
    connection = sqlite3.connect(path)
    try:
        return int(connection.execute(_ROWS).fetchone()[0])
    finally:
        connection.close()


async def _count_postgres(url: str) -> int:
    connection = await asyncpg.connect(url)
    try:
        return int(await connection.fetchval(_ROWS))
    finally:
        await connection.close()


def history(rows: int, backend: str, now: datetime, progress: Progress) -> Dataset:
    """Return the evaluation history of about ``rows`` quarter-hour rows on ``backend``."""
    anchor = month_anchor(now)
    name = f"hist_{rows}_{anchor:%Y%m}_v{BUILDER}"
    return ensure(name, backend, lambda: history_tables(rows, anchor, backend=backend), progress)


def mau(contexts: int, backend: str, progress: Progress) -> Dataset:
    """Return the MAU data of ``contexts`` distinct contexts a month on ``backend``, linked
    (as the gateway's linker leaves a deployment once it has caught up)."""
    name = f"mau_{contexts}_v{BUILDER}"
    dataset = ensure(name, backend, lambda: mau_tables(contexts, backend=backend), progress)
    asyncio.run(_link_mau(dataset, progress))
    return dataset


async def _link_mau(dataset: Dataset, progress: Progress) -> None:
    # Imported here: only the MAU datasets need the gateway's own code.
    from sqlalchemy import text

    from resolvers import mau as mau_resolvers
    from resolvers.database import Database, Timeouts

    db = Database(dataset.url, timeouts=Timeouts(statement_s=3600, lock_s=60))
    try:
        async with db.session() as session:
            query = text("SELECT count(*) FROM context_days WHERE NOT linked")
            unlinked = (await session.execute(query)).scalar_one()
        if unlinked:
            started = time.monotonic()
            progress(f"linking {unlinked:,} MAU rows (one time)")
            await mau_resolvers.link_everything(db)
            progress(f"linked in {time.monotonic() - started:.0f} s")
            if dataset.pg_database is not None:
                async with db.engine.connect() as connection:
                    autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
                    await autocommit.execute(text("VACUUM ANALYZE context_days"))
                    await autocommit.execute(text("VACUUM ANALYZE mau_days"))
    finally:
        await db.dispose()
