"""Storage-level failures. Storage never decides policy; it only says what happened."""


class StorageUnavailable(Exception):
    """The database could not be reached or stopped answering."""


class Conflict(Exception):
    """A write collided with a unique key (e.g. a concurrent duplicate)."""


class DatabaseMissing(Exception):
    """The server answers but has no database by the configured name."""
