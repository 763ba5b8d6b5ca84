"""What ingestion did during one request, kept for the door's metrics.

A door starts a tally when a request begins; ``record_batch`` notes what it stored.
The tally is a mutable object in a context variable, so tasks spawned while serving
the request (GraphQL resolvers) add to the same one.
"""

from collections.abc import Iterable
from contextvars import ContextVar, Token
from dataclasses import dataclass, field


@dataclass
class IngestTally:
    """Records stored per kind, and whether a batch was refused."""

    records: dict[str, int] = field(default_factory=dict)
    rejected: bool = False


_current: ContextVar[IngestTally | None] = ContextVar("ingest_tally", default=None)


def start() -> tuple[IngestTally, Token[IngestTally | None]]:
    """Begin a tally for the current request; pass the token to ``stop``."""
    tally = IngestTally()
    return tally, _current.set(tally)


def stop(token: Token[IngestTally | None]) -> None:
    """End the tally begun with ``token``."""
    _current.reset(token)


def note_records(records: Iterable[object]) -> None:
    """Count stored records by kind (the record class name, lower case)."""
    tally = _current.get()
    if tally is None:
        return
    for record in records:
        kind = type(record).__name__.lower()
        tally.records[kind] = tally.records.get(kind, 0) + 1


def note_rejected() -> None:
    """Remember that the current request's batch was refused."""
    tally = _current.get()
    if tally is not None:
        tally.rejected = True
