"""aiosqlite with one call into the connection's thread per statement.

SQLAlchemy's aiosqlite adapter calls into the thread four times for each statement (open
a cursor, execute, fetch every row, close): each call is a queue hand-off and a wake-up of
the event loop, and under load the four cost several times the statement itself (issue 10:
one read transaction took 0.84 ms through aiosqlite, 0.096 ms through sqlite3). This cursor
does the four in one call and keeps what SQLAlchemy reads afterwards.
"""

import collections
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)


class _Finished:
    """A statement's cursor after it ran: the attributes read once its rows are fetched."""

    __slots__ = ("arraysize", "description", "lastrowid", "rowcount")

    def __init__(
        self, description: Any = None, rowcount: int = -1, lastrowid: int | None = None
    ) -> None:
        self.description = description
        self.rowcount = rowcount
        self.lastrowid = lastrowid
        self.arraysize = 1

    def close(self) -> None:
        """Nothing is left open: the real cursor closed in the thread."""


def _run(
    connection: aiosqlite.Connection, operation: Any, parameters: Any, many: bool
) -> tuple[_Finished, list[Any] | None]:
    """Run one statement on the connection's thread; return its cursor state and rows."""
    cursor: sqlite3.Cursor = connection._conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        rows = cursor.fetchall() if cursor.description else None
        return _Finished(cursor.description, cursor.rowcount, cursor.lastrowid), rows
    finally:
        cursor.close()


class OneCallCursor(AsyncAdapt_aiosqlite_cursor):
    """A cursor whose execute, fetch and close are one call into the connection's thread."""

    __slots__ = ()
    _awaitable_cursor_close = False  # closing is done in the thread already

    def _make_new_cursor(self, connection: Any) -> Any:
        return _Finished()

    def _aenter_cursor(self, cursor: Any) -> Any:
        return cursor

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        await self._run(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> None:
        await self._run(operation, seq_of_parameters, many=True)

    async def _run(self, operation: Any, parameters: Any, *, many: bool) -> None:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        async with self._adapt_connection._execute_mutex:
            finished, rows = await connection._execute(  # type: ignore[no-untyped-call]
                _run, connection, operation, parameters, many
            )
        self._cursor = finished
        if rows is not None:
            self._rows = collections.deque(rows)


class OneCallConnection(AsyncAdapt_aiosqlite_connection):
    """Hands out one-call cursors; ends only transactions that are open.

    A read opens none (SQLite's driver begins one before a write), so its commit and the
    pool's rollback on return would be two more calls into the thread, for nothing.
    """

    __slots__ = ()
    _cursor_cls = OneCallCursor

    def commit(self) -> None:
        if self._open():
            super().commit()

    def rollback(self) -> None:
        if self._open():
            super().rollback()

    def _open(self) -> bool:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        return connection._connection is not None and connection.in_transaction


class OneCallDriver(AsyncAdapt_aiosqlite_dbapi):
    """The aiosqlite DBAPI adapter, handing out connections with one-call cursors."""

    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        adapted = super().connect(*arg, **kw)
        return OneCallConnection(self, adapted._connection)


def driver() -> OneCallDriver:
    """Return the DBAPI module to give create_async_engine as ``module``."""
    return OneCallDriver(aiosqlite, sqlite3)
