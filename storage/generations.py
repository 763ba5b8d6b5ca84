"""Write generations: a number per kind of data that each committed write of it raises.

A process caches what it read (a token's principal, the current statistics document)
together with the generation it read at; a different generation means a write committed
since, so the cached copy is dropped. Made before ``gateway serve`` forks its workers, the
numbers live in shared memory, so a write through one worker reaches every worker's cache.
"""

import mmap
import multiprocessing
import struct
from enum import Enum

from sqlalchemy.ext.asyncio import AsyncSession as Session


class Topic(Enum):
    """Kinds of data whose writes invalidate caches."""

    TOKENS = 0  # a token was revoked
    STATISTICS = 1  # a statistics document was stored


_SLOT = struct.Struct("<Q")
_WRITTEN = "gateway_written_topics"


class Generations:
    """One counter per Topic, in this process's memory or (``shared``) in a forked mapping."""

    def __init__(self, *, shared: bool = False) -> None:
        size = _SLOT.size * len(Topic)
        self._memory: mmap.mmap | bytearray = mmap.mmap(-1, size) if shared else bytearray(size)
        # Two workers raising one counter at once must not both write the same number.
        self._lock = multiprocessing.Lock() if shared else None

    def current(self, topic: Topic) -> int:
        """Return the topic's generation now."""
        return int(_SLOT.unpack_from(self._memory, topic.value * _SLOT.size)[0])

    def raise_(self, topic: Topic) -> None:
        """Start a new generation of ``topic``: every copy read before is stale."""
        if self._lock is None:
            self._raise(topic)
            return
        with self._lock:  # a few microseconds: no need to leave the event loop
            self._raise(topic)

    def _raise(self, topic: Topic) -> None:
        offset = topic.value * _SLOT.size
        _SLOT.pack_into(self._memory, offset, _SLOT.unpack_from(self._memory, offset)[0] + 1)


def note_write(session: Session, topic: Topic) -> None:
    """Record that this session's transaction writes ``topic`` (raised once it commits)."""
    session.info.setdefault(_WRITTEN, set()).add(topic)


def written(session: Session) -> set[Topic]:
    """Return (and forget) the topics this session's transaction wrote."""
    topics: set[Topic] = session.info.pop(_WRITTEN, set())
    return topics
