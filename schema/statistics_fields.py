"""Every key Unleash 8.x puts in an instance-statistics document, typed for GraphQL.

Fields are named exactly as Unleash's JSON keys. A key a document lacks, or whose value
has another type than Unleash's, is null; `document` keeps everything as received.
"""

from collections.abc import Callable, Mapping
from typing import Any

import strawberry

from resolvers.statistics_keys import COUNT_KEYS, KEYS, Kind
from schema.scalars import Long


@strawberry.type(description="API tokens by type (`apiTokens`).")
class ApiTokenCounts:
    admin: Long | None
    backend: Long | None
    client: Long | None
    frontend: Long | None


@strawberry.type(description="Users active within the last 7, 30, 60 and 90 days.")
class ActiveUsers:
    last7: Long | None
    last30: Long | None
    last60: Long | None
    last90: Long | None


@strawberry.type(description="Changes to production environments in the last 30, 60, 90 days.")
class ProductionChanges:
    last30: Long | None
    last60: Long | None
    last90: Long | None


@strawberry.type(
    description="Metrics buckets of the previous day (`previousDayMetricsBucketsCount`)."
)
class MetricsBucketsCount:
    enabledCount: Long | None
    variantCount: Long | None


@strawberry.type(description="Client applications seen within a range (`7d`, `30d`, `allTime`).")
class ClientAppsCount:
    range: str
    count: Long


@strawberry.type(description="Edge instance usage of one month (`YYYY-MM`).")
class EdgeInstanceUsage:
    month: str
    value: float


@strawberry.type(
    description="The keys of an Unleash 8 instance-statistics document, named as its JSON keys."
)
class StatisticsFields:
    # Attributes are the JSON keys themselves (KEYS of resolvers/statistics_keys.py), so
    # one loop fills them; `instanceId` comes with the stored row instead.
    timestamp: str | None
    versionOSS: str | None
    versionEnterprise: str | None
    users: Long | None
    serviceAccounts: Long | None
    apiTokens: ApiTokenCounts | None
    activeUsers: ActiveUsers | None
    licensedUsers: Long | None
    featureToggles: Long | None
    archivedFeatureToggles: Long | None
    projects: Long | None
    contextFields: Long | None
    roles: Long | None
    customRootRoles: Long | None
    customRootRolesInUse: Long | None
    groups: Long | None
    environments: Long | None
    segments: Long | None
    strategies: Long | None
    SAMLenabled: bool | None
    OIDCenabled: bool | None
    passwordAuthEnabled: bool | None
    SCIMenabled: bool | None
    clientApps: list[ClientAppsCount] | None
    featureExports: Long | None
    featureImports: Long | None
    productionChanges: ProductionChanges | None
    previousDayMetricsBucketsCount: MetricsBucketsCount | None
    maxEnvironmentStrategies: Long | None
    maxConstraintValues: Long | None
    maxConstraints: Long | None
    releaseTemplates: Long | None
    releasePlans: Long | None
    edgeInstanceUsage: list[EdgeInstanceUsage] | None
    readOnlyUsers: Long | None
    sum: str | None = strawberry.field(description="SHA-256 over the instance's key fields.")


def _count(value: Any) -> Long | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return Long(value)
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


_OBJECTS: dict[str, type] = {
    "apiTokens": ApiTokenCounts,
    "activeUsers": ActiveUsers,
    "productionChanges": ProductionChanges,
    "previousDayMetricsBucketsCount": MetricsBucketsCount,
}


def _counts(key: str, value: Any) -> Any:
    if not isinstance(value, Mapping):
        return None
    return _OBJECTS[key](**{inner: _count(value.get(inner)) for inner in COUNT_KEYS[key]})


def _client_apps(value: Any) -> list[ClientAppsCount] | None:
    if not isinstance(value, list):
        return None
    return [
        ClientAppsCount(range=item["range"], count=Long(item["count"]))
        for item in value
        if isinstance(item, Mapping)
        and _text(item.get("range")) is not None
        and _count(item.get("count")) is not None
    ]


def _edge_usage(value: Any) -> list[EdgeInstanceUsage] | None:
    if not isinstance(value, Mapping):
        return None
    return [
        EdgeInstanceUsage(month=month, value=float(amount))
        for month, amount in value.items()
        if isinstance(amount, int | float) and not isinstance(amount, bool)
    ]


_READERS: dict[Kind, Callable[[str, Any], Any]] = {
    Kind.TEXT: lambda _key, value: _text(value),
    Kind.COUNT: lambda _key, value: _count(value),
    Kind.FLAG: lambda _key, value: _flag(value),
    Kind.COUNTS: _counts,
    Kind.RANGES: lambda _key, value: _client_apps(value),
    Kind.MONTHS: lambda _key, value: _edge_usage(value),
}


def statistics_fields(document: Mapping[str, Any]) -> dict[str, Any]:
    """Return the typed fields of a document, as keyword arguments of StatisticsFields."""
    return {
        key: _READERS[kind](key, document.get(key))
        for key, kind in KEYS.items()
        if key != "instanceId"
    }


@strawberry.type(
    description="Fleet totals with the keys of a statistics document (how each combines: "
    "see `fleetStatistics`); `instanceId` and `sum` are always null."
)
class StatisticsTotals(StatisticsFields):
    instance_id: str | None = None
