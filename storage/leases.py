"""Lease rows: one holder per named duty, taken over once the holder stops renewing."""

from sqlalchemy import delete, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.engine import Session
from storage.tables import Lease


async def claim(session: Session, *, name: str, holder: str, now_ms: int, until_ms: int) -> bool:
    """Take or renew the lease ``name`` for ``holder`` unless another holds it unexpired."""
    renewed = await session.execute(
        update(Lease)
        .where(
            Lease.name == name,  # type: ignore[arg-type]
            or_(Lease.holder == holder, Lease.expires_ms < now_ms),  # type: ignore[arg-type]
        )
        .values(holder=holder, expires_ms=until_ms)
    )
    if renewed.rowcount:  # type: ignore[attr-defined]
        return True
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    created = await session.execute(
        insert(Lease)
        .values(name=name, holder=holder, expires_ms=until_ms)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    return bool(created.rowcount)  # type: ignore[attr-defined]


async def release(session: Session, *, name: str, holder: str) -> None:
    """Give the lease up at once (if ``holder`` still holds it)."""
    await session.execute(
        delete(Lease).where(Lease.name == name, Lease.holder == holder)  # type: ignore[arg-type]
    )
