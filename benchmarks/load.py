"""Load generators: wrk (a C client, so the client does not eat the server's cores) with a
generated Lua script, and an asyncio client for slow or bulky requests and when wrk is missing.
"""

import asyncio
import json
import shutil
import statistics
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from benchmarks.servers import SCRATCH

RESULT_TAG = "BENCHJSON "


@dataclass(frozen=True)
class Request:
    """One HTTP request a load generator sends."""

    method: str
    path: str
    headers: dict[str, str]
    body: str | None = None


@dataclass
class Sample:
    """What one bounded load run measured."""

    requests: int
    ok: int
    seconds: float
    p50_ms: float
    p99_ms: float
    statuses: Counter[int] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        """Successful (2xx) requests per second."""
        return self.ok / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.requests - self.ok


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def _lua_string(text: str) -> str:
    level = 0
    # The first closing bracket must be ours: not inside the text, nor begun by its end.
    while (text + f"]{'=' * level}]").find(f"]{'=' * level}]") != len(text):
        level += 1
    eq = "=" * level
    # A long bracket drops a newline that directly follows the opening bracket.
    return f"[{eq}[\n{text}]{eq}]"


def _lua_request(request: Request) -> str:
    headers = ", ".join(
        f"[ {_lua_string(k)} ] = {_lua_string(v)}" for k, v in request.headers.items()
    )
    body = "nil" if request.body is None else _lua_string(request.body)
    return f"{{{_lua_string(request.method)}, {_lua_string(request.path)}, {{{headers}}}, {body}}}"


_LUA_BODY = """
local formatted = {}
local counter = 0
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  for i, r in ipairs(reqs) do formatted[i] = wrk.format(r[1], r[2], r[3], r[4]) end
  counter = (tid or 1) * 7
end
function request()
  counter = counter + 1
  local i = (counter - 1) % #reqs + 1
  if unique_header then
    local r = reqs[i]
    r[3][unique_header] = "bench-" .. (tid or 1) .. "-" .. counter .. "-" .. os.time()
    return wrk.format(r[1], r[2], r[3], r[4])
  end
  return formatted[i]
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCHJSON {\\"requests\\":%d,\\"duration_us\\":%d,\\"status\\":%d,\\"connect\\":%d,"
    .. "\\"read\\":%d,\\"write\\":%d,\\"timeout\\":%d,\\"p50\\":%d,\\"p99\\":%d}\\n",
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def wrk_script(requests: Sequence[Request], unique_header: str | None = None) -> str:
    """Return a wrk Lua script cycling through ``requests`` (optionally a unique id header)."""
    items = ",\n".join(_lua_request(r) for r in requests)
    unique = "nil" if unique_header is None else _lua_string(unique_header)
    return f"reqs = {{\n{items}\n}}\nunique_header = {unique}\n{_LUA_BODY}"


def _wrk(
    base: str, requests: Sequence[Request], connections: int, seconds: float, unique: str | None
) -> Sample:
    """Run wrk against ``base`` for ``seconds`` with ``connections`` open connections."""
    threads = min(2, connections)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", dir=_scratch(), delete=False) as f:
        f.write(wrk_script(requests, unique))
        script = f.name
    try:
        command = [
            "wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
            "--timeout", "60s", "-s", script, base,
        ]  # fmt: skip
        out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 90)
    finally:
        Path(script).unlink(missing_ok=True)
    line = next((x for x in out.stdout.splitlines() if x.startswith(RESULT_TAG)), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result: {out.stderr.strip() or out.stdout.strip()}")
    r = json.loads(line[len(RESULT_TAG) :])
    socket_errors = r["connect"] + r["read"] + r["write"] + r["timeout"]
    statuses: Counter[int] = Counter()
    if r["status"]:
        statuses[0] = r["status"]  # wrk tells how many were non-2xx/3xx, not which
    return Sample(
        requests=r["requests"] + r["connect"],
        ok=max(r["requests"] - r["status"] - socket_errors, 0),
        seconds=r["duration_us"] / 1e6,
        p50_ms=r["p50"] / 1000,
        p99_ms=r["p99"] / 1000,
        statuses=statuses,
    )


def _scratch() -> str:
    path = SCRATCH / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return str(path)


async def _client_run(
    base: str,
    requests: Sequence[Request],
    connections: int,
    seconds: float | None,
    count: int | None,
    timeout_s: float,
) -> Sample:
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    deadline = time.monotonic() + seconds if seconds is not None else None
    issued = 0

    def next_index() -> int | None:
        nonlocal issued
        if count is not None and issued >= count:
            return None
        if deadline is not None and time.monotonic() >= deadline:
            return None
        issued += 1
        return issued - 1

    async def worker(session: aiohttp.ClientSession) -> None:
        while (i := next_index()) is not None:
            r = requests[i % len(requests)]
            started = time.perf_counter()
            try:
                async with session.request(
                    r.method, base + r.path, headers=r.headers, data=r.body
                ) as resp:
                    await resp.read()
                    statuses[resp.status] += 1
            except (aiohttp.ClientError, TimeoutError):
                statuses[-1] += 1
            latencies.append(time.perf_counter() - started)

    connector = aiohttp.TCPConnector(limit=connections)
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    started = time.perf_counter()
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(worker(session) for _ in range(connections)))
    elapsed = time.perf_counter() - started
    return Sample(
        requests=sum(statuses.values()),
        ok=sum(n for s, n in statuses.items() if 200 <= s < 300),
        seconds=elapsed,
        p50_ms=percentile(latencies, 50) * 1000,
        p99_ms=percentile(latencies, 99) * 1000,
        statuses=statuses,
    )


def run_client(
    base: str,
    requests: Sequence[Request],
    *,
    connections: int = 1,
    seconds: float | None = None,
    count: int | None = None,
    timeout_s: float = 600,
) -> Sample:
    """Send ``requests`` in a cycle from an asyncio client for ``seconds`` or ``count`` requests."""
    return asyncio.run(_client_run(base, requests, connections, seconds, count, timeout_s))


def run(
    base: str,
    requests: Sequence[Request],
    *,
    connections: int,
    seconds: float,
    unique_header: str | None = None,
) -> Sample:
    """Run a timed load with wrk when installed, else with the asyncio client."""
    if have_wrk():
        return _wrk(base, requests, connections, seconds, unique_header)
    if unique_header is not None:
        requests = [_with_id(r, unique_header, i) for i, r in enumerate(list(requests) * 50)]
    return run_client(base, requests, connections=connections, seconds=seconds)


def _with_id(request: Request, header: str, i: int) -> Request:
    stamp = f"bench-{i}-{time.time_ns()}"
    return Request(request.method, request.path, {**request.headers, header: stamp}, request.body)


def percentile(values: Sequence[float], p: float) -> float:
    """Return the ``p``-th percentile (nearest rank) of ``values``, 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else 0.0
