"""Rate-limit counts in shared memory, for the workers one ``gateway serve`` forks.

An anonymous shared mapping made before the fork is the same memory in every worker,
so the workers share one count per token without Redis or a database write per request.
It is a small open-addressing table of (key digest, expiry, count) slots under one lock.
"""

import hashlib
import mmap
import multiprocessing
import struct
import time

SLOTS = 4096
PROBES = 16
_SLOT = struct.Struct("<QqQ")  # key digest (0: empty), expiry (Unix s), count


class SharedMemoryCounter:
    """Counts shared by every process forked after it was made (not across machines)."""

    def __init__(self, slots: int = SLOTS) -> None:
        self.slots = slots
        self._memory = mmap.mmap(-1, slots * _SLOT.size)
        self._lock = multiprocessing.Lock()

    async def increment(self, key: str, *, ttl_s: int) -> int:
        digest = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest()) or 1
        now = int(time.time())
        with self._lock:  # held for a few microseconds: no need to leave the event loop
            return self._increment(digest, now, ttl_s)

    def _increment(self, digest: int, now: int, ttl_s: int) -> int:
        reusable = None
        oldest, oldest_expiry = 0, None
        for probe in range(PROBES):
            offset = ((digest + probe) % self.slots) * _SLOT.size
            found, expires, count = _SLOT.unpack_from(self._memory, offset)
            if found == digest and expires >= now:
                _SLOT.pack_into(self._memory, offset, digest, expires, count + 1)
                return int(count + 1)
            if reusable is None and (found == 0 or expires < now):
                reusable = offset
            if oldest_expiry is None or expires < oldest_expiry:
                oldest, oldest_expiry = offset, expires
        # A full neighbourhood evicts the entry closest to expiry.
        offset = reusable if reusable is not None else oldest
        _SLOT.pack_into(self._memory, offset, digest, now + ttl_s, 1)
        return 1
