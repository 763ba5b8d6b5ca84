"""Fleet totals: the newest statistics of every instance, combined field by field.

How each field combines (absent and null values are skipped; a field no member has
stays absent, one that is null wherever present stays null):

- ``timestamp``: the own timestamp text of the newest member that has one.
- ``instanceId`` and ``sum`` are left out: a fleet is no instance, and a checksum over
  an invented id would vouch for a document nobody produced. ``FleetStatistics`` lists
  the member instances instead.
- Strings (``versionOSS``, ``versionEnterprise``, unknown ones): the value when all
  members agree, else the distinct non-empty values, sorted, joined by ``", "``.
- Booleans (``SAMLenabled``, ``OIDCenabled``, …): true when any member's is true.
- Numbers named ``max…`` (``maxConstraints``, …): the largest; other numbers: the sum.
- Objects (``apiTokens``, ``activeUsers``, ``productionChanges``,
  ``previousDayMetricsBucketsCount``, ``edgeInstanceUsage``): merged key by key with
  the same rules (so counts per key are summed over the members that have the key);
  ``edgeInstanceUsage`` months are summed, rounded to 3 decimals like Unleash, newest
  month first.
- ``clientApps``: one entry per ``range``, counts summed, in first-seen order.
- Any other list, or a field whose members disagree on its type, cannot be totalled
  and is left out.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from resolvers.database import Database
from resolvers.statistics import StatisticsDocument, document_of, ordered
from storage import statistics

_NOT_TOTALLED = ("instanceId", "sum")
_ROUNDED = {"edgeInstanceUsage": 3}
_NEWEST_KEY_FIRST = frozenset({"edgeInstanceUsage"})


@dataclass(frozen=True)
class FleetStatistics:
    """Totals over the newest document of each member instance."""

    at: datetime
    instance_ids: tuple[str, ...]
    newest_taken_at: datetime | None
    oldest_taken_at: datetime | None
    fields: Mapping[str, Any] = field(hash=False)


class _Skip(Exception):
    """The values of a field cannot be combined."""


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def _combine(name: str, values: Sequence[Any]) -> Any:
    kinds = {_kind(v) for v in values}
    if len(kinds) != 1:
        raise _Skip
    kind = kinds.pop()
    if kind == "bool":
        return any(values)
    if kind == "number":
        return max(values) if name.startswith("max") else sum(values)
    if kind == "str":
        distinct = sorted({v for v in values if v})
        return distinct[0] if len(distinct) == 1 else ", ".join(distinct)
    if kind == "dict":
        return _merge_maps(name, values)
    if kind == "list" and name == "clientApps":
        return _merge_ranges(values)
    raise _Skip


def _merge_maps(name: str, maps: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    merged = _merge(maps)
    digits = _ROUNDED.get(name)
    if digits is not None:
        merged = {k: round(v, digits) if _kind(v) == "number" else v for k, v in merged.items()}
    if name in _NEWEST_KEY_FIRST:
        merged = dict(sorted(merged.items(), reverse=True))
    return merged


def _merge_ranges(lists: Sequence[Any]) -> list[dict[str, Any]]:
    counts: dict[Any, Any] = {}
    for entries in lists:
        for entry in entries:
            if not isinstance(entry, dict) or _kind(entry.get("count")) != "number":
                raise _Skip
            counts[entry.get("range")] = counts.get(entry.get("range"), 0) + entry["count"]
    return [{"range": r, "count": n} for r, n in counts.items()]


def _merge(documents: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    names: dict[str, None] = {}
    for document in documents:
        names.update(dict.fromkeys(document))
    merged: dict[str, Any] = {}
    for name in names:
        values = [d[name] for d in documents if d.get(name) is not None]
        if not values:
            merged[name] = None
            continue
        try:
            merged[name] = _combine(name, values)
        except _Skip:
            continue
    return merged


def merge_documents(documents: Iterable[StatisticsDocument]) -> dict[str, Any]:
    """Return the fleet totals of documents, in Unleash's key order (see the module doc)."""
    members = sorted(documents, key=lambda d: d.instance_id)
    fields = [{k: v for k, v in d.fields.items() if k not in _NOT_TOTALLED} for d in members]
    merged = _merge(fields)
    stamped = [d for d in members if d.fields.get("timestamp") is not None]
    if stamped:
        merged["timestamp"] = max(stamped, key=lambda d: d.taken_at).fields["timestamp"]
    return ordered(merged)


async def fleet_statistics(
    db: Database, *, at: datetime, max_age: timedelta | None = None
) -> FleetStatistics:
    """Return totals over each instance's newest document taken at or before ``at``.

    With ``max_age``, instances whose newest document is older than ``at - max_age``
    (decommissioned, or no longer reporting) are left out.
    """
    since = None if max_age is None else at - max_age
    async with db.session() as session:
        rows = await statistics.newest_per_instance(session, at=at, since=since)
    members = [document_of(row) for row in rows]
    times = [m.taken_at for m in members]
    return FleetStatistics(
        at=at,
        instance_ids=tuple(m.instance_id for m in members),
        newest_taken_at=max(times, default=None),
        oldest_taken_at=min(times, default=None),
        fields=MappingProxyType(merge_documents(members)),
    )
