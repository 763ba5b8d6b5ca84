"""SQLite connections: WAL, a bounded wait for the write lock, and statements that stop.

aiosqlite runs each statement in a thread of its own connection, which carries on when
the request that started it is cancelled or has waited too long. A watch interrupts it
then (``sqlite3_interrupt`` may be called from any thread).
"""

import asyncio
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

# Execution option that turns the statement timeout off (migrations may run long).
NO_STATEMENT_TIMEOUT = "gateway_no_statement_timeout"
# How soon a statement notices that its request was cancelled.
WATCH_EVERY_S = 0.25
_WATCH = "gateway_statement_watch"


class _Watch:
    """Interrupts one running statement once its task is cancelled or its time is up."""

    def __init__(self, driver: Any, deadline: float) -> None:
        self.driver = driver  # aiosqlite's Connection
        self.deadline = deadline
        self.loop = asyncio.get_running_loop()
        self.task = asyncio.current_task()
        self.interrupting: asyncio.Task[None] | None = None
        self.handle = self.loop.call_later(min(WATCH_EVERY_S, deadline - self.loop.time()), self)

    def __call__(self) -> None:
        now = self.loop.time()
        if self._abandoned() or now >= self.deadline:
            self._interrupt()
            return
        self.handle = self.loop.call_later(min(WATCH_EVERY_S, self.deadline - now), self)

    def stop(self) -> None:
        """The statement ended (or failed): stop watching, and interrupt it if abandoned."""
        self.handle.cancel()
        if self._abandoned():
            # A cancelled request ends here, before the driver waits for its statement.
            self._interrupt()

    def _abandoned(self) -> bool:
        return self.task is None or self.task.done() or self.task.cancelling() > 0

    def _interrupt(self) -> None:
        # aiosqlite's interrupt() calls sqlite3_interrupt at once, from this thread.
        self.interrupting = self.loop.create_task(self.driver.interrupt())


def configure(engine: AsyncEngine, *, lock_s: float, statement_s: float) -> None:
    """Set each new connection up and bound every statement by ``statement_s`` seconds."""

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # WAL lets readers proceed while one writer commits; busy_timeout makes concurrent
        # writers (several gateway processes on one file) wait for the lock, but only so
        # long: a lock held for longer means the database is not answering (503).
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(lock_s * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    def watch(conn: Connection, *_args: Any) -> None:
        if conn.get_execution_options().get(NO_STATEMENT_TIMEOUT):
            return
        deadline = asyncio.get_running_loop().time() + statement_s
        conn.info[_WATCH] = _Watch(conn.connection.driver_connection, deadline)

    def unwatch(conn: Connection, *_args: Any) -> None:
        running = conn.info.pop(_WATCH, None)
        if running is not None:
            running.stop()

    sync_engine = engine.sync_engine
    event.listen(sync_engine, "connect", on_connect)
    event.listen(sync_engine, "before_cursor_execute", watch)
    event.listen(sync_engine, "after_cursor_execute", unwatch)
    event.listen(sync_engine, "handle_error", lambda context: unwatch(context.connection))
