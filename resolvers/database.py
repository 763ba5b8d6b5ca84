"""The database as resolvers and doors see it: storage's engine, failures in our vocabulary.

Storage says "the database is not answering" with its own StorageUnavailable; this is the
one place that turns it into the Unavailable every door renders (503), so no door needs
to know storage's errors.
"""

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from resolvers.errors import Unavailable
from storage import engine, migrate
from storage.engine import Session
from storage.errors import StorageUnavailable

__all__ = ["Database", "Session", "current_revision", "head_revision", "redact_url", "upgrade"]


class Database(engine.Database):
    """An engine plus transactional sessions; a database that does not answer is Unavailable."""

    @asynccontextmanager
    async def session(self) -> AsyncIterator[Session]:
        """Yield a session inside one transaction: committed on success, rolled back on error."""
        with unavailable_translated():
            async with super().session() as session:
                yield session


@contextmanager
def unavailable_translated() -> Iterator[None]:
    """Re-raise storage's StorageUnavailable as Unavailable (the detail kept for the log)."""
    try:
        yield
    except StorageUnavailable as error:
        raise Unavailable(None, detail=str(error)) from error


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


def redact_url(url: str) -> str:
    """Return a database URL with its password masked, for messages and logs."""
    return engine.redact_url(url)
