"""PostgreSQL connections (asyncpg): server-side timeouts, and a bounded ping on checkout.

The server cancels any statement past ``statement_timeout`` and any lock wait past
``lock_timeout`` itself, so a query keeps no backend busy after its request gave up. The
client also gives up, a little later, in case the server stopped answering altogether.
"""

from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import await_

_FRESH = "gateway_fresh"


def connect_args(*, connect_s: float, statement_s: float, lock_s: float) -> dict[str, Any]:
    """Return asyncpg's connect arguments for these timeouts (seconds)."""
    return {
        "timeout": connect_s,
        # asyncpg's own bound on every command, cancel requests included: past it the
        # server is not answering at all, since it would have cancelled the statement.
        "command_timeout": statement_s + connect_s,
        "server_settings": {
            "statement_timeout": str(int(statement_s * 1000)),
            "lock_timeout": str(int(lock_s * 1000)),
        },
    }


def configure(engine: AsyncEngine, *, ping_s: float) -> None:
    """Ping every pooled connection before use; one silent for ``ping_s`` s is replaced."""

    def on_connect(_dbapi_connection: Any, record: Any) -> None:
        record.info[_FRESH] = True

    def on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if record.info.pop(_FRESH, False):
            return  # just opened: it answered moments ago
        driver = dbapi_connection.driver_connection
        try:
            await_(driver.fetchval("SELECT 1", timeout=ping_s))
        except Exception as error:  # silent, refused, reset, or the server's own error
            # Close at once rather than politely: a stalled peer would not answer a goodbye.
            driver.terminate()
            # The pool then discards it and opens a new one (within the connect timeout).
            # Silence means the server or the network stalled, not just this connection:
            # the other pooled ones are discarded too rather than each waiting out a ping.
            stalled = isinstance(error, TimeoutError)
            failure = exc.InvalidatePoolError if stalled else exc.DisconnectionError
            raise failure(f"pooled connection did not answer: {error!r}") from error

    event.listen(engine.sync_engine, "connect", on_connect)
    event.listen(engine.sync_engine, "checkout", on_checkout)
