"""The shared state of one run: options, the servers it started, the tables it printed."""

import json
import sys
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from benchmarks import load, machine, payloads, peer, pg, servers
from benchmarks.report import Table

T = TypeVar("T")
BACKENDS = ("sqlite", "postgresql")
FEED_PG = f"{pg.PREFIX}feed"
# The label of a feed gateway run from --baseline's source tree.
BASELINE = " (baseline)"


@dataclass
class Options:
    """What to run and for how long (see ``python -m benchmarks --help``)."""

    workloads: list[int]
    backends: list[str]
    quick: bool = False
    rounds: int = 5
    seconds: float = 5.0
    unleash: bool = True
    profile: bool = False
    profile_seconds: float = 15.0
    history_rows: list[int] = field(default_factory=lambda: [1_000_000, 50_000_000])
    mau_contexts: list[tuple[int, str]] = field(default_factory=list)
    mau_budget_s: float = 90.0
    bulk_seconds: float = 15.0
    memory_seconds: float = 120.0
    baseline: Path | None = None
    out: Path = servers.SCRATCH / "results"


class Suite:
    """One run: starts servers on demand, keeps them for the workloads, stops them all."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.now = datetime.now(UTC)
        self.tables: list[Table] = []
        self.started: list[servers.Server] = []
        self.unleash: servers.Server | None = None
        self.unleash_note: str | None = None
        self.feeds: dict[str, servers.Server] = {}
        self.statistics_document: dict[str, Any] | None = None
        self.profiles: list[str] = []

    # --- output -------------------------------------------------------------------------

    def log(self, message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    def emit(self, table: Table, load_before: tuple[float, float, float]) -> None:
        table.notes.append(
            f"Load average (1/5/15 min) {machine.load_text(load_before)} before, "
            f"{machine.load_text(machine.load())} after."
        )
        self.tables.append(table)
        print(table.markdown(), flush=True)

    # --- servers ------------------------------------------------------------------------

    def gateway(
        self,
        name: str,
        url: str,
        *,
        pg_database: str | None = None,
        ingest_token: bool = True,
        source: Path | None = None,
    ) -> servers.Server:
        self.log(f"starting gateway {name}")
        server = servers.start_gateway(
            name, url, ingest_token=ingest_token, pg_database=pg_database, source=source
        )
        self.started.append(server)
        return server

    def stop(self, server: servers.Server) -> None:
        server.stop()
        if server in self.started:
            self.started.remove(server)

    def close(self) -> None:
        for server in reversed(self.started):
            server.stop()
        self.started.clear()

    def feed_url(self, backend: str) -> tuple[str, str | None]:
        """Return the URL (and PostgreSQL name) of the small database the SDK payloads go to.

        ``backend`` is a database name, or one with BASELINE appended (the baseline's own).
        """
        suffix = "_baseline" if backend.endswith(BASELINE) else ""
        if backend.startswith("sqlite"):
            name = f"feed{suffix}.sqlite"
            return f"sqlite+aiosqlite:///{servers.SCRATCH / 'data' / name}", None
        return pg.url(FEED_PG + suffix), FEED_PG + suffix

    def prepare_feeds(self, *, with_unleash: bool = True) -> None:
        """Start Unleash and one gateway per backend on fresh databases, and send each the
        same 144 metrics payloads (and Unleash's statistics document to the gateways)."""
        if self.feeds:
            return
        if with_unleash:
            self.start_unleash()
        baseline = self.options.baseline
        for backend in self.options.backends:
            for feed, source in ((backend, None), (backend + BASELINE, baseline)):
                if feed.endswith(BASELINE) and source is None:
                    continue
                url, database = self.feed_url(feed)
                if database is None:
                    path = Path(url.split("///", 1)[1])
                    path.parent.mkdir(parents=True, exist_ok=True)
                    for old in path.parent.glob(path.name + "*"):
                        old.unlink()
                else:
                    pg.create(database)
                name = f"feed-{feed}".replace(BASELINE, "-baseline")
                self.feeds[feed] = self.gateway(name, url, pg_database=database, source=source)
        self.log("sending the 144 Unleash metrics payloads to every server")
        expected = payloads.evaluations_per_flag()
        targets = [(b, s, servers.INGEST) for b, s in self.feeds.items()]
        if self.unleash is not None:
            targets.append(("unleash", self.unleash, peer.CLIENT))
        for name, server, token in targets:
            sample = load.run_client(
                server.base, payloads.metrics_requests(self.now, token), count=144
            )
            if sample.ok != 144:
                raise RuntimeError(
                    f"{name} acknowledged {sample.ok} of 144 metrics payloads: "
                    f"{dict(sample.statuses)}"
                )
        for backend, server in self.feeds.items():
            got = self.series_total(server, payloads.FLAGS[0])
            if got != expected:
                raise RuntimeError(
                    f"gateway {backend} counts {got} evaluations of {payloads.FLAGS[0]}, "
                    f"not {expected}"
                )
        if self.unleash is not None:
            # Unleash's hoursBack=48 window starts 48 h before now, so it may leave out the
            # oldest hour's bucket (stored at the start of its hour): both totals are right.
            fewer = payloads.evaluations_per_flag(payloads.HOURS - 1)
            got = peer.wait_counted(self.unleash, payloads.FLAGS[0], fewer)
            if got not in (expected, fewer):
                self.log(
                    f"warning: Unleash counts {got} evaluations of {payloads.FLAGS[0]}, "
                    f"not {expected}"
                )
        self.log(
            f"checked: every server counts {expected} evaluations of {payloads.FLAGS[0]} over 48 h"
        )
        self.store_statistics()

    def series_total(self, server: servers.Server, flag: str) -> int:
        since = payloads.hour_floor(self.now) - timedelta(hours=payloads.HOURS + 1)
        answer = get_json(server, payloads.series_rest(flag, since))
        return sum(v for point in answer["series"] for k, v in point.items() if k != "time")

    def start_unleash(self) -> None:
        if not self.options.unleash:
            self.unleash_note = "Unleash not run (--no-unleash)."
            return
        reason = peer.install() or pg.available()
        if reason is not None:
            self.unleash_note = reason
            self.log(reason)
            return
        self.log(f"starting Unleash {peer.VERSION}")
        try:
            self.unleash = peer.start()
        except RuntimeError as exc:
            self.unleash_note = f"Unleash skipped: it did not start ({str(exc).splitlines()[0]})"
            self.log(self.unleash_note)
            return
        self.started.append(self.unleash)
        peer.create_flags(self.unleash, payloads.FLAGS)

    def store_statistics(self) -> None:
        """Give each gateway a statistics document: Unleash's own when it runs."""
        if self.unleash is not None:
            document = get_json(self.unleash, payloads.statistics(peer.ADMIN))
        else:
            from resolvers.demo_statistics import statistics_document

            document = statistics_document("bench-unleash", 1.0, 0.5, self.now)
        self.statistics_document = document
        for backend, server in self.feeds.items():
            body = [{"type": "statistics", "document": document}]
            request = payloads.ingest_request(body)
            sample = load.run_client(server.base, [request], count=1)
            if sample.ok != 1:
                raise RuntimeError(
                    f"gateway {backend} refused the statistics document: {dict(sample.statuses)}"
                )

    # --- measuring ----------------------------------------------------------------------

    def interleaved(
        self,
        targets: Sequence[T],
        measure: Callable[[T], dict[str, float]],
        rounds: int | None = None,
    ) -> list[dict[str, float]]:
        """Measure every target once per round, rotating the order each round; return each
        target's median of every metric."""
        rounds = rounds or self.options.rounds
        samples: list[dict[str, list[float]]] = [{} for _ in targets]
        for r in range(rounds):
            order = list(range(len(targets)))
            order = order[r % len(order) :] + order[: r % len(order)]
            for i in order:
                for key, value in measure(targets[i]).items():
                    samples[i].setdefault(key, []).append(value)
            self.log(f"round {r + 1}/{rounds} done")
        return [{k: load.median(v) for k, v in s.items()} for s in samples]


def get_json(server: servers.Server, request: load.Request) -> Any:
    """Send one request and return its JSON answer (raising on a non-2xx status)."""
    data = None if request.body is None else request.body.encode()
    http = urllib.request.Request(
        server.base + request.path, data=data, headers=request.headers, method=request.method
    )
    with urllib.request.urlopen(http, timeout=600) as answer:
        return json.loads(answer.read())
