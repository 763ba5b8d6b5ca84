"""The keys of an Unleash 8.x instance-statistics document, and what kind of value each holds.

One table serves the key order of the Unleash routes, the typed GraphQL fields and the
numeric fields a statistics series can draw.
"""

from enum import Enum


class Kind(Enum):
    """What a statistics key holds."""

    TEXT = "text"
    COUNT = "count"
    FLAG = "flag"
    COUNTS = "counts"  # an object of counts (its keys: COUNT_KEYS)
    RANGES = "ranges"  # a list of {range, count}
    MONTHS = "months"  # an object of amounts by month, "YYYY-MM"


# Every key, in the order in which Unleash 8.x emits them (docs/formats.md §1.2); `sum` is last.
KEYS: dict[str, Kind] = {
    "timestamp": Kind.TEXT,
    "instanceId": Kind.TEXT,
    "versionOSS": Kind.TEXT,
    "versionEnterprise": Kind.TEXT,
    "users": Kind.COUNT,
    "serviceAccounts": Kind.COUNT,
    "apiTokens": Kind.COUNTS,
    "activeUsers": Kind.COUNTS,
    "licensedUsers": Kind.COUNT,
    "featureToggles": Kind.COUNT,
    "archivedFeatureToggles": Kind.COUNT,
    "projects": Kind.COUNT,
    "contextFields": Kind.COUNT,
    "roles": Kind.COUNT,
    "customRootRoles": Kind.COUNT,
    "customRootRolesInUse": Kind.COUNT,
    "groups": Kind.COUNT,
    "environments": Kind.COUNT,
    "segments": Kind.COUNT,
    "strategies": Kind.COUNT,
    "SAMLenabled": Kind.FLAG,
    "OIDCenabled": Kind.FLAG,
    "passwordAuthEnabled": Kind.FLAG,
    "SCIMenabled": Kind.FLAG,
    "clientApps": Kind.RANGES,
    "featureExports": Kind.COUNT,
    "featureImports": Kind.COUNT,
    "productionChanges": Kind.COUNTS,
    "previousDayMetricsBucketsCount": Kind.COUNTS,
    "maxEnvironmentStrategies": Kind.COUNT,
    "maxConstraintValues": Kind.COUNT,
    "maxConstraints": Kind.COUNT,
    "releaseTemplates": Kind.COUNT,
    "releasePlans": Kind.COUNT,
    "edgeInstanceUsage": Kind.MONTHS,
    "readOnlyUsers": Kind.COUNT,
    "sum": Kind.TEXT,
}
COUNT_KEYS: dict[str, tuple[str, ...]] = {
    "apiTokens": ("admin", "backend", "client", "frontend"),
    "activeUsers": ("last7", "last30", "last60", "last90"),
    "productionChanges": ("last30", "last60", "last90"),
    "previousDayMetricsBucketsCount": ("enabledCount", "variantCount"),
}
KEY_ORDER = tuple(KEYS)
