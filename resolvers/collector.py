"""The statistics collector: pull each upstream on a schedule, keep what verifies.

The HTTP fetch is the process edge: it sits behind ``StatisticsFetcher`` (the gateway
implements it with aiohttp). Everything else here is plain rules: what counts as a valid
answer, what gets recorded, and when to try again.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, NoReturn, Protocol

from resolvers import payloads
from resolvers.checksum import verify_statistics_document
from resolvers.clock import Clock
from resolvers.database import Database
from resolvers.errors import GatewayError, Unavailable
from resolvers.statistics import statistics_row
from resolvers.upstreams import Upstream
from storage import statistics, upstreams

log = logging.getLogger(__name__)

MAX_ERROR_CHARS = 500


class UpstreamFailure(Exception):
    """The upstream did not answer 200 with a body in time; the message says what happened."""


class StatisticsFetcher(Protocol):
    """Fetches an upstream's statistics endpoint."""

    async def fetch(self, upstream: Upstream, *, timeout_s: float) -> str:
        """Return the body of a 200 answer; raise UpstreamFailure for anything else."""
        ...


@dataclass(frozen=True)
class Schedule:
    """How often to pull, how long to wait for an answer, how far to back off."""

    interval_s: float = 300.0
    timeout_s: float = 10.0
    backoff_max_s: float = 3600.0

    def delay(self, failures: int) -> float:
        """Return the wait before the next pull after ``failures`` failed pulls in a row.

        Healthy: the interval. After a failure the next pull comes one interval later
        (a blip costs one period), and each further failure doubles the wait, up to
        ``backoff_max_s`` (never below the interval): a dead upstream is not hammered.
        """
        if failures <= 0:
            return self.interval_s
        wait = self.interval_s * 2.0 ** min(failures - 1, 60)
        return max(self.interval_s, min(wait, self.backoff_max_s))


@dataclass(frozen=True)
class Outcome:
    """The result of one pull."""

    upstream: str
    instance_id: str | None
    error: str | None
    failures: int

    @property
    def ok(self) -> bool:
        return self.error is None


def parse_answer(text: str) -> dict[str, Any]:
    """Return the statistics document in an upstream's answer; raise UpstreamFailure if none."""
    try:
        document = payloads.loads(text)
    except ValueError as exc:
        raise UpstreamFailure(f"answer is not JSON: {exc}") from None
    try:
        return verify_statistics_document(document)
    except GatewayError as exc:
        raise UpstreamFailure(f"answer is not a valid statistics document: {exc}") from None


async def _record_failure(db: Database, upstream: Upstream, at: Any, error: str) -> int:
    async with db.session() as session:
        return await upstreams.note_failure(
            session, name=upstream.name, url=upstream.url, at=at, error=error
        )


async def collect_once(
    db: Database, fetcher: StatisticsFetcher, upstream: Upstream, *, clock: Clock, timeout_s: float
) -> Outcome:
    """Pull one upstream once: store a valid document, record success or the error.

    Never raises (except on cancellation): a failure is recorded and returned.
    """
    try:
        document = parse_answer(await fetcher.fetch(upstream, timeout_s=timeout_s))
        now = clock()
        async with db.session() as session:
            row = statistics_row(document, now=now, source=f"collector:{upstream.name}")
            await statistics.save_statistics(session, rows=[row])
            await upstreams.note_success(session, name=upstream.name, url=upstream.url, at=now)
        return Outcome(upstream.name, row.instance_id, None, 0)
    except asyncio.CancelledError:
        raise
    except UpstreamFailure as exc:
        error = str(exc)
    except Unavailable as exc:
        error = f"database unavailable: {exc.detail or exc.text}"
    except Exception as exc:  # never let one bad pull stop the collector
        log.exception("statistics upstream %s: unexpected error", upstream.name)
        error = f"unexpected error: {type(exc).__name__}: {exc}"
    error = error[:MAX_ERROR_CHARS]
    try:
        failures = await _record_failure(db, upstream, clock(), error)
    except Exception as exc:
        log.warning("statistics upstream %s: could not record the failure: %s", upstream.name, exc)
        failures = -1
    return Outcome(upstream.name, None, error, failures)


Sleep = Callable[[float], Awaitable[None]]


async def poll(
    db: Database,
    fetcher: StatisticsFetcher,
    upstream: Upstream,
    *,
    clock: Clock,
    schedule: Schedule,
    sleep: Sleep = asyncio.sleep,
    on_outcome: Callable[[Outcome], None] = lambda outcome: None,
) -> NoReturn:
    """Pull one upstream for ever, backing off while it fails; cancel the task to stop.

    ``on_outcome`` hears of every pull (the gateway counts them).
    """
    failures = 0
    while True:
        outcome = await collect_once(
            db, fetcher, upstream, clock=clock, timeout_s=schedule.timeout_s
        )
        on_outcome(outcome)
        if outcome.ok:
            if failures:
                log.info("statistics upstream %s recovered", upstream.name)
            failures = 0
        else:
            # The stored count survives restarts; fall back to ours if the database is down.
            failures = outcome.failures if outcome.failures > 0 else failures + 1
            log.warning(
                "statistics upstream %s failed (%d in a row, next try in %.0f s): %s",
                upstream.name,
                failures,
                schedule.delay(failures),
                outcome.error,
            )
        await sleep(schedule.delay(failures))
