"""Which driver failures mean "the database is not answering" and which "try again"."""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc as sa

from storage.errors import Conflict, Contention, DatabaseMissing, StorageUnavailable

# SQLSTATEs that mean "the server cannot serve us now": connection exceptions (08),
# insufficient resources (53, e.g. too many connections), operator intervention (57P:
# shutdown, cannot connect now; 57014: cancelled by statement_timeout), 55P03 (gave up
# waiting for a lock: lock_timeout) and 55000 as asyncpg reports a database closed to
# connections (ALLOW_CONNECTIONS false). asyncpg surfaces these as a plain DBAPIError.
_UNAVAILABLE_SQLSTATES = ("08", "53", "57P", "57014", "55P03", "55000")
_NO_SUCH_DATABASE = "3D000"
# Deadlock detected, serialization failure: the server rolled the transaction back.
_CONTENTION_SQLSTATES = ("40P01", "40001")
# A WAL read snapshot went stale before the transaction could write: SQLite answers
# at once (its busy timeout does not apply), and a fresh transaction succeeds.
_SQLITE_CONTENTION = ("SQLITE_BUSY_SNAPSHOT",)


def _sqlstate(exc: BaseException) -> str:
    if not isinstance(exc, sa.DBAPIError):
        return ""
    return getattr(exc.orig, "sqlstate", None) or ""


def is_contention(exc: BaseException) -> bool:
    """Return whether re-running the whole transaction is the cure."""
    if _sqlstate(exc).startswith(_CONTENTION_SQLSTATES):
        return True
    orig = exc.orig if isinstance(exc, sa.DBAPIError) else None
    return isinstance(orig, sqlite3.Error) and orig.sqlite_errorname in _SQLITE_CONTENTION


def is_unavailable(exc: BaseException) -> bool:
    """Return whether a failure means the database cannot answer now (a 503, not a bug)."""
    if isinstance(
        exc,
        sa.OperationalError
        | sa.InterfaceError
        | sa.TimeoutError  # the pool's "QueuePool limit ... timeout"
        | sa.DisconnectionError
        | OSError,  # TimeoutError (asyncio's too) and refused or reset connections
    ):
        return True
    if not isinstance(exc, sa.DBAPIError):
        return False
    return exc.connection_invalidated or _sqlstate(exc).startswith(_UNAVAILABLE_SQLSTATES)


def first_line(exc: BaseException) -> str:
    """Return the first line of an error's text, or its class name when it has none."""
    return next(iter(str(exc).splitlines()), "") or type(exc).__name__


@contextmanager
def translated() -> Iterator[None]:
    """Turn driver failures into storage errors callers can act on."""
    try:
        yield
    except sa.IntegrityError as exc:
        raise Conflict(first_line(exc.orig or exc)) from exc
    except Exception as exc:
        if isinstance(exc, sa.DBAPIError) and _sqlstate(exc) == _NO_SUCH_DATABASE:
            raise DatabaseMissing(first_line(exc.orig or exc)) from exc
        if is_contention(exc):
            raise Contention(first_line(exc)) from exc
        if is_unavailable(exc):
            raise StorageUnavailable(first_line(exc)) from exc
        raise
