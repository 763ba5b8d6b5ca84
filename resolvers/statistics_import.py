"""Back-filling statistics from files: one JSON document per file, or NDJSON.

All or nothing: every document of every file is read and verified first, and only
when all pass are they stored, in one transaction.
"""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from resolvers import payloads
from resolvers.checksum import verify_statistics_document
from resolvers.database import Database
from resolvers.errors import GatewayError
from resolvers.statistics import statistics_row
from storage import statistics

CHUNK = 500
SOURCE = "import"


@dataclass(frozen=True)
class FoundDocument:
    """A verified document and where it was read (``file:line``)."""

    origin: str
    document: dict[str, Any]


@dataclass(frozen=True)
class ImportReport:
    """What an import stored."""

    documents: int  # read and verified
    stored: int  # distinct (instance, time) rows written; a later duplicate replaces
    instances: int


def _verified(document: Any, origin: str) -> FoundDocument:
    try:
        return FoundDocument(origin, verify_statistics_document(document))
    except GatewayError as exc:
        raise ValueError(f"{origin}: {exc.message}") from None


def read_documents(text: str, *, name: str) -> tuple[list[FoundDocument], list[str]]:
    """Return the verified documents of one file, and one error line per bad document.

    The file is one JSON document (it may span lines) or NDJSON (one per line).
    """
    try:
        whole = payloads.loads(text)
    except ValueError as exc:
        whole_error = exc
    else:
        if isinstance(whole, dict):
            try:
                return [_verified(whole, f"{name}:1")], []
            except ValueError as bad:
                return [], [str(bad)]
        return [], [f"{name}:1: expected one JSON object, or NDJSON with one object per line"]
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not lines:
        return [], [f"{name}: the file holds no documents"]
    found: list[FoundDocument] = []
    errors: list[str] = []
    for number, line in lines:
        try:
            document = payloads.loads(line)
        except ValueError as exc:
            if number == lines[0][0]:
                # Not NDJSON either: report the error of the file as one document.
                where = getattr(whole_error, "lineno", number)
                return [], [f"{name}:{where}: not JSON: {_reason(whole_error)}"]
            errors.append(f"{name}:{number}: not JSON: {_reason(exc)}")
            continue
        try:
            found.append(_verified(document, f"{name}:{number}"))
        except ValueError as bad:
            errors.append(str(bad))
    return found, errors


def _reason(exc: ValueError) -> str:
    return exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)


Progress = Callable[[int], None]


async def import_documents(
    db: Database,
    documents: Sequence[FoundDocument],
    *,
    now: datetime,
    progress: Progress = lambda n: None,
) -> ImportReport:
    """Store verified documents in one transaction; report what was stored."""
    rows: dict[tuple[str, datetime], statistics.StatisticsRow] = {}
    for found in documents:
        row = statistics_row(found.document, now=now, source=SOURCE)
        rows[(row.instance_id, row.taken_at)] = row
    unique = list(rows.values())
    async with db.session() as session:
        for i in range(0, len(unique), CHUNK):
            chunk = unique[i : i + CHUNK]
            await statistics.save_statistics(session, rows=chunk)
            progress(len(chunk))
    return ImportReport(
        documents=len(documents),
        stored=len(unique),
        instances=len({r.instance_id for r in unique}),
    )
