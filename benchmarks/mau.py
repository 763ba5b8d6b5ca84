"""Workload 5: monthly active contexts, rolling 30 days over a 30-day range, exact.

Datasets of N distinct contexts a month (each active one day in five), written straight into
``context_days``. Each answer is checked: every day of the range must count exactly N.
"""

import glob
import time
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks import datasets, load, machine, mau_storage, payloads, pg, profiles, servers
from benchmarks.report import Table, divide, ms, ratio
from benchmarks.suite import Suite, get_json


def _variants() -> dict[str, load.Request]:
    lo, hi = datasets.mau_range()
    headers = {"Authorization": servers.ADMIN, "LD-API-Version": "beta"}
    path = f"/api/v2/usage/mau?from={payloads.ms(lo)}&to={payloads.ms(hi)}"
    return {
        "REST": load.Request("GET", path, headers),
        "REST groupby=sdktype": load.Request("GET", path + "&groupby=sdktype", headers),
        "GraphQL mau": payloads.graphql(
            f'{{ mau(from: "{payloads.iso(lo)}", to: "{payloads.iso(hi)}") '
            "{ granularity series { labels { sdkType } total times values } } }"
        ),
    }


def _exact(server: servers.Server, request: load.Request, contexts: int) -> tuple[str, float]:
    """Check one answer counts ``contexts`` on each of the 30 days; return the verdict and
    the milliseconds it took (a slow query's check is also its first sample)."""
    started = time.perf_counter()
    answer = get_json(server, request)
    elapsed = (time.perf_counter() - started) * 1000
    days = [sum(v for k, v in point.items() if k != "time") for point in answer["series"]]
    if len(days) == 30 and all(d == contexts for d in days):
        return "exact", elapsed
    return f"WRONG: {len(days)} days, values {sorted(set(days))[:5]}", elapsed


def run(suite: Suite) -> None:
    before = machine.load()
    wanted = [(n, b) for n, b in suite.options.mau_contexts if b in suite.options.backends]
    targets = []
    for contexts, backend in wanted:
        dataset = datasets.mau(contexts, backend, suite.log)
        server = suite.gateway(
            f"mau-{contexts}-{backend}",
            dataset.url,
            pg_database=dataset.pg_database,
            ingest_token=False,
        )
        targets.append((contexts, dataset, server))
    variants = _variants()
    budget = suite.options.mau_budget_s
    checks: dict[str, str] = {}
    samples: dict[tuple[int, str], list[float]] = {}
    spent: dict[tuple[int, str], float] = {}
    for i, (contexts, dataset, server) in enumerate(targets):
        verdict, elapsed = _exact(server, variants["REST"], contexts)
        checks[dataset.name + dataset.backend] = verdict
        # Only a slow first answer counts as a sample: a fast one may still be warming up.
        if elapsed > 1000 * budget / 10:
            samples[(i, "REST")] = [elapsed]
            spent[(i, "REST")] = elapsed / 1000
    suite.log("workload 5: MAU")
    for r in range(suite.options.rounds):
        order = list(range(len(targets)))
        order = order[r % len(order) :] + order[: r % len(order)] if order else order
        for i in order:
            _, _, server = targets[i]
            for name, request in variants.items():
                key = (i, name)
                if samples.get(key) and spent.get(key, 0) >= budget:
                    continue
                sample = load.run_client(server.base, [request], count=1, timeout_s=900)
                if sample.ok:
                    samples.setdefault(key, []).append(sample.p50_ms)
                spent[key] = spent.get(key, 0) + sample.seconds
        suite.log(f"round {r + 1}/{suite.options.rounds} done")
    table = Table(
        "5. MAU, rolling 30 days over a 30-day range (c=1)",
        ["database", "contexts/month", "context-day rows", "REST p50", "groupby=sdktype p50",
         "GraphQL p50", "sdktype ÷ REST", "GraphQL ÷ REST", "samples", "answer"],
    )  # fmt: skip
    for i, (contexts, dataset, _) in enumerate(targets):
        p50 = {name: load.median(samples.get((i, name), [])) or None for name in variants}
        table.add(
            dataset.backend, f"{contexts:,}", f"{dataset.rows:,}", ms(p50["REST"]),
            ms(p50["REST groupby=sdktype"]), ms(p50["GraphQL mau"]),
            ratio(divide(p50["REST groupby=sdktype"], p50["REST"])),
            ratio(divide(p50["GraphQL mau"], p50["REST"])),
            "/".join(str(len(samples.get((i, n), []))) for n in variants),
            checks[dataset.name + dataset.backend],
        )  # fmt: skip
    table.notes.append(
        f"Up to {suite.options.rounds} interleaved rounds, one request each, "
        "a variant stops once it "
        f"has spent {budget:.0f} s; targets: p50 ≤ 150 ms at 100k, ≤ 1.5 s at 1M (PostgreSQL), "
        "sdktype and GraphQL within 1.5x of REST."
    )
    suite.emit(table, before)
    if suite.options.profile:
        for contexts, dataset, server in targets:
            if contexts != min(n for n, _ in wanted):
                continue
            profiles.record(
                suite, f"5-mau-{contexts}-{dataset.backend}", server, dataset.backend,
                partial(
                    load.run_client, server.base, [variants["REST"]],
                    seconds=suite.options.profile_seconds, timeout_s=900,
                ),
                pg_database=dataset.pg_database,
            )  # fmt: skip
            if dataset.pg_database is not None:
                suite.stop(server)
                explain(suite, dataset, variants["REST"])
    for _, _, server in targets:
        suite.stop(server)
    # The query before the per-day run sums against today's, in-process, with the servers stopped.
    compared, before = mau_storage.table(
        [(contexts, dataset) for contexts, dataset, _ in targets], suite.options.rounds, budget
    )
    suite.emit(compared, before)


