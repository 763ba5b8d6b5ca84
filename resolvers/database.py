"""The database as a whole: open it (creating it or not), back it up."""

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from resolvers.errors import InvalidRequest, NotFound, Unavailable
from storage import migrate, pool, sqlite_files, usage
from storage.engine import Database, redact_url
from storage.errors import DatabaseMissing, StorageUnavailable
from storage.pool import PoolStatus

__all__ = [
    "Database",
    "MissingDatabase",
    "PoolStatus",
    "backup",
    "holds_usage_data",
    "on_error",
    "opened",
    "pool_status",
    "schema_revision",
    "shown",
    "sqlite_file",
]

pool_status = pool.pool_status
on_error = pool.on_error
sqlite_file = sqlite_files.sqlite_path


async def schema_revision(db: Database) -> str | None:
    """Return the schema revision the database is at."""
    return await migrate.current_revision(db)


class MissingDatabase(NotFound):
    """The configured database does not exist (and this command does not create one)."""


def shown(url: str) -> str:
    """Return the database URL as it may be shown: any password masked."""
    return redact_url(url)


def _check_exists(url: str) -> None:
    path = sqlite_files.sqlite_path(url)
    if path is not None and not path.exists():
        raise MissingDatabase(
            f"no database at {path}: pass --database (or set GATEWAY_DATABASE_URL) to an "
            "existing one, or create it with `gateway migrate`"
        )


@asynccontextmanager
async def opened(url: str, *, create: bool) -> AsyncIterator[Database]:
    """Yield the database at ``url``, migrated to the newest schema.

    Unless ``create``, a SQLite file that does not exist yet is refused (MissingDatabase)
    instead of being created empty; a PostgreSQL database must always exist.
    """
    if not create:
        _check_exists(url)
    db = Database(url)
    try:
        try:
            await migrate.upgrade(db)
        except DatabaseMissing as exc:
            raise MissingDatabase(
                f"{exc} on {shown(url)}: create it (createdb, or CREATE DATABASE) "
                "or fix the name in the URL"
            ) from None
        yield db
    finally:
        await db.dispose()


async def backup(db: Database, target: Path) -> int:
    """Write a consistent copy of a SQLite database to the new file ``target``; return bytes.

    Refuses PostgreSQL (pg_dump does that job) and an existing ``target``; a failed copy
    leaves no file behind.
    """
    source = sqlite_files.sqlite_path(db.url)
    if source is None:
        raise InvalidRequest(
            "gateway backup copies SQLite files; back up PostgreSQL with pg_dump "
            "(pg_dump --format=custom --file=FILE DBNAME)"
        )
    if await asyncio.to_thread(target.exists):
        raise InvalidRequest(f"{target} already exists: choose a new file name")
    partial = target.with_name(target.name + ".partial")
    try:
        await sqlite_files.backup(source, partial)
        os.replace(partial, target)
    except StorageUnavailable as exc:
        raise Unavailable(str(exc)) from None
    finally:
        partial.unlink(missing_ok=True)
    return (await asyncio.to_thread(target.stat)).st_size


async def holds_usage_data(db: Database) -> bool:
    """Return whether the database holds usage facts or statistics documents."""
    async with db.session() as session:
        return not await usage.is_empty(session)
