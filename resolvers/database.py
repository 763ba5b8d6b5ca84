"""The database as resolvers and doors see it: open it, back it up, failures in our words.

Storage says "the database is not answering" with its own StorageUnavailable; this is the
one place that turns it into the Unavailable every door renders (503), so no door needs
to know storage's errors.
"""

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from resolvers.errors import InvalidRequest, NotFound, Unavailable
from resolvers.recent import Recent
from storage import engine, migrate, pool, sqlite_files, usage
from storage.engine import Reader, Session, Timeouts
from storage.errors import DatabaseMissing, StorageUnavailable
from storage.generations import Generations, Topic
from storage.pool import PoolStatus

__all__ = [
    "Database",
    "Generations",
    "MissingDatabase",
    "PoolStatus",
    "Reader",
    "Session",
    "Timeouts",
    "backup",
    "current_revision",
    "head_revision",
    "holds_usage_data",
    "on_error",
    "opened",
    "pool_status",
    "redact_url",
    "sqlite_file",
    "upgrade",
]

if TYPE_CHECKING:
    from resolvers.statistics import StatisticsDocument
    from resolvers.tokens import Principal

T = TypeVar("T")
pool_status = pool.pool_status
on_error = pool.on_error
sqlite_file = sqlite_files.sqlite_path


class Database(engine.Database):
    """An engine plus transactional sessions; a database that does not answer is Unavailable.

    ``cache_s`` is how long what it read may be served again (tokens' principals, the current
    statistics document) when another process could have changed it; 0 reads every time.
    """

    def __init__(
        self,
        url: str,
        *,
        timeouts: Timeouts | None = None,
        cache_s: float = 0.0,
        generations: Generations | None = None,
        pool_size: int = engine.POOL_SIZE,
    ) -> None:
        super().__init__(
            url, timeouts=timeouts or Timeouts(), generations=generations, pool_size=pool_size
        )
        lifetime = timedelta(seconds=cache_s)
        self.recent_tokens: Recent[str, Principal] = Recent(
            self.generations, Topic.TOKENS, lifetime
        )
        self.recent_statistics: Recent[str, StatisticsDocument] = Recent(
            self.generations, Topic.STATISTICS, lifetime
        )

    @asynccontextmanager
    async def session(self) -> AsyncIterator[Session]:
        """Yield a session inside one transaction: committed on success, rolled back on error."""
        with _answering():
            async with super().session() as session:
                yield session

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Reader]:
        """Yield a connection for one hot read (one statement, no transaction)."""
        with _answering():
            async with super().reading() as connection:
                yield connection

    async def transaction(
        self, work: Callable[[Session], Awaitable[T]], *, bounded: bool = True
    ) -> T:
        """Return what ``work`` returns once committed; a collision re-runs it whole."""
        with _answering():
            return await super().transaction(work, bounded=bounded)


@contextmanager
def _answering() -> Iterator[None]:
    try:
        with unavailable_translated():
            yield
    except DatabaseMissing as error:
        # Dropped while we run: to a request, that is a database that does not answer.
        raise Unavailable(None, detail=str(error)) from error


@contextmanager
def unavailable_translated() -> Iterator[None]:
    """Re-raise storage's StorageUnavailable as Unavailable (the detail kept for the log)."""
    try:
        yield
    except StorageUnavailable as error:
        raise Unavailable(None, detail=str(error)) from error


class MissingDatabase(NotFound):
    """The configured database does not exist (and this command does not create one)."""


def redact_url(url: str) -> str:
    """Return a database URL with its password masked, for messages and logs."""
    return engine.redact_url(url)


async def upgrade(db: Database) -> None:
    """Create or upgrade the schema to the newest revision."""
    with unavailable_translated():
        await migrate.upgrade(db)


async def current_revision(db: Database) -> str | None:
    """Return the schema revision the database is at (None when never migrated)."""
    with unavailable_translated():
        return await migrate.current_revision(db)


def head_revision() -> str:
    """Return the newest schema revision this code knows."""
    return migrate.head_revision()


def _check_exists(url: str) -> None:
    path = sqlite_files.sqlite_path(url)
    if path is not None and not path.exists():
        raise MissingDatabase(
            f"no database at {path}: pass --database (or set GATEWAY_DATABASE_URL) to an "
            "existing one, or create it with `gateway migrate`"
        )


@asynccontextmanager
async def opened(
    url: str, *, create: bool, timeouts: Timeouts | None = None
) -> AsyncIterator[Database]:
    """Yield the database at ``url``, migrated to the newest schema.

    Unless ``create``, a SQLite file that does not exist yet is refused (MissingDatabase)
    instead of being created empty; a PostgreSQL database must always exist.
    """
    if not create:
        _check_exists(url)
    db = Database(url, timeouts=timeouts or Timeouts())
    try:
        try:
            await upgrade(db)
        except DatabaseMissing as exc:
            raise MissingDatabase(
                f"{exc} on {redact_url(url)}: create it (createdb, or CREATE DATABASE) "
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
        with unavailable_translated():
            await sqlite_files.backup(source, partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return (await asyncio.to_thread(target.stat)).st_size


async def holds_usage_data(db: Database) -> bool:
    """Return whether the database holds usage facts or statistics documents."""
    async with db.session() as session:
        return not await usage.is_empty(session)
