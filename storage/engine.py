"""The database handle: one async engine, transactional sessions, health checks."""

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage import postgres, sqlite, sqlite_driver
from storage.errors import Contention, StorageUnavailable
from storage.failures import translated
from storage.generations import Generations, written

Session = AsyncSession
Reader = AsyncConnection
T = TypeVar("T")
log = logging.getLogger(__name__)

_DRIVERS = {
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
}
# A colliding transaction is re-run this many times in all, after a short random pause
# that grows with each attempt, so that the colliding ones do not collide again.
ATTEMPTS = 5
# Connections kept open; up to 10 more are opened when busier, and closed after use.
POOL_SIZE = 20
_BACKOFF_S = 0.02


def normalize_url(url: str) -> str:
    """Return a SQLAlchemy async URL for a URL or a bare SQLite file path."""
    if "://" not in url:
        return f"sqlite+aiosqlite:///{url}"
    scheme, rest = url.split("://", 1)
    return f"{_DRIVERS.get(scheme, scheme)}://{rest}"


def redact_url(url: str) -> str:
    """Return the URL with any password masked, for logs and errors."""
    return make_url(normalize_url(url)).render_as_string(hide_password=True)


@dataclass(frozen=True, slots=True)
class Timeouts:
    """How long the database may take before a request gives up (seconds)."""

    connect_s: float = 2.0  # open a connection; a pooled one must answer a ping as fast
    pool_s: float = 3.0  # wait for a free pooled connection
    statement_s: float = 15.0  # one statement; the server cancels it past this
    lock_s: float = 3.0  # wait for a lock another transaction holds


class Database:
    """An engine plus a session factory; every session is one transaction."""

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        timeouts: Timeouts = Timeouts(),
        generations: Generations | None = None,
        pool_size: int = POOL_SIZE,
    ) -> None:
        self.url = normalize_url(url)
        # Raised by every committed write of a topic, for the caches of what was read.
        self.generations = generations or Generations()
        self.dialect = make_url(self.url).get_backend_name()
        self.timeouts = timeouts
        kwargs: dict[str, Any] = {"echo": echo, "pool_timeout": timeouts.pool_s}
        # Connections above the pool's size are opened for one use and closed after it (a
        # TLS context or a thread each): the pool holds as many as requests run at once.
        kwargs["pool_size"] = pool_size
        if self.dialect == "postgresql":
            kwargs["connect_args"] = postgres.connect_args(
                connect_s=timeouts.connect_s,
                statement_s=timeouts.statement_s,
                lock_s=timeouts.lock_s,
            )
        elif self.dialect == "sqlite":
            kwargs["module"] = sqlite_driver.driver()  # one thread call per statement
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.dialect == "postgresql":
            postgres.configure(self.engine, ping_s=timeouts.connect_s)
        elif self.dialect == "sqlite":
            sqlite.configure(self.engine, lock_s=timeouts.lock_s, statement_s=timeouts.statement_s)
        self._writers = asyncio.Lock() if self.dialect == "sqlite" else None
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )
        # Hot reads need no transaction: on PostgreSQL autocommit spares a BEGIN and a
        # COMMIT, two round trips of a read's four or five. SQLite starts none for a SELECT.
        self._readers = self.engine
        if self.dialect == "postgresql":
            self._readers = self.engine.execution_options(isolation_level="AUTOCOMMIT")

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """Yield a session inside one transaction: committed on success, rolled back on error."""
        async with self._session() as session:
            yield session

    @asynccontextmanager
    async def _session(self, *, bounded: bool = True) -> AsyncIterator[AsyncSession]:
        # Storage's own errors, whatever a subclass makes of them in session().
        with translated():
            async with self._sessions() as session:
                async with session.begin():
                    if not bounded:
                        await self._unbounded(await session.connection())
                    yield session
                for topic in written(session):  # committed: what was read before is stale
                    self.generations.raise_(topic)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Reader]:
        """Yield a connection for Core reads on hot paths; on PostgreSQL, in autocommit.

        No ORM session (its transaction bookkeeping cost more than a small read) and on
        PostgreSQL no BEGIN and COMMIT. Statements needing one snapshot together, and
        every write, go through session().
        """
        with translated():
            async with self._readers.connect() as connection:
                yield connection

    async def transaction(
        self, work: Callable[[AsyncSession], Awaitable[T]], *, bounded: bool = True
    ) -> T:
        """Return what ``work`` returns once its session commits.

        ``bounded=False`` lifts the statement and lock timeouts, for bulk maintenance that
        may run longer than any request should (relinking a whole table after a bulk load).

        When concurrent transactions collide (a deadlock, a serialization failure), the
        database rolls ours back and ``work`` runs again from the start in a new session,
        up to ``ATTEMPTS`` times in all; so it must do nothing but read and write through
        its session. Still colliding after that raises Contention (a StorageUnavailable).
        """
        async with self._writer_turn():
            for attempt in range(1, ATTEMPTS + 1):
                try:
                    async with self._session(bounded=bounded) as session:
                        return await work(session)
                except Contention as exc:
                    if attempt == ATTEMPTS:
                        log.warning("transaction gave up after %d collisions: %s", attempt, exc)
                        raise
                    log.debug("transaction collided (attempt %d), again: %s", attempt, exc)
                    await asyncio.sleep(random.uniform(0, _BACKOFF_S * 2**attempt))
        raise AssertionError("unreachable")

    @asynccontextmanager
    async def _writer_turn(self) -> AsyncIterator[None]:
        """On SQLite, wait in line (at most the lock timeout) behind this process's writers.

        SQLite has one writer at a time, and its busy timeout polls rather than queues:
        many writers of one process would race for the lock and some lose for longer
        than the timeout. In line, only other processes' writers compete for it.
        """
        if self._writers is None:
            yield
            return
        try:
            async with asyncio.timeout(self.timeouts.lock_s):
                await self._writers.acquire()
        except TimeoutError:
            raise StorageUnavailable(
                f"no turn to write within {self.timeouts.lock_s:g} s: too many writers"
            ) from None
        try:
            yield
        finally:
            self._writers.release()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        """Yield a raw connection inside one transaction, with no statement timeout.

        For migrations, which may rewrite whole tables and wait for other processes'.
        """
        with translated():
            async with self.engine.begin() as connection:
                await self._unbounded(connection)
                yield connection

    async def _unbounded(self, connection: AsyncConnection) -> None:
        """Lift the statement (and on PostgreSQL the lock) timeout for this transaction."""
        if self.dialect == "postgresql":
            await connection.execute(text("SET LOCAL statement_timeout = 0"))
            await connection.execute(text("SET LOCAL lock_timeout = 0"))
        else:
            await connection.execution_options(**{sqlite.NO_STATEMENT_TIMEOUT: True})

    async def ping(self) -> None:
        """Raise StorageUnavailable unless the database answers a trivial query."""
        async with self.session() as session:
            await session.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
