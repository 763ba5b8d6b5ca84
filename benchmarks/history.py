"""Workload 6: reads stay flat as history grows.

The same flag (2 variations, every quarter-hour of 435 days) in histories of 1M and 50M
quarter-hour rows (other flags fill the rest); the 48 h hourly and the 30-day daily REST
series, c=1. The two histories must give identical answers, which the run checks.
"""

import json
from datetime import timedelta

from benchmarks import datasets, load, machine, payloads, servers
from benchmarks.report import Table, divide, ms, ratio
from benchmarks.suite import Suite, get_json


def _request(since_hours: int, suite: Suite) -> load.Request:
    since = suite.now - timedelta(hours=since_hours)
    path = (
        f"/api/v2/usage/evaluations/{datasets.HISTORY_PROJECT}/{datasets.HISTORY_ENVIRONMENT}/"
        f"{datasets.HISTORY_FLAG}?from={payloads.ms(since)}&to={payloads.ms(suite.now)}"
    )
    return load.Request("GET", path, {"Authorization": servers.ADMIN, "LD-API-Version": "beta"})


def run(suite: Suite) -> None:
    before = machine.load()
    sizes = sorted(suite.options.history_rows)
    queries = {"48 h hourly": _request(48, suite), "30 days daily": _request(30 * 24, suite)}
    targets = []
    for backend in suite.options.backends:
        for rows in sizes:
            dataset = datasets.history(rows, backend, suite.now, suite.log)
            server = suite.gateway(
                f"hist-{rows}-{backend}",
                dataset.url,
                pg_database=dataset.pg_database,
                ingest_token=False,
            )
            targets.append((backend, rows, dataset, server))
    answers: dict[tuple[str, str], set[str]] = {}
    for backend, _, _, server in targets:
        for name, request in queries.items():
            answers.setdefault((backend, name), set()).add(
                json.dumps(get_json(server, request)["series"])
            )
    same = all(len(found) == 1 for found in answers.values())
    seconds = suite.options.seconds
    for *_, server in targets:
        for request in queries.values():
            load.run(server.base, [request], connections=1, seconds=1)

    def measure(target: tuple[str, int, datasets.Dataset, servers.Server]) -> dict[str, float]:
        found = {}
        for name, request in queries.items():
            sample = load.run(target[3].base, [request], connections=1, seconds=seconds)
            found[name] = sample.p50_ms
            found[name + " p99"] = sample.p99_ms
        return found

    suite.log("workload 6: reads against history size")
    results = suite.interleaved(targets, measure)
    by = {(t[0], t[1]): (t[2], r) for t, r in zip(targets, results, strict=True)}
    small, big = sizes[0], sizes[-1]
    table = Table(
        "6. Reads against history size (REST, c=1)",
        ["database", "series", f"p50 at {by_rows(by, small)}", f"p50 at {by_rows(by, big)}",
         "ratio", f"p99 at {by_rows(by, small)}", f"p99 at {by_rows(by, big)}"],
    )  # fmt: skip
    for backend in suite.options.backends:
        if (backend, small) not in by or (backend, big) not in by:
            continue
        a, b = by[(backend, small)][1], by[(backend, big)][1]
        for name in queries:
            table.add(
                backend, name, ms(a[name]), ms(b[name]), ratio(divide(b[name], a[name])),
                ms(a[name + " p99"]), ms(b[name + " p99"]),
            )  # fmt: skip
    table.notes.append(
        f"Medians of {suite.options.rounds} interleaved rounds of {seconds:.0f} s; "
        "target ratio ≤ 1.3. "
        + (
            "Both histories gave identical answers."
            if same
            else "WARNING: the histories' answers differ."
        )
    )
    suite.emit(table, before)
    for *_, server in targets:
        suite.stop(server)


def by_rows(by: dict[tuple[str, int], tuple[datasets.Dataset, dict[str, float]]], rows: int) -> str:
    found = [d.rows for (_, r), (d, _) in by.items() if r == rows]
    count = found[0] if found else rows
    return f"{count / 1e6:.1f}M rows" if count >= 1e6 else f"{count:,} rows"
