"""Instance-statistics documents for tests, each with the bytes Unleash renders for it."""

from typing import Any

from resolvers.checksum import statistics_sum

# A fresh Unleash 8.2.0 instance, reconstructed from a data row a real Unleash 8.2.0 served
# (the row we had elides the sum and 10 months; the sum is recomputed below).
FRESH_ID = "3acaf3f2-10c9-46d3-9da4-974ac9d0515d"
FRESH_MONTHS = [
    "2026-11",
    "2026-10",
    "2026-09",
    "2026-08",
    "2026-07",
    "2026-06",
    "2026-05",
    "2026-04",
    "2026-03",
    "2026-02",
    "2026-01",
    "2025-12",
]


def fresh_document() -> dict[str, Any]:
    """Return the fresh 8.2.0 document, keys in the order Unleash emitted them."""
    document: dict[str, Any] = {
        "timestamp": "2026-11-21T23:28:31.481Z",
        "instanceId": FRESH_ID,
        "versionOSS": "8.2.0",
        "versionEnterprise": "",
        "users": 1,
        "serviceAccounts": 0,
        "apiTokens": {"admin": 1},
        "activeUsers": {"last7": 0, "last30": 0, "last60": 0, "last90": 0},
        "licensedUsers": 0,
        "featureToggles": 0,
        "archivedFeatureToggles": 0,
        "projects": 1,
        "contextFields": 5,
        "roles": 6,
        "customRootRoles": 0,
        "customRootRolesInUse": 0,
        "groups": 0,
        "environments": 2,
        "segments": 0,
        "strategies": 4,
        "SAMLenabled": False,
        "OIDCenabled": False,
        "passwordAuthEnabled": True,
        "SCIMenabled": False,
        "clientApps": [
            {"range": "7d", "count": 0},
            {"range": "30d", "count": 0},
            {"range": "allTime", "count": 0},
        ],
        "featureExports": 0,
        "featureImports": 0,
        "productionChanges": {"last30": 0, "last60": 0, "last90": 0},
        "previousDayMetricsBucketsCount": {"enabledCount": 0, "variantCount": 0},
        "maxEnvironmentStrategies": 0,
        "maxConstraintValues": 0,
        "maxConstraints": 0,
        "releaseTemplates": 1,
        "releasePlans": 0,
        "edgeInstanceUsage": dict.fromkeys(FRESH_MONTHS, 0),
        "readOnlyUsers": 0,
    }
    document["sum"] = statistics_sum(document)
    return document


FRESH_SUM = "50b86fef9439206bdd41c56b6e558913865668b2527d80f707703dd3eb66fedb"

FRESH_JSON = (
    '{"timestamp":"2026-11-21T23:28:31.481Z","instanceId":"3acaf3f2-10c9-46d3-9da4-974ac9d0515d",'
    '"versionOSS":"8.2.0","versionEnterprise":"","users":1,"serviceAccounts":0,'
    '"apiTokens":{"admin":1},"activeUsers":{"last7":0,"last30":0,"last60":0,"last90":0},'
    '"licensedUsers":0,"featureToggles":0,"archivedFeatureToggles":0,"projects":1,'
    '"contextFields":5,"roles":6,"customRootRoles":0,"customRootRolesInUse":0,"groups":0,'
    '"environments":2,"segments":0,"strategies":4,"SAMLenabled":false,"OIDCenabled":false,'
    '"passwordAuthEnabled":true,"SCIMenabled":false,"clientApps":[{"range":"7d","count":0},'
    '{"range":"30d","count":0},{"range":"allTime","count":0}],"featureExports":0,'
    '"featureImports":0,"productionChanges":{"last30":0,"last60":0,"last90":0},'
    '"previousDayMetricsBucketsCount":{"enabledCount":0,"variantCount":0},'
    '"maxEnvironmentStrategies":0,"maxConstraintValues":0,"maxConstraints":0,'
    '"releaseTemplates":1,"releasePlans":0,"edgeInstanceUsage":{"2026-11":0,"2026-10":0,'
    '"2026-09":0,"2026-08":0,"2026-07":0,"2026-06":0,"2026-05":0,"2026-04":0,"2026-03":0,'
    '"2026-02":0,"2026-01":0,"2025-12":0},"readOnlyUsers":0,'
    '"sum":"50b86fef9439206bdd41c56b6e558913865668b2527d80f707703dd3eb66fedb"}'
)

HEADER = (
    '"timestamp","instanceId","versionOSS","versionEnterprise","users","serviceAccounts",'
    '"apiTokens","activeUsers","licensedUsers","featureToggles","archivedFeatureToggles",'
    '"projects","contextFields","roles","customRootRoles","customRootRolesInUse","groups",'
    '"environments","segments","strategies","SAMLenabled","OIDCenabled",'
    '"passwordAuthEnabled","SCIMenabled","clientApps","featureExports","featureImports",'
    '"productionChanges","previousDayMetricsBucketsCount","maxEnvironmentStrategies",'
    '"maxConstraintValues","maxConstraints","releaseTemplates","releasePlans",'
    '"edgeInstanceUsage","readOnlyUsers","sum"'
)

