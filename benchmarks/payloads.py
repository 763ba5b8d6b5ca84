"""What the bench sends: the same 144 Unleash metrics payloads to Unleash and to the gateway
(48 hours x 3 apps, 4 flags each), LaunchDarkly event payloads, and bulk-API batches.

Everything is a pure function of its arguments and ``now``, so two runs send the same data.
"""

import json
import random
from datetime import UTC, datetime, timedelta

from benchmarks.load import Request
from benchmarks.servers import ADMIN, ENVIRONMENT, INGEST, PROJECT

FLAGS = ["checkout-redesign", "search-v2", "dark-mode", "pricing-banner"]
APPS = ["bench-web", "bench-ios", "bench-api"]
HOURS = 48
SDK_VERSION = "unleash-python-sdk:6.9.1"


def iso(moment: datetime) -> str:
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def hour_floor(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _counts(hour: int, app: int, flag: int) -> tuple[int, int]:
    yes = 10 + (hour * 7 + app * 3 + flag * 5) % 50
    no = 5 + (hour * 11 + app * 5 + flag * 3) % 30
    return yes, no


def unleash_metrics(now: datetime) -> list[dict[str, object]]:
    """Return the 144 client-metrics payloads: one per app and past hour, 4 flags each."""
    top = hour_floor(now)
    payloads: list[dict[str, object]] = []
    for hour in range(1, HOURS + 1):
        start = top - timedelta(hours=hour)
        for a, app in enumerate(APPS):
            toggles = {}
            for f, flag in enumerate(FLAGS):
                yes, no = _counts(hour, a, f)
                toggles[flag] = {"yes": yes, "no": no, "variants": {}}
            payloads.append(
                {
                    "appName": app,
                    "instanceId": f"{app}-1",
                    "environment": ENVIRONMENT,
                    "sdkVersion": SDK_VERSION,
                    "bucket": {
                        "start": iso(start + timedelta(minutes=1)),
                        "stop": iso(start + timedelta(minutes=59)),
                        "toggles": toggles,
                    },
                }
            )
    return payloads


def evaluations_per_flag(hours: int = HOURS) -> int:
    """Return how many evaluations of each flag the payloads of the last ``hours`` carry."""
    return sum(sum(_counts(h, a, 0)) for h in range(1, hours + 1) for a in range(len(APPS)))


def metrics_requests(now: datetime, token: str) -> list[Request]:
    headers = {"Authorization": token, "Content-Type": "application/json"}
    return [
        Request("POST", "/api/client/metrics", headers, json.dumps(p)) for p in unleash_metrics(now)
    ]


def launchdarkly_bulk(now: datetime, contexts: int = 5) -> list[Request]:
    """Return 144 server-SDK event payloads (the same hours, apps and counts as the Unleash
    ones), each a summary of the 4 flags plus ``contexts`` index events."""
    top = hour_floor(now)
    headers = {
        "Authorization": INGEST,
        "Content-Type": "application/json",
        "User-Agent": "PythonClient/9.18.2",
        "X-LaunchDarkly-Event-Schema": "4",
    }
    requests = []
    for hour in range(1, HOURS + 1):
        start = top - timedelta(hours=hour)
        for a, app in enumerate(APPS):
            events: list[dict[str, object]] = [
                {
                    "kind": "index",
                    "creationDate": ms(start + timedelta(minutes=2 + i)),
                    "context": {"kind": "user", "key": f"{app}-user-{(hour * 13 + i) % 500}"},
                }
                for i in range(contexts)
            ]
            features = {}
            for f, flag in enumerate(FLAGS):
                yes, no = _counts(hour, a, f)
                features[flag] = {
                    "default": False,
                    "counters": [
                        {"variation": 1, "value": True, "version": 1, "count": yes},
                        {"variation": 0, "value": False, "version": 1, "count": no},
                    ],
                }
            events.append(
                {
                    "kind": "summary",
                    "startDate": ms(start + timedelta(minutes=1)),
                    "endDate": ms(start + timedelta(minutes=59)),
                    "features": features,
                }
            )
            requests.append(Request("POST", "/bulk", headers, json.dumps(events)))
    return requests


LD_PAYLOAD_ID = "X-LaunchDarkly-Payload-ID"


def series_rest(flag: str, since: datetime) -> Request:
    path = f"/api/v2/usage/evaluations/{PROJECT}/{ENVIRONMENT}/{flag}?from={ms(since)}"
    return Request("GET", path, {"Authorization": ADMIN, "LD-API-Version": "beta"})


def graphql(query: str) -> Request:
    headers = {"Authorization": ADMIN, "Content-Type": "application/json"}
    return Request("POST", "/graphql", headers, json.dumps({"query": query}))


SERIES_FIELDS = "granularity from to series { labels { variation value } total times values }"


def series_graphql(
    flag: str, since: datetime, project: str = PROJECT, environment: str = ENVIRONMENT
) -> Request:
    return graphql(
        f'{{ evaluations(project: "{project}", environment: "{environment}", flag: "{flag}", '
        f'from: "{iso(since)}") {{ {SERIES_FIELDS} }} }}'
    )


def unleash_raw(flag: str, token: str) -> Request:
    path = f"/api/admin/client-metrics/features/{flag}/raw?hoursBack={HOURS}"
    return Request("GET", path, {"Authorization": token})


def statistics(token: str) -> Request:
    return Request("GET", "/api/admin/instance-admin/statistics", {"Authorization": token})


def bulk_evaluations(
    now: datetime, seed: int, *, flags: int = 10, minutes: int = 50
) -> list[dict[str, object]]:
    """Return 1,000 evaluation records (flags x minutes x 2 variations) in an order of ``seed``."""
    top = now.astimezone(UTC).replace(second=0, microsecond=0) - timedelta(minutes=minutes + 5)
    records: list[dict[str, object]] = [
        {
            "type": "evaluation",
            "time": iso(top + timedelta(minutes=m)),
            "project": PROJECT,
            "environment": ENVIRONMENT,
            "flag": f"bulk-flag-{f}",
            "variation": v,
            "value": bool(v),
            "count": 1 + (f + m + v) % 9,
        }
        for f in range(flags)
        for m in range(minutes)
        for v in (0, 1)
    ]
    random.Random(seed).shuffle(records)
    return records


_SDKS = [
    ("Go", "server", "backend"),
    ("Node.js", "server", "backend"),
    ("JavaScript", "client", "browser"),
    ("Android", "client", "mobile"),
]


def bulk_contexts(
    now: datetime, seed: int, *, contexts: int = 1000, minutes: int = 50
) -> list[dict[str, object]]:
    """Return ``contexts`` context sightings (the same keys and minutes every time) in an order
    of ``seed``."""
    top = now.astimezone(UTC).replace(second=0, microsecond=0) - timedelta(minutes=minutes + 5)
    records: list[dict[str, object]] = []
    for i in range(contexts):
        sdk, sdk_type, category = _SDKS[i % len(_SDKS)]
        records.append(
            {
                "type": "context",
                "time": iso(top + timedelta(minutes=i % minutes)),
                "contextKey": f"bulk-user-{i}",
                "contextKind": "user",
                "project": PROJECT,
                "environment": ENVIRONMENT,
                "sdk": sdk,
                "sdkType": sdk_type,
                "category": category,
            }
        )
    random.Random(seed).shuffle(records)
    return records


def ingest_request(records: list[dict[str, object]]) -> Request:
    headers = {"Authorization": ADMIN, "Content-Type": "application/json"}
    return Request("POST", "/api/gateway/ingest", headers, json.dumps({"records": records}))
