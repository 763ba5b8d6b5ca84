"""The connection pool seen from outside: how many connections, and driver errors as they happen."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event

from storage.engine import Database


@dataclass(frozen=True, slots=True)
class PoolStatus:
    """Connections open in the pool, and how many of them are checked out now."""

    open: int
    in_use: int


def pool_status(db: Database) -> PoolStatus:
    """Return the pool's current use (SQLite's pool, like PostgreSQL's, counts connections)."""
    pool: Any = db.engine.pool
    in_use = pool.checkedout() if hasattr(pool, "checkedout") else 0
    idle = pool.checkedin() if hasattr(pool, "checkedin") else 0
    return PoolStatus(open=in_use + idle, in_use=in_use)


def on_error(db: Database, callback: Callable[[str], None]) -> None:
    """Call ``callback`` with the exception class name of every driver error."""

    def handle(context: Any) -> None:
        callback(type(context.original_exception).__name__)

    event.listen(db.engine.sync_engine, "handle_error", handle)
