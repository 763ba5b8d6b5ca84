"""Prometheus metrics: what the gateway counts, and ``GET /metrics`` in the text format.

One ``Metrics`` per app, in its own registry (no process globals), so tests can build
many apps. With several workers prometheus_client's multiprocess mode is switched on
before the app is built: each worker writes its samples to files in a shared folder and
``/metrics`` (answered by any worker) adds them up.
"""

import os
import re
import shutil
import tempfile
from typing import Any

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)

from resolvers.collector import Outcome

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0)
# Operation names come from clients: keep the label set bounded.
MAX_OPERATION_NAMES = 200
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


def use_multiprocess() -> str:
    """Switch prometheus_client to multiprocess mode in a fresh folder; return the folder.

    Must run before any Metrics is built, in the process that forks the workers.
    """
    folder = tempfile.mkdtemp(prefix="gateway-metrics-")
    os.environ[MULTIPROCESS_ENV] = folder
    # What prometheus_client does at import when the variable is already set.
    values.ValueClass = values.MultiProcessValue()  # type: ignore[no-untyped-call]
    return folder


def forget_multiprocess(folder: str) -> None:
    """Remove the samples folder once every worker has stopped."""
    shutil.rmtree(folder, ignore_errors=True)


def worker_gone(pid: int) -> None:
    """Drop a dead worker's live gauges (its counters still count)."""
    if MULTIPROCESS_ENV in os.environ:
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


class Metrics:
    """Every metric the gateway exports, registered in one registry."""

    def __init__(self) -> None:
        self.multiprocess = MULTIPROCESS_ENV in os.environ
        self.registry = CollectorRegistry(auto_describe=False)
        r = self.registry
        self.requests = Counter(
            "gateway_http_requests",
            "HTTP requests answered, by route pattern, method and status.",
            ["route", "method", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "gateway_http_request_duration_seconds",
            "Time to answer an HTTP request, by route pattern and method.",
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.operations = Counter(
            "gateway_graphql_operations",
            "GraphQL operations over HTTP, by operation name and outcome (ok or an error code).",
            ["operation", "outcome"],
            registry=r,
        )
        self.records = Counter(
            "gateway_ingested_records",
            "Records stored, by kind and door (bulk, graphql, launchdarkly, unleash).",
            ["kind", "door"],
            registry=r,
        )
        self.rejected = Counter(
            "gateway_ingest_rejected_batches",
            "Ingestion requests refused (nothing stored), by door and status.",
            ["door", "status"],
            registry=r,
        )
        self.rate_limited = Counter(
            "gateway_rate_limit_refusals",
            "Requests and WebSocket messages refused by the per-token rate limit.",
            registry=r,
        )
        self.pool_in_use = Gauge(
            "gateway_database_connections_in_use",
            "Database connections checked out of the pool.",
            registry=r,
            multiprocess_mode="livesum",
        )
        self.pool_size = Gauge(
            "gateway_database_pool_connections",
            "Database connections the pool holds open (in use or idle).",
            registry=r,
            multiprocess_mode="livesum",
        )
        self.database_errors = Counter(
            "gateway_database_errors",
            "Errors raised by the database driver, by exception class.",
            ["error"],
            registry=r,
        )
        self.collector_runs = Counter(
            "gateway_collector_runs",
            "Statistics collector pulls, by upstream and outcome (ok or error).",
            ["upstream", "outcome"],
            registry=r,
        )
        self.collector_success = Gauge(
            "gateway_collector_last_success_timestamp_seconds",
            "Unix time of the last successful pull, by upstream.",
            ["upstream"],
            registry=r,
            multiprocess_mode="max",
        )
        self.live = Gauge(
            "gateway_live_subscriptions",
            "GraphQL operations running on WebSockets (live subscriptions).",
            registry=r,
            multiprocess_mode="livesum",
        )
        self.duties = Gauge(
            "gateway_duties_held",
            "1 in the process that holds the once-per-deployment duties (collector, pruning).",
            registry=r,
            multiprocess_mode="livesum",
        )
        # labels() takes a lock and builds a tuple; the hot path looks children up here.
        self._request_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self._names: set[str] = set()

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one answered request and its latency."""
        key = (route, method, status)
        children = self._request_children.get(key)
        if children is None:
            children = (
                self.requests.labels(route, method, str(status)),
                self.latency.labels(route, method),
            )
            self._request_children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def observe_operation(self, name: str | None, outcome: str) -> None:
        """Count one GraphQL operation by (bounded) name and outcome."""
        label = name if name and _NAME.fullmatch(name) else "anonymous"
        if label not in self._names:
            if len(self._names) >= MAX_OPERATION_NAMES:
                label = "other"
            else:
                self._names.add(label)
        self.operations.labels(label, outcome).inc()

    def observe_collector(self, outcome: Outcome, at: float) -> None:
        """Count one collector pull; remember when an upstream last answered well."""
        self.collector_runs.labels(outcome.upstream, "ok" if outcome.ok else "error").inc()
        if outcome.ok:
            self.collector_success.labels(outcome.upstream).set(at)

    def exposition(self) -> bytes:
        """Return every sample in Prometheus' text format (all workers' in multiprocess mode)."""
        if not self.multiprocess:
            return generate_latest(self.registry)
        merged = CollectorRegistry(auto_describe=False)
        multiprocess.MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
        return generate_latest(merged)


METRICS = web.AppKey("metrics", Metrics)


async def metrics_page(request: web.Request) -> web.Response:
    """``GET /metrics``: the samples, unauthenticated (bind it to a private port if needed)."""
    body = request.app[METRICS].exposition()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def metrics_app(metrics: Metrics) -> web.Application:
    """Return a small app that serves only ``/metrics`` (for GATEWAY_METRICS_PORT)."""
    app = web.Application()
    app[METRICS] = metrics
    app.router.add_get("/metrics", metrics_page)
    return app
