"""Storage-level failures. Storage never decides policy; it only says what happened."""


class StorageUnavailable(Exception):
    """The database could not be reached or stopped answering."""


class Contention(StorageUnavailable):
    """Concurrent transactions collided (deadlock, serialization failure, stale snapshot).

    Re-running the whole transaction usually succeeds (``Database.transaction`` does);
    when it is not re-run, or keeps colliding, it is one more way of not answering now.
    """


class Conflict(Exception):
    """A write collided with a unique key (e.g. a concurrent duplicate)."""


class DatabaseMissing(Exception):
    """The server answers but has no database by the configured name."""
