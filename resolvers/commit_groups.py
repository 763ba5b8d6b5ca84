"""Group commit: concurrent writes share one transaction, each answered once it is durable.

While one group's transaction runs, new submissions wait in line; when it ends, everything
waiting becomes the next group (up to a size bound). A database handles one commit of many
requests' rows far faster than as many commits of a few rows each, and rows several
requests touch (the same buckets) are written once.

Outcomes are never shared loosely: a group that commits answers each of its submissions
with its own result; a group whose database does not answer (Unavailable) fails every one
of its submissions, having stored nothing; a group that fails for any other reason (a row
of one submission the database refuses, a unique key another process took meanwhile)
re-runs each submission alone, so one bad submission fails only itself.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from resolvers.database import Database, Session
from resolvers.errors import Unavailable

log = logging.getLogger(__name__)

I = TypeVar("I")  # noqa: E741  (an item submitted)
R = TypeVar("R")  # its result

# One group holds at most this many submissions or this much ``weight`` (rows), so a
# burst does not build one transaction too long to commit before its clients give up.
MAX_ITEMS = 256
MAX_WEIGHT = 200_000


@dataclass(slots=True)
class _Waiting(Generic[I, R]):
    item: I
    weight: int
    answer: "asyncio.Future[R]"


class CommitGroups(Generic[I, R]):
    """Runs ``write(session, items)`` for groups of concurrently submitted items.

    ``write`` returns one result per item, in order, and must do nothing but read and
    write through its session: a collision re-runs it whole (``Database.transaction``).
    """

    def __init__(
        self,
        db: Database,
        write: Callable[[Session, Sequence[I]], Awaitable[list[R]]],
        *,
        max_items: int = MAX_ITEMS,
        max_weight: int = MAX_WEIGHT,
    ) -> None:
        self._db = db
        self._write = write
        self._max_items = max_items
        self._max_weight = max_weight
        self._waiting: list[_Waiting[I, R]] = []
        self._runner: asyncio.Task[None] | None = None
        self.groups = 0  # committed or failed, for tests and logs
        self.largest = 0

    @property
    def queued(self) -> int:
        """How many submissions wait for the next group."""
        return len(self._waiting)

    async def submit(self, item: I, *, weight: int = 1) -> R:
        """Return ``item``'s result once the transaction holding it committed.

        Raises what made its group fail (Unavailable), or, for a submission re-run alone,
        its own error. A caller cancelled while waiting has its item dropped if its group
        has not started yet; once started, the group commits it all the same.
        """
        answer: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(item, weight, answer))
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run(), name="commit-groups")
        return await answer

    async def _run(self) -> None:
        while self._waiting:
            group = self._next_group()
            if group:
                await self._commit(group)

    def _next_group(self) -> list[_Waiting[I, R]]:
        taken, weight = 0, 0
        for waiting in self._waiting:
            if taken and (taken == self._max_items or weight + waiting.weight > self._max_weight):
                break
            taken += 1
            weight += waiting.weight
        group, self._waiting = self._waiting[:taken], self._waiting[taken:]
        return [w for w in group if not w.answer.done()]  # a caller already gone

    async def _commit(self, group: list[_Waiting[I, R]]) -> None:
        self.groups += 1
        self.largest = max(self.largest, len(group))
        try:
            results = await self._transaction(group)
        except Unavailable as error:
            # Nothing of the group is stored; every member hears it, as from its own write.
            for waiting in group:
                _fail(waiting, Unavailable(error.message, detail=error.detail))
            return
        except asyncio.CancelledError:
            for waiting in group:
                _fail(waiting, Unavailable(None, detail="stopped while committing"))
            raise
        except Exception as error:
            if len(group) == 1:
                _fail(group[0], error)
                return
            log.info("a group of %d failed (%s): each is written alone", len(group), error)
            for waiting in group:
                await self._alone(waiting)
            return
        for waiting, result in zip(group, results, strict=True):
            if not waiting.answer.done():
                waiting.answer.set_result(result)

    async def _alone(self, waiting: _Waiting[I, R]) -> None:
        try:
            (result,) = await self._transaction([waiting])
        except asyncio.CancelledError:
            _fail(waiting, Unavailable(None, detail="stopped while committing"))
            raise
        except Exception as error:
            _fail(waiting, error)
            return
        if not waiting.answer.done():
            waiting.answer.set_result(result)

    async def _transaction(self, group: list[_Waiting[I, R]]) -> list[R]:
        items = [w.item for w in group]
        return await self._db.transaction(lambda session: self._write(session, items))


def _fail(waiting: _Waiting[I, R], error: BaseException) -> None:
    if not waiting.answer.done():
        waiting.answer.set_exception(error)
