"""The benchmark suite: ``python -m benchmarks [options]`` (see benchmarks/README.md)."""

import argparse
import os
import shutil
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import (
    bulk,
    dashboard,
    documents,
    history,
    load,
    machine,
    mau,
    memory,
    pg,
    reads,
    sdk_ingest,
    servers,
)
from benchmarks.suite import BACKENDS, Options, Suite

WORKLOADS: dict[int, tuple[str, Callable[[Suite], None]]] = {
    1: ("series", reads.run),
    2: ("statistics", documents.run),
    3: ("sdk-ingest", sdk_ingest.run),
    4: ("bulk", bulk.run),
    5: ("mau", mau.run),
    6: ("history", history.run),
    7: ("memory", memory.run),
    8: ("dashboard", dashboard.run),
}


def _workloads(text: str) -> list[int]:
    names = {name: number for number, (name, _) in WORKLOADS.items()}
    chosen = []
    for part in text.split(","):
        part = part.strip()
        if part.isdigit() and int(part) in WORKLOADS:
            chosen.append(int(part))
        elif part in names:
            chosen.append(names[part])
        elif part == "all":
            chosen += list(WORKLOADS)
        else:
            raise argparse.ArgumentTypeError(
                f"unknown workload {part!r} (1-{len(WORKLOADS)} or {', '.join(names)})"
            )
    return sorted(set(chosen))


def _sizes(text: str) -> list[int]:
    units = {"k": 1_000, "m": 1_000_000}
    return [
        int(float(p[:-1]) * units[p[-1].lower()]) if p[-1].lower() in units else int(p)
        for p in text.split(",")
    ]


def parse(argv: list[str]) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Run the gateway's benchmark suite and print one Markdown table per workload.",
    )
    parser.add_argument(
        "-w",
        "--workloads",
        type=_workloads,
        default=list(WORKLOADS),
        help="comma-separated numbers or names: "
        + ", ".join(f"{n}={name}" for n, (name, _) in WORKLOADS.items())
        + " (default: all)",
    )
    parser.add_argument(
        "-d", "--databases", default=",".join(BACKENDS), help="sqlite,postgresql (default: both)"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="2 rounds of 2 s, small histories (5M rows), MAU 100k only, 30 s memory run",
    )
    parser.add_argument(
        "--rounds", type=int, help="interleaved rounds per workload (default 5, quick 2)"
    )
    parser.add_argument(
        "--seconds", type=float, help="seconds per timed load run (default 5, quick 2)"
    )
    parser.add_argument(
        "--clean", action="store_true",
        help="drop every cached dataset (ugbench_* databases, cached SQLite files) and exit",
    )  # fmt: skip
    parser.add_argument("--no-unleash", action="store_true", help="do not install or start Unleash")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="py-spy profiles of workloads 1, 3 and 5 (and the PostgreSQL plan of MAU)",
    )
    parser.add_argument("--profile-seconds", type=float, default=15.0)
    parser.add_argument(
        "--history-rows",
        type=_sizes,
        help="history sizes for workload 6 (default 1m,50m; quick 1m,5m)",
    )
    parser.add_argument(
        "--mau-contexts",
        help="contexts/month per database for workload 5, as N:db,... "
        "(default 100k:sqlite,100k:postgresql,1m:postgresql)",
    )
    parser.add_argument(
        "--mau-budget",
        type=float,
        help="seconds one MAU variant may spend per dataset (default 90, quick 30)",
    )
    parser.add_argument(
        "--bulk-seconds", type=float, help="seconds per bulk-ingestion run (default 15, quick 5)"
    )
    parser.add_argument(
        "--memory-seconds",
        type=float,
        help="length of the mixed run of workload 7 (default 120, quick 30)",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        help="source tree of an earlier gateway (e.g. `git worktree add /tmp/base main`): "
        "workloads 1-4 also run it, on databases of its own, in the same rounds",
    )
    args = parser.parse_args(argv)
    if args.clean:
        clean()
        parser.exit(0)
    backends = [b.strip() for b in args.databases.split(",") if b.strip()]
    for b in backends:
        if b not in BACKENDS:
            parser.error(f"unknown database {b!r} (sqlite or postgresql)")
    quick = args.quick
    mau_text = args.mau_contexts or (
        "100k:sqlite,100k:postgresql" if quick else "100k:sqlite,100k:postgresql,1m:postgresql"
    )
    mau_contexts = [
        (_sizes(n)[0], db) for n, db in (part.split(":") for part in mau_text.split(","))
    ]
    return Options(
        workloads=args.workloads,
        backends=backends,
        quick=quick,
        rounds=args.rounds or (2 if quick else 5),
        seconds=args.seconds or (2.0 if quick else 5.0),
        unleash=not args.no_unleash,
        profile=args.profile,
        profile_seconds=args.profile_seconds,
        history_rows=args.history_rows
        or ([1_000_000, 5_000_000] if quick else [1_000_000, 50_000_000]),
        mau_contexts=mau_contexts,
        mau_budget_s=args.mau_budget or (30.0 if quick else 90.0),
        bulk_seconds=args.bulk_seconds or (5.0 if quick else 15.0),
        memory_seconds=args.memory_seconds or (30.0 if quick else 120.0),
        baseline=args.baseline,
    )


def clean() -> None:
    """Drop the bench's PostgreSQL databases and cached files."""
    if pg.available() is None:
        for name in pg.databases(pg.PREFIX):
            pg.drop(name)
            print(f"dropped database {name}")
    data = servers.SCRATCH / "data"
    if data.exists():
        shutil.rmtree(data)
        print(f"removed {data}")


def main(argv: list[str]) -> int:
    options = parse(argv)
    suite = Suite(options)
    load_before = machine.load()
    started = time.monotonic()
    names = ", ".join(f"{n} {WORKLOADS[n][0]}" for n in options.workloads)
    head = [
        f"## Benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {machine.describe()}.  ",
        f"Load average (1/5/15 min) at start: {machine.load_text(load_before)}.  ",
        f"Workloads: {names}; databases: {', '.join(options.backends)}; "
        f"{options.rounds} rounds of {options.seconds:.0f} s; "
        f"client: {'wrk' if load.have_wrk() else 'asyncio (wrk not installed)'}.  ",
        "",
    ]
    if load_before[0] >= (os.cpu_count() or 1):
        head.insert(
            -1,
            "Note: the load average is at or above the core count: other work shares the "
            "machine, so compare the ratios of this run rather than absolute figures.",
        )
    print("\n".join(head), flush=True)
    failed = []
    try:
        for number in options.workloads:
            name, run = WORKLOADS[number]
            try:
                run(suite)
            except Exception as exc:  # one broken workload must not hide the others' tables
                failed.append(f"workload {number} ({name}) failed: {type(exc).__name__}: {exc}")
                suite.log(failed[-1])
    finally:
        suite.close()
    tail = [
        f"Load average at end: {machine.load_text(machine.load())}; "
        f"the run took {(time.monotonic() - started) / 60:.1f} min.  ",
        *[f"{f}  " for f in failed],
    ]
    print("\n".join(tail), flush=True)
    options.out.mkdir(parents=True, exist_ok=True)
    report = options.out / f"bench-{datetime.now(UTC):%Y%m%d-%H%M%S}.md"
    body = (
        "\n".join(head)
        + "\n"
        + "\n".join(t.markdown() for t in suite.tables)
        + "\n"
        + "\n".join(tail)
        + "\n"
    )
    if suite.profiles:
        body += "\n## Profiles\n\n" + "\n".join(suite.profiles)
    report.write_text(body)
    suite.log(f"report written to {report}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
