"""Demo Unleash instance-statistics documents: two instances that grow over the period."""

import json
from collections.abc import Iterator
from datetime import datetime, timedelta

from resolvers.checksum import statistics_sum
from resolvers.clock import epoch_s, from_epoch_s
from resolvers.ingestion import bucket_start
from storage import statistics
from storage.tables import DAY


def statistics_rows(start: datetime, now: datetime) -> Iterator[statistics.StatisticsRow]:
    """Yield one document per demo instance per day from ``start`` to ``now``."""
    instances = (("demo-unleash-eu", 1.0), ("demo-unleash-us", 0.4))
    day0 = bucket_start(epoch_s(start), DAY)
    total = (epoch_s(now) - day0) // DAY + 1
    for instance_id, scale in instances:
        for i in range(total):
            taken = from_epoch_s(day0 + i * DAY + 300)
            if taken > now:
                break
            document = statistics_document(instance_id, scale, i / max(total - 1, 1), taken)
            yield statistics.StatisticsRow(
                instance_id, taken, json.dumps(document, separators=(",", ":")), "demo", taken
            )


def statistics_document(
    instance_id: str, scale: float, growth: float, taken: datetime
) -> dict[str, object]:
    """Return a signed document of an instance ``growth`` (0 to 1) through the period."""

    def grow(low: int, high: int) -> int:
        return round((low + (high - low) * growth) * scale)

    month = taken.replace(day=1)
    months = []
    for _ in range(12):
        months.append(month.strftime("%Y-%m"))
        month = (month - timedelta(days=1)).replace(day=1)
    doc: dict[str, object] = {
        "timestamp": taken.strftime("%Y-%m-%dT%H:%M:%S.") + f"{taken.microsecond // 1000:03d}Z",
        "instanceId": instance_id,
        "versionOSS": "8.2.0",
        "versionEnterprise": "",
        "users": grow(20, 46),
        "serviceAccounts": grow(2, 5),
        "apiTokens": {"admin": grow(2, 3), "backend": grow(4, 9), "frontend": grow(1, 4)},
        "activeUsers": {
            "last7": grow(12, 30),
            "last30": grow(16, 38),
            "last60": grow(18, 41),
            "last90": grow(19, 44),
        },
        "licensedUsers": grow(18, 40),
        "featureToggles": grow(28, 50),
        "archivedFeatureToggles": grow(5, 21),
        "projects": grow(2, 3),
        "contextFields": grow(5, 9),
        "roles": 5,
        "customRootRoles": 0,
        "customRootRolesInUse": 0,
        "groups": grow(1, 4),
        "environments": grow(3, 4),
        "segments": grow(1, 6),
        "strategies": grow(4, 7),
        "SAMLenabled": False,
        "OIDCenabled": True,
        "passwordAuthEnabled": True,
        "SCIMenabled": False,
        "clientApps": [
            {"range": "7d", "count": grow(3, 7)},
            {"range": "30d", "count": grow(4, 9)},
            {"range": "allTime", "count": grow(5, 12)},
        ],
        "featureExports": grow(0, 3),
        "featureImports": grow(0, 2),
        "productionChanges": {
            "last30": grow(20, 64),
            "last60": grow(35, 120),
            "last90": grow(50, 170),
        },
        "previousDayMetricsBucketsCount": {
            "enabledCount": grow(400, 1100),
            "variantCount": grow(60, 240),
        },
        "maxEnvironmentStrategies": grow(2, 4),
        "maxConstraintValues": grow(6, 17),
        "maxConstraints": grow(2, 4),
        "releaseTemplates": grow(0, 2),
        "releasePlans": grow(0, 1),
        "edgeInstanceUsage": {
            m: round(max(0.0, 2.25 - 0.25 * i) * scale, 3) for i, m in enumerate(months)
        },
        "readOnlyUsers": grow(1, 3),
    }
    doc["sum"] = statistics_sum(doc)
    return doc
