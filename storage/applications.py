"""SDK instances that announced themselves (Unleash registration, LaunchDarkly diagnostics)."""

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select

from storage.engine import Session
from storage.tables import ClientApplication
from storage.upsert import Merge, upsert


@dataclass(frozen=True, slots=True)
class ApplicationSeen:
    app_name: str
    instance_id: str
    environment: str
    sdk: str
    sdk_version: str
    interval_ms: int | None
    first_seen: datetime
    last_seen: datetime


_KEYS = ("app_name", "instance_id", "environment")


async def note_application(session: Session, *, row: ApplicationSeen) -> None:
    """Insert an instance, or refresh its SDK, interval and last_seen."""
    merge = {
        "sdk": Merge.FILL,
        "sdk_version": Merge.FILL,
        "interval_ms": Merge.FILL,
        "first_seen": Merge.EARLIEST,
        "last_seen": Merge.LATEST,
    }
    await upsert(session, ClientApplication, [asdict(row)], keys=_KEYS, merge=merge)


async def count_live_instances(
    session: Session, *, sdk: str, sdk_version: str, since: datetime
) -> int:
    """Return how many instances of an SDK version were seen at or after ``since``."""
    result = await session.execute(
        select(func.count())
        .select_from(ClientApplication)
        .where(
            col(ClientApplication.sdk) == sdk,
            col(ClientApplication.sdk_version) == sdk_version,
            col(ClientApplication.last_seen) >= since,
        )
    )
    return int(result.scalar_one())


async def application_sdk(
    session: Session, *, app_name: str, instance_id: str, environment: str
) -> tuple[str, str] | None:
    """Return the SDK name and version an instance registered with, if it did."""
    result = await session.execute(
        select(col(ClientApplication.sdk), col(ClientApplication.sdk_version)).where(
            col(ClientApplication.app_name) == app_name,
            col(ClientApplication.instance_id) == instance_id,
            col(ClientApplication.environment) == environment,
        )
    )
    row = result.first()
    return None if row is None else (row[0], row[1])


async def list_applications(
    session: Session,
    *,
    since: datetime,
    environment: str | None = None,
    sdk: str | None = None,
) -> list[ApplicationSeen]:
    """Return instances last seen at or after ``since`` (of one environment / SDK if given).

    Ordered by environment, app name and instance id.
    """
    a = ClientApplication
    query = select(a).where(col(a.last_seen) >= since)
    if environment is not None:
        query = query.where(col(a.environment) == environment)
    if sdk is not None:
        query = query.where(col(a.sdk) == sdk)
    query = query.order_by(col(a.environment), col(a.app_name), col(a.instance_id))
    rows = (await session.execute(query)).scalars().all()
    return [
        ApplicationSeen(
            app_name=r.app_name,
            instance_id=r.instance_id,
            environment=r.environment,
            sdk=r.sdk,
            sdk_version=r.sdk_version,
            interval_ms=r.interval_ms,
            first_seen=r.first_seen,
            last_seen=r.last_seen,
        )
        for r in rows
    ]
