"""Explicit time: resolvers take ``now`` from a Clock so tests can pin it."""

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Return the current time, aware, in UTC."""
    return datetime.now(UTC)


def epoch_s(moment: datetime) -> int:
    """Return whole Unix seconds of an aware datetime (floored)."""
    return int(moment.timestamp() // 1)


def epoch_ms(moment: datetime) -> int:
    """Return whole Unix milliseconds of an aware datetime (floored)."""
    return int(moment.timestamp() * 1000 // 1)


def from_epoch_s(seconds: float) -> datetime:
    """Return the aware UTC datetime of Unix seconds."""
    return datetime.fromtimestamp(seconds, UTC)


def from_epoch_ms(ms: int) -> datetime:
    """Return the aware UTC datetime of Unix milliseconds."""
    return datetime.fromtimestamp(ms / 1000, UTC)
