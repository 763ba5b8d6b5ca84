"""Once-per-deployment duties: a lease row in the shared database says who performs them.

Works the same on SQLite (workers of one machine) and PostgreSQL (machines sharing it).
A holder renews well before its lease ends; one that dies or hangs stops renewing, and
the next process to ask after ``ttl_s`` takes over. Clocks of the processes must agree
to well within ``ttl_s``.
"""

import os
import secrets
import socket
from datetime import datetime

from resolvers.database import Database
from storage import leases


def holder_name() -> str:
    """Return a name for this process that no other process (here or elsewhere) has."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


async def hold(db: Database, *, name: str, holder: str, now: datetime, ttl_s: float) -> bool:
    """Take or renew the lease ``name``; return whether ``holder`` holds it now."""
    now_ms = int(now.timestamp() * 1000)
    async with db.session() as session:
        return await leases.claim(
            session, name=name, holder=holder, now_ms=now_ms, until_ms=now_ms + int(ttl_s * 1000)
        )


async def let_go(db: Database, *, name: str, holder: str) -> None:
    """Release the lease so another process may take it without waiting."""
    async with db.session() as session:
        await leases.release(session, name=name, holder=holder)
