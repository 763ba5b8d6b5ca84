"""Throughput side by side: each target's 2xx answers per second at c=16, over interleaved
rounds, and its ratio to the peer's (the first target when Unleash runs)."""

from dataclasses import dataclass
from functools import partial

from benchmarks import load, machine, profiles
from benchmarks.report import Table, divide, ms, rate, ratio
from benchmarks.suite import Suite

HIGH = 16


@dataclass(frozen=True)
class Target:
    """A server's endpoint under load: a label, where, what to send."""

    label: str
    base: str
    requests: list[load.Request]
    unique_header: str | None = None


def finish(suite: Suite, table: Table, before: tuple[float, float, float], note: str) -> None:
    """Add the run's notes to a table and print it."""
    table.notes.append(note)
    if suite.unleash_note:
        table.notes.append(suite.unleash_note)
    suite.emit(table, before)


def compare(suite: Suite, title: str, header: list[str], targets: list[Target], note: str) -> None:
    """Measure every target at c=16 and print rate, p50, p99, errors and the ratio to the peer."""
    before = machine.load()
    seconds = suite.options.seconds

    def measure(target: Target) -> dict[str, float]:
        sample = load.run(
            target.base, target.requests, connections=HIGH, seconds=seconds,
            unique_header=target.unique_header,
        )  # fmt: skip
        return {
            "rps": sample.rate,
            "p50": sample.p50_ms,
            "p99": sample.p99_ms,
            "errors": sample.errors,
        }

    for target in targets:
        load.run(target.base, target.requests, connections=4, seconds=1)  # warm-up
    results = suite.interleaved(targets, measure)
    peer = results[0] if suite.unleash is not None else None
    table = Table(title, header)
    for target, r in zip(targets, results, strict=True):
        vs = ratio(divide(r["rps"], peer["rps"])) if peer and r is not peer else "-"
        table.add(
            target.label, rate(r["rps"]), ms(r["p50"]), ms(r["p99"]), f"{r['errors']:.0f}", vs
        )
    rounds = f"Medians of {suite.options.rounds} interleaved rounds of {seconds:.0f} s. "
    finish(suite, table, before, rounds + note)


def profile_load(
    suite: Suite, name: str, requests: list[load.Request], unique_header: str | None = None
) -> None:
    """Profile every feed gateway under ``requests`` at c=16 (with --profile)."""
    if not suite.options.profile:
        return
    for backend, server in suite.feeds.items():
        run = partial(
            load.run, server.base, requests, connections=HIGH,
            seconds=suite.options.profile_seconds, unique_header=unique_header,
        )  # fmt: skip
        profiles.record(suite, f"{name}-{backend}", server, backend, run)