def _postgres_log() -> Path | None:
    found = sorted(glob.glob("/var/log/postgresql/postgresql-*-main.log"))
    return Path(found[-1]) if found else None


async def _execute_all(connection: Any, *, statements: list[str]) -> None:
    for statement in statements:
        await connection.execute(statement)


def explain(suite: Suite, dataset: datasets.Dataset, request: load.Request) -> None:
    """Capture PostgreSQL's executed plan of the MAU query with auto_explain (for the
    optimizer), on a gateway started just for it, then reset the database's settings."""
    log = _postgres_log()
    database = dataset.pg_database
    if log is None or database is None:
        suite.log("plan skipped: no PostgreSQL log file found")
        return
    settings = {
        "session_preload_libraries": "auto_explain", "auto_explain.log_min_duration": "100ms",
        "auto_explain.log_analyze": "on", "auto_explain.log_buffers": "on",
    }  # fmt: skip
    offset = log.stat().st_size
    statements = [f"ALTER DATABASE {database} SET {k} = '{v}'" for k, v in settings.items()]
    pg.run(partial(_execute_all, statements=statements))
    try:
        server = suite.gateway(
            f"explain-{dataset.name}", dataset.url, pg_database=database, ingest_token=False
        )
        try:
            load.run_client(server.base, [request], count=1, timeout_s=900)
            time.sleep(1)
        finally:
            suite.stop(server)
    finally:
        pg.run(lambda c: c.execute(f"ALTER DATABASE {database} RESET ALL"))
    with log.open("rb") as f:
        f.seek(offset)
        text = f.read().decode(errors="replace")
    plan, ours = [], False
    for line in text.splitlines():
        # A log entry is a header line and its indented continuation lines; keep ours only.
        if not line.startswith(("\t", " ")):
            ours = f"@{database} " in line
        if ours:
            plan.append(line)
    out = servers.SCRATCH / "profiles" / f"5-mau-plan-{dataset.name}.txt"
    out.write_text("\n".join(plan) + "\n")
    shown = "\n".join(plan[:60])
    title = f"#### PostgreSQL plan of the MAU query ({dataset.name}, full text: {out})"
    text = f"{title}\n\n```\n{shown}\n```\n"
    suite.profiles.append(text)
    print(text, flush=True)
