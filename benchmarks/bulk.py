"""Workload 4: the bulk ingestion API under 4 concurrent clients posting overlapping data.

Every batch holds the same 1,000 records (evaluations: 10 flags x 50 minutes x 2 variations;
or context sightings: 1,000 keys over the same 50 minutes), each batch in its own shuffled
order, so concurrent transactions touch the same rows in different orders. Counted: records
in batches acknowledged with 202, per second, and the batches that failed (by status).
"""

from collections import Counter

from benchmarks import load, machine, payloads
from benchmarks.report import Table, ms, rate
from benchmarks.suite import Suite

CLIENTS = 4
BATCHES = 24
RECORDS = 1000


def _statuses(counter: Counter[int]) -> str:
    bad = {s: n for s, n in counter.items() if not 200 <= s < 300}
    if not bad:
        return "none"
    return ", ".join(f"{n:.0f}x {'socket error' if s < 0 else s}" for s, n in sorted(bad.items()))


def run(suite: Suite) -> None:
    suite.prepare_feeds(with_unleash=False)
    before = machine.load()
    kinds = {
        "evaluation records": [
            payloads.ingest_request(payloads.bulk_evaluations(suite.now, seed))
            for seed in range(BATCHES)
        ],
        "context sightings": [
            payloads.ingest_request(payloads.bulk_contexts(suite.now, seed))
            for seed in range(BATCHES)
        ],
    }
    measured = [(backend, kind) for backend in suite.feeds for kind in kinds]
    failures: dict[tuple[str, str], Counter[int]] = {m: Counter() for m in measured}
    seconds = suite.options.bulk_seconds

    def measure(target: tuple[str, str]) -> dict[str, float]:
        backend, kind = target
        sample = load.run_client(
            suite.feeds[backend].base,
            kinds[kind],
            connections=CLIENTS,
            seconds=seconds,
            timeout_s=120,
        )
        failures[target].update(sample.statuses)
        return {
            "records": sample.ok * RECORDS / sample.seconds,
            "ok": sample.ok, "failed": sample.errors,
            "p50": sample.p50_ms, "p99": sample.p99_ms,
        }  # fmt: skip

    suite.log("workload 4: bulk API, 4 concurrent clients")
    results = suite.interleaved(measured, measure)
    table = Table(
        "4. Bulk API ingestion, 4 clients, overlapping batches of 1,000 records",
        ["database", "records", "records/s acknowledged", "batches 202 / round",
         "batches failed / round",
         "batch p50", "batch p99", "failures (all rounds)"],
    )  # fmt: skip
    for target, r in zip(measured, results, strict=True):
        table.add(
            f"gateway {target[0]}", target[1], rate(r["records"]), f"{r['ok']:.0f}",
            f"{r['failed']:.0f}",
            ms(r["p50"]), ms(r["p99"]), _statuses(failures[target]),
        )  # fmt: skip
    table.notes.append(
        f"Medians of {suite.options.rounds} interleaved rounds of {seconds:.0f} s each; targets: "
        "≥ 50k evaluation records/s and ≥ 20k context sightings/s, no failures."
    )
    suite.emit(table, before)
