"""The database handle: one async engine, transactional sessions, health checks."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage.errors import Conflict, DatabaseMissing, StorageUnavailable

Session = AsyncSession

_DRIVERS = {
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
}
_CONNECT_TIMEOUT_S = 5


def normalize_url(url: str) -> str:
    """Return a SQLAlchemy async URL for a URL or a bare SQLite file path."""
    if "://" not in url:
        return f"sqlite+aiosqlite:///{url}"
    scheme, rest = url.split("://", 1)
    return f"{_DRIVERS.get(scheme, scheme)}://{rest}"


def redact_url(url: str) -> str:
    """Return the URL with any password masked, for logs and errors."""
    return make_url(normalize_url(url)).render_as_string(hide_password=True)


# SQLSTATEs that mean "the server cannot serve us now": connection exceptions (08),
# insufficient resources (53, e.g. too many connections), operator intervention (57P:
# shutdown, cannot connect now), and 55000 as asyncpg reports a database closed to
# connections (ALLOW_CONNECTIONS false). asyncpg surfaces these as a plain DBAPIError.
_UNAVAILABLE_SQLSTATES = ("08", "53", "57P", "55000")
_NO_SUCH_DATABASE = "3D000"


def _is_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, OperationalError | InterfaceError | OSError | asyncio.TimeoutError):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    sqlstate = getattr(exc.orig, "sqlstate", None) or ""
    return exc.connection_invalidated or sqlstate.startswith(_UNAVAILABLE_SQLSTATES)


class Database:
    """An engine plus a session factory; every session is one transaction."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = normalize_url(url)
        self.dialect = make_url(self.url).get_backend_name()
        kwargs: dict[str, Any] = {"echo": echo, "pool_pre_ping": True}
        if self.dialect == "postgresql":
            kwargs["connect_args"] = {"timeout": _CONNECT_TIMEOUT_S}
            kwargs["pool_size"] = 10
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """Yield a session inside one transaction: committed on success, rolled back on error."""
        with _translated():
            async with self._sessions() as session, session.begin():
                yield session

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        """Yield a raw connection inside one transaction (for migrations)."""
        with _translated():
            async with self.engine.begin() as connection:
                yield connection

    async def ping(self) -> None:
        """Raise StorageUnavailable unless the database answers a trivial query."""
        async with self.session() as session:
            await session.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


@contextmanager
def _translated() -> Iterator[None]:
    """Turn driver failures into storage errors callers can act on."""
    try:
        yield
    except IntegrityError as exc:
        raise Conflict(str(exc.orig)) from exc
    except Exception as exc:
        if getattr(getattr(exc, "orig", None), "sqlstate", None) == _NO_SUCH_DATABASE:
            raise DatabaseMissing(str(exc.orig)) from exc  # type: ignore[attr-defined]
        if _is_unavailable(exc):
            raise StorageUnavailable(str(exc).splitlines()[0]) from exc
        raise


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers proceed while one writer commits; busy_timeout makes concurrent
    # writers (several gateway workers on one file) wait instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
