"""Every key Unleash 8.x puts in an instance-statistics document, typed for GraphQL.

Fields are named exactly as Unleash's JSON keys. A key a document lacks, or whose value
has another type than Unleash's, is null; `document` keeps everything as received.
"""

from collections.abc import Mapping
from typing import Any

import strawberry

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
    enabled_count: Long | None
    variant_count: Long | None


@strawberry.type(description="Client applications seen within a range (`7d`, `30d`, `allTime`).")
class ClientAppsCount:
    range: str
    count: Long


@strawberry.type(description="Edge instance usage of one month (`YYYY-MM`).")
class EdgeInstanceUsage:
    month: str
    value: float


@strawberry.type(description="The keys of an Unleash 8 instance-statistics document.")
class StatisticsFields:
    timestamp: str | None
    version_oss: str | None = strawberry.field(name="versionOSS")
    version_enterprise: str | None
    users: Long | None
    service_accounts: Long | None
    api_tokens: ApiTokenCounts | None
    active_users: ActiveUsers | None
    licensed_users: Long | None
    feature_toggles: Long | None
    archived_feature_toggles: Long | None
    projects: Long | None
    context_fields: Long | None
    roles: Long | None
    custom_root_roles: Long | None
    custom_root_roles_in_use: Long | None
    groups: Long | None
    environments: Long | None
    segments: Long | None
    strategies: Long | None
    saml_enabled: bool | None = strawberry.field(name="SAMLenabled")
    oidc_enabled: bool | None = strawberry.field(name="OIDCenabled")
    password_auth_enabled: bool | None
    scim_enabled: bool | None = strawberry.field(name="SCIMenabled")
    client_apps: list[ClientAppsCount] | None
    feature_exports: Long | None
    feature_imports: Long | None
    production_changes: ProductionChanges | None
    previous_day_metrics_buckets_count: MetricsBucketsCount | None
    max_environment_strategies: Long | None
    max_constraint_values: Long | None
    max_constraints: Long | None
    release_templates: Long | None
    release_plans: Long | None
    edge_instance_usage: list[EdgeInstanceUsage] | None
    read_only_users: Long | None
    sum: str | None = strawberry.field(description="SHA-256 over the instance's key fields.")


def _count(value: Any) -> Long | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return Long(value)
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _counts(value: Any, *keys: str) -> dict[str, Long | None] | None:
    if not isinstance(value, Mapping):
        return None
    return {key: _count(value.get(key)) for key in keys}


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


def statistics_fields(document: Mapping[str, Any]) -> dict[str, Any]:
    """Return the typed fields of a document, as keyword arguments of StatisticsFields."""
    d = document
    tokens = _counts(d.get("apiTokens"), "admin", "backend", "client", "frontend")
    active = _counts(d.get("activeUsers"), "last7", "last30", "last60", "last90")
    changes = _counts(d.get("productionChanges"), "last30", "last60", "last90")
    buckets = _counts(d.get("previousDayMetricsBucketsCount"), "enabledCount", "variantCount")
    return {
        "timestamp": _text(d.get("timestamp")),
        "version_oss": _text(d.get("versionOSS")),
        "version_enterprise": _text(d.get("versionEnterprise")),
        "users": _count(d.get("users")),
        "service_accounts": _count(d.get("serviceAccounts")),
        "api_tokens": None if tokens is None else ApiTokenCounts(**tokens),
        "active_users": None if active is None else ActiveUsers(**active),
        "licensed_users": _count(d.get("licensedUsers")),
        "feature_toggles": _count(d.get("featureToggles")),
        "archived_feature_toggles": _count(d.get("archivedFeatureToggles")),
        "projects": _count(d.get("projects")),
        "context_fields": _count(d.get("contextFields")),
        "roles": _count(d.get("roles")),
        "custom_root_roles": _count(d.get("customRootRoles")),
        "custom_root_roles_in_use": _count(d.get("customRootRolesInUse")),
        "groups": _count(d.get("groups")),
        "environments": _count(d.get("environments")),
        "segments": _count(d.get("segments")),
        "strategies": _count(d.get("strategies")),
        "saml_enabled": _flag(d.get("SAMLenabled")),
        "oidc_enabled": _flag(d.get("OIDCenabled")),
        "password_auth_enabled": _flag(d.get("passwordAuthEnabled")),
        "scim_enabled": _flag(d.get("SCIMenabled")),
        "client_apps": _client_apps(d.get("clientApps")),
        "feature_exports": _count(d.get("featureExports")),
        "feature_imports": _count(d.get("featureImports")),
        "production_changes": None if changes is None else ProductionChanges(**changes),
        "previous_day_metrics_buckets_count": None
        if buckets is None
        else MetricsBucketsCount(
            enabled_count=buckets["enabledCount"], variant_count=buckets["variantCount"]
        ),
        "max_environment_strategies": _count(d.get("maxEnvironmentStrategies")),
        "max_constraint_values": _count(d.get("maxConstraintValues")),
        "max_constraints": _count(d.get("maxConstraints")),
        "release_templates": _count(d.get("releaseTemplates")),
        "release_plans": _count(d.get("releasePlans")),
        "edge_instance_usage": _edge_usage(d.get("edgeInstanceUsage")),
        "read_only_users": _count(d.get("readOnlyUsers")),
        "sum": _text(d.get("sum")),
    }


@strawberry.type(
    description="Fleet totals with the keys of a statistics document (how each combines: "
    "see `fleetStatistics`); `instanceId` and `sum` are always null."
)
class StatisticsTotals(StatisticsFields):
    instance_id: str | None = None
