"""The machine's PostgreSQL: the bench's own databases (all named ugbench_*) and their CPU."""

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg  # type: ignore[import-untyped]

T = TypeVar("T")
# Several people benchmarking on one server each set their own prefix (BENCH_PG_PREFIX).
PREFIX = os.environ.get("BENCH_PG_PREFIX", "ugbench_")
SERVER = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")


def url(name: str) -> str:
    """Return the URL of one of the bench's databases."""
    return f"{SERVER}/{name}"


def _own(name: str) -> str:
    if not name.startswith(PREFIX) or not name.replace("_", "").isalnum():
        raise ValueError(f"not a bench database name: {name!r}")
    return name


async def _admin(work: Callable[[Any], Awaitable[T]]) -> T:
    connection = await asyncpg.connect(url("postgres"), timeout=10)
    try:
        return await work(connection)
    finally:
        await connection.close()


def run(work: Callable[[Any], Awaitable[T]]) -> T:
    """Run async work on a connection to the server's maintenance database."""
    return asyncio.run(_admin(work))


def available() -> str | None:
    """Return None when the server answers, else why not."""
    try:
        run(lambda c: c.fetchval("SELECT 1"))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        return f"PostgreSQL at {SERVER} is not answering: {exc}"
    return None


def exists(name: str) -> bool:
    return bool(run(lambda c: c.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)))


def databases(prefix: str) -> list[str]:
    """Return the bench databases whose names start with ``prefix``."""
    sql = "SELECT datname FROM pg_database WHERE starts_with(datname, $1)"
    rows = run(lambda c: c.fetch(sql, _own(prefix)))
    return [r["datname"] for r in rows]


def create(name: str, *, template: str | None = None) -> None:
    """(Re)create an empty database, or a copy of ``template``."""
    drop(name)
    extra = f" TEMPLATE {_own(template)}" if template else ""
    run(lambda c: c.execute(f"CREATE DATABASE {_own(name)}{extra}"))


def drop(name: str) -> None:
    run(lambda c: c.execute(f"DROP DATABASE IF EXISTS {_own(name)} WITH (FORCE)"))


def rename(old: str, new: str) -> None:
    drop(new)
    run(lambda c: c.execute(f"ALTER DATABASE {_own(old)} RENAME TO {_own(new)}"))


def backend_pids(name: str) -> list[int]:
    """Return the server processes serving connections to a database."""
    rows = run(lambda c: c.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1", name))
    return [r["pid"] for r in rows]


def busy(name: str) -> int:
    """Return how many connections to a database are running a statement (vacuum included)."""
    sql = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND state = 'active' "
        "AND pid <> pg_backend_pid()"
    )
    return int(run(lambda c: c.fetchval(sql, name)))
