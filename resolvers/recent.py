"""What this process read lately and may serve again without asking the database.

An entry is served for ``lifetime`` after it was read, and not at all once a write of
its topic committed since through this process or a worker forked with it (the write
raises the topic's generation). Another process's write (a CLI revoking a token, a second
gateway on the same PostgreSQL) shows once the entry's lifetime is over.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from storage.generations import Generations, Topic

K = TypeVar("K")
V = TypeVar("V")
SIZE = 4096


@dataclass(frozen=True, slots=True)
class _Entry(Generic[V]):
    value: V
    read_at: datetime
    generation: int


class Recent(Generic[K, V]):
    """A bounded map of values read at a generation of ``topic``, trusted for ``lifetime``."""

    def __init__(
        self, generations: Generations, topic: Topic, lifetime: timedelta, *, size: int = SIZE
    ) -> None:
        self.generations = generations
        self.topic = topic
        self.lifetime = lifetime
        self.size = size
        self._entries: dict[K, _Entry[V]] = {}

    def generation(self) -> int:
        """Return the generation to read at: take it before reading, then ``keep`` the value."""
        return self.generations.current(self.topic)

    def get(self, key: K, *, now: datetime) -> V | None:
        """Return the value kept for ``key`` while it is still trusted, else None."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        # A clock set back counts as expired too: never trust an entry from the future.
        fresh = entry.read_at <= now < entry.read_at + self.lifetime
        if fresh and entry.generation == self.generation():
            return entry.value
        del self._entries[key]
        return None

    def keep(self, key: K, value: V, *, now: datetime, generation: int) -> None:
        """Remember ``value``, read at ``now`` from a database at ``generation``."""
        if self.lifetime <= timedelta(0):
            return
        if len(self._entries) >= self.size and key not in self._entries:
            del self._entries[next(iter(self._entries))]  # the oldest kept
        self._entries[key] = _Entry(value, now, generation)