FRESH_CSV = (
    HEADER + "\n"
    '"2026-11-21T23:28:31.481Z","3acaf3f2-10c9-46d3-9da4-974ac9d0515d","8.2.0","",1,0,'
    '"{""admin"":1}","{""last7"":0,""last30"":0,""last60"":0,""last90"":0}",0,0,0,1,5,6,0,0,'
    '0,2,0,4,false,false,true,false,"[{""range"":""7d"",""count"":0},{""range"":""30d"",'
    '""count"":0},{""range"":""allTime"",""count"":0}]",0,0,'
    '"{""last30"":0,""last60"":0,""last90"":0}","{""enabledCount"":0,""variantCount"":0}",'
    '0,0,0,1,0,"{""2026-11"":0,""2026-10"":0,""2026-09"":0,""2026-08"":0,""2026-07"":0,'
    '""2026-06"":0,""2026-05"":0,""2026-04"":0,""2026-03"":0,""2026-02"":0,""2026-01"":0,'
    '""2025-12"":0}",0,"50b86fef9439206bdd41c56b6e558913865668b2527d80f707703dd3eb66fedb"'
)


RICH_ID = 'eu-prod "blue"'


def rich_document() -> dict[str, Any]:
    """Return a busy enterprise instance, with a quote in its id, non-ASCII text, fractional
    edge usage, a legacy token type, and a key Unleash 8 does not emit (as a newer Unleash
    might), keys in the order such an Unleash would emit them."""
    document: dict[str, Any] = {
        "timestamp": "2026-11-20T11:45:00.007Z",
        "instanceId": RICH_ID,
        "versionOSS": "8.2.0",
        "versionEnterprise": "8.2.0-ent (Zürich)",
        "users": 1234,
        "serviceAccounts": 7,
        "apiTokens": {"admin": 3, "backend": 41, "frontend": 12, "client": 2},
        "activeUsers": {"last7": 310, "last30": 820, "last60": 1001, "last90": 1100},
        "licensedUsers": 1190,
        "featureToggles": 2048,
        "archivedFeatureToggles": 913,
        "projects": 37,
        "contextFields": 19,
        "roles": 9,
        "customRootRoles": 2,
        "customRootRolesInUse": 1,
        "groups": 44,
        "environments": 5,
        "segments": 61,
        "strategies": 14,
        "SAMLenabled": True,
        "OIDCenabled": False,
        "passwordAuthEnabled": False,
        "SCIMenabled": True,
        "clientApps": [
            {"range": "7d", "count": 88},
            {"range": "30d", "count": 120},
            {"range": "allTime", "count": 377},
        ],
        "featureExports": 15,
        "featureImports": 4,
        "productionChanges": {"last30": 512, "last60": 1024, "last90": 1500},
        "previousDayMetricsBucketsCount": {"enabledCount": 90210, "variantCount": 4411},
        "maxEnvironmentStrategies": 23,
        "maxConstraintValues": 1500,
        "maxConstraints": 11,
        "releaseTemplates": 6,
        "releasePlans": 17,
        "featureLifecycleStages": {"initial": 3, "live": 40},
        "edgeInstanceUsage": {
            "2026-11": 2.25,
            "2026-10": 1.75,
            "2026-09": 0.333,
            "2026-08": 0,
            "2026-07": 0,
            "2026-06": 0,
            "2026-05": 0,
            "2026-04": 0,
            "2026-03": 0,
            "2026-02": 0,
            "2026-01": 0,
            "2025-12": 0.45,
        },
        "readOnlyUsers": 210,
    }
    document["sum"] = statistics_sum(document)
    return document


# sha256('eu-prod "blue"' '1234' '2048' '37' '9' '44' '5' '61'), computed with hashlib.
RICH_SUM = "4010ad7ae100dfc79932d28499143035142c479f0df72e51f9bfeddb69468bca"

RICH_CSV = (
    HEADER.replace('"releasePlans",', '"releasePlans","featureLifecycleStages",') + "\n"
    '"2026-11-20T11:45:00.007Z","eu-prod ""blue""","8.2.0","8.2.0-ent (Zürich)",1234,7,'
    '"{""admin"":3,""backend"":41,""frontend"":12,""client"":2}",'
    '"{""last7"":310,""last30"":820,""last60"":1001,""last90"":1100}",1190,2048,913,37,19,9,'
    "2,1,44,5,61,14,true,false,false,true,"
    '"[{""range"":""7d"",""count"":88},{""range"":""30d"",""count"":120},'
    '{""range"":""allTime"",""count"":377}]",15,4,'
    '"{""last30"":512,""last60"":1024,""last90"":1500}",'
    '"{""enabledCount"":90210,""variantCount"":4411}",23,1500,11,6,17,'
    '"{""initial"":3,""live"":40}",'
    '"{""2026-11"":2.25,""2026-10"":1.75,""2026-09"":0.333,""2026-08"":0,""2026-07"":0,'
    '""2026-06"":0,""2026-05"":0,""2026-04"":0,""2026-03"":0,""2026-02"":0,""2026-01"":0,'
    '""2025-12"":0.45}",210,"' + RICH_SUM + '"'
)
