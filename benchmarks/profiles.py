"""Where a gateway's time goes under load: py-spy samples of the server process, summarised
as the hottest leaf functions, the gateway's own functions by inclusive time, and how the
machine's CPU split between the gateway and its PostgreSQL backends.
"""

import linecache
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import machine, pg, servers
from benchmarks.suite import Suite

TOP = 12
OWN = ("gateway", "schema", "resolvers", "storage")
PACKAGES = (
    "aiosqlite", "sqlalchemy", "asyncpg", "strawberry", "graphql", "aiohttp", "multidict",
    "yarl", "json", "asyncio", "threading", "sqlite3", "hashlib", "zoneinfo", "datetime",
)  # fmt: skip


def py_spy() -> str | None:
    found = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    return found if Path(found).exists() else None


# py-spy samples only Python frames: a leaf in aiosqlite's worker loop is either inside the
# sqlite3 C call it makes, or waking up from its queue (the hand-off between threads).
WORKER = "_connection_worker_thread (aiosqlite/"


def _worker_line(frame: str) -> str:
    """Return the source line of an aiosqlite worker-loop frame ('' if unknown)."""
    try:
        import aiosqlite

        path, line = frame.rsplit("(aiosqlite/", 1)[1].rstrip(")").rsplit(":", 1)
        return linecache.getline(str(Path(aiosqlite.__file__).parent / path), int(line))
    except (ImportError, ValueError, IndexError):
        return ""


def _own(location: str) -> str | None:
    for own in OWN:
        if location.startswith(own + "/") or f"/{own}/" in location:
            return own
    return None


def _package(frame: str) -> str:
    if frame.startswith(WORKER):
        if ".get(" in _worker_line(frame):
            return "aiosqlite thread hand-off (queue wake-up)"
        return "sqlite3 C code, in aiosqlite's thread"
    location = frame.rsplit("(", 1)[-1]
    own = _own(location)
    if own is not None:
        return own
    for name in PACKAGES:
        if f"/{name}/" in location or f"/{name}.py" in location or location.startswith(f"{name}"):
            return name
    if "site-packages/" in location:
        return location.split("site-packages/", 1)[1].split("/", 1)[0]
    return location.split(":", 1)[0].rsplit("/", 1)[-1] or "other"


def summarize(collapsed: str) -> list[str]:
    """Return summary lines of py-spy ``raw`` (collapsed stacks) output."""
    total = 0
    leaves: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        n = int(count_text)
        frames = stack.split(";")
        total += n
        leaves[frames[-1]] += n
        packages[_package(frames[-1])] += n
        # Inclusive time per function (a frame names its line: drop it), counted once a stack.
        functions = {frame.rsplit(":", 1)[0] + ")" for frame in frames}
        for function in functions:
            if _own(function.rsplit("(", 1)[-1]) is not None and "/cli/" not in function:
                own[function] += n
    if not total:
        return ["no samples (the process was idle?)"]

    def share(n: int) -> str:
        return f"{100 * n / total:5.1f}%"

    lines = [f"{total} samples", "self time by package of the leaf frame:"]
    lines += [f"  {share(n)}  {name}" for name, n in packages.most_common(TOP)]
    lines.append("hottest leaf functions:")
    lines += [f"  {share(n)}  {name}" for name, n in leaves.most_common(TOP)]
    lines.append("the gateway's own functions, inclusive:")
    lines += [f"  {share(n)}  {name}" for name, n in own.most_common(TOP)]
    return lines


def record(
    suite: Suite,
    name: str,
    server: servers.Server,
    backend: str,
    action: Callable[[], Any],
    pg_database: str | None = None,
) -> None:
    """Run ``action`` while py-spy samples ``server``; print and keep a summary."""
    binary = py_spy()
    if binary is None:
        suite.log("profile skipped: py-spy is not installed (pip install py-spy)")
        return
    out_dir = servers.SCRATCH / "profiles"
    out_dir.mkdir(parents=True, exist_ok=True)
    raw = out_dir / f"{name}.txt"
    seconds = suite.options.profile_seconds
    if backend == "postgresql" and pg_database is None:
        pg_database = suite.feed_url(backend)[1]
    suite.log(f"profiling {name} for {seconds:.0f} s")
    spy = subprocess.Popen(
        [binary, "record", "--nonblocking", "--format", "raw", "-d", str(round(seconds) + 1),
         "-p", str(server.pid), "-o", str(raw)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    time.sleep(1)
    backends = pg.backend_pids(pg_database) if pg_database else []
    cpu_before = machine.cpu_seconds(server.pid), sum(machine.cpu_seconds(p) for p in backends)
    started = time.monotonic()
    action()
    wall = time.monotonic() - started
    backends = list(set(backends) | set(pg.backend_pids(pg_database) if pg_database else []))
    cpu_after = machine.cpu_seconds(server.pid), sum(machine.cpu_seconds(p) for p in backends)
    _, err = spy.communicate(timeout=seconds + 60)
    if spy.returncode != 0 or not raw.exists():
        suite.log(f"py-spy failed: {err.decode(errors='replace').strip()[-300:]}")
        return
    lines = [
        f"CPU over {wall:.1f} s: gateway process "
        f"{100 * (cpu_after[0] - cpu_before[0]) / wall:.0f}% of a core"
    ]
    if pg_database:
        lines[0] += f", its PostgreSQL backends {100 * (cpu_after[1] - cpu_before[1]) / wall:.0f}%"
    lines += summarize(raw.read_text())
    text = f"#### Profile {name} (stacks: {raw})\n\n```\n" + "\n".join(lines) + "\n```\n"
    suite.profiles.append(text)
    print(text, flush=True)
