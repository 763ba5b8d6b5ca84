"""Work done once per deployment (the statistics collector, pruning), under a lease.

Every worker of every ``gateway serve`` sharing the database runs the lease loop; the
one holding the lease runs the duties, the others wait to take over. A holder that
stops cleanly lets the lease go at once; one that dies loses it after the lease TTL.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from aiohttp import web

from gateway.keys import CLOCK, DATABASE, SETTINGS
from gateway.metrics import METRICS
from gateway.settings import Settings
from resolvers import leases, maintenance, mau
from resolvers.errors import GatewayError, Unavailable
from resolvers.maintenance import Retention

log = logging.getLogger(__name__)

LEASE = "duties"
PRUNE_EVERY_S = 600.0
LINK_EVERY_S = 5.0
LINK_BATCH = 500  # contexts per transaction: ingestion may wait for one
Duty = Callable[[web.Application], Coroutine[Any, Any, None]]
DUTIES: web.AppKey[dict[str, Duty]] = web.AppKey("duties")


def add_duty(app: web.Application, name: str, duty: Duty) -> None:
    """Run ``duty`` (a coroutine that loops until cancelled) in one process of the deployment."""
    app[DUTIES][name] = duty


def retention_of(settings: Settings) -> Retention:
    """Return the retention the settings ask for (0 days: keep for ever)."""
    return Retention(
        minute_hours=settings.minute_retention_hours,
        quarter_days=settings.quarter_retention_days or None,
        mau_days=settings.mau_retention_days or None,
        statistics_days=settings.statistics_retention_days or None,
    )


async def prune_forever(app: web.Application) -> None:
    """Remove rows past their retention every ten minutes, logging what went."""
    retention = retention_of(app[SETTINGS])
    while True:
        try:
            report = await maintenance.prune(app[DATABASE], now=app[CLOCK](), retention=retention)
            if report.total:
                log.info("pruned %s", report)
        except Unavailable as exc:
            log.warning("pruning skipped, database unavailable: %s", exc.detail)
        await asyncio.sleep(PRUNE_EVERY_S)


async def link_forever(app: web.Application) -> None:
    """Keep the MAU sums up to date with new sightings (MAU is exact either way, this
    keeps it fast): batches back to back while there is a backlog, then every few seconds."""
    while True:
        try:
            linked = await mau.link_contexts(app[DATABASE], limit=LINK_BATCH)
        except Unavailable as exc:
            log.warning("MAU linking skipped, database unavailable: %s", exc.detail)
            linked = 0
        await asyncio.sleep(0 if linked == LINK_BATCH else LINK_EVERY_S)


class _Holder:
    """The lease loop of one process, and the duty tasks it runs while it holds the lease."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.name = leases.holder_name()
        self.tasks: list[asyncio.Task[None]] = []

    async def renew_forever(self) -> None:
        ttl = self.app[SETTINGS].lease_ttl_s
        while True:
            try:
                held = await leases.hold(
                    self.app[DATABASE],
                    name=LEASE,
                    holder=self.name,
                    now=self.app[CLOCK](),
                    ttl_s=ttl,
                )
            except GatewayError as exc:
                log.warning("cannot renew the duties lease: %s", exc)
                held = False
            if held and not self.tasks:
                self.start()
            elif not held and self.tasks:
                log.warning("duties lease lost; stopping %s", ", ".join(self.duty_names()))
                await self.stop()
            await asyncio.sleep(ttl / 3)

    def duty_names(self) -> list[str]:
        duties: dict[str, Duty] = self.app[DUTIES]
        return list(duties)

    def start(self) -> None:
        log.info("this process now runs: %s", ", ".join(self.duty_names()))
        self.app[METRICS].duties.set(1)
        self.tasks = [
            asyncio.create_task(duty(self.app), name=name)
            for name, duty in self.app[DUTIES].items()
        ]
        for task in self.tasks:
            task.add_done_callback(_report_end)

    async def stop(self) -> None:
        self.app[METRICS].duties.set(0)
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.tasks = []

    async def let_go(self) -> None:
        with contextlib.suppress(Unavailable):
            await leases.let_go(self.app[DATABASE], name=LEASE, holder=self.name)


def _report_end(task: "asyncio.Task[None]") -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("duty %s stopped", task.get_name(), exc_info=task.exception())


async def _duties(app: web.Application) -> AsyncIterator[None]:
    holder = _Holder(app)
    loop = asyncio.create_task(holder.renew_forever(), name="duties-lease")
    yield
    loop.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await loop
    if holder.tasks:
        await holder.stop()
        await holder.let_go()


def add_duties(app: web.Application) -> None:
    """Set up the once-per-deployment duties; pruning and MAU linking are always two of them."""
    always: dict[str, Duty] = {"pruning": prune_forever, "MAU linking": link_forever}
    app[DUTIES] = always
    app.cleanup_ctx.append(_duties)
