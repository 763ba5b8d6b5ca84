"""When a statistics document was taken."""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any


def taken_at(document: Mapping[str, Any], received: datetime) -> datetime:
    """Return the document's own ``timestamp`` in UTC, or ``received`` when it has none."""
    stamp = document.get("timestamp")
    if isinstance(stamp, str):
        try:
            moment = datetime.fromisoformat(stamp)
        except ValueError:
            return received
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return received
