"""Workload 8: the dashboard's first render in headless Chromium, on 90 days of demo data.

Per database, in interleaved rounds: the overview over the last 90 days, and a flag view
with a 90-day hourly series (2,160 buckets per variation). A render is timed by the page's
own clock, from navigation start to the first frame after the view has rendered
(``#app[data-painted-at]``); of that, the slowest ``/graphql`` request (resource timing) is
the gateway's part and "after data" (render end minus the last answer's arrival) the
browser's. The HTTP cache is warm (a reload), the token comes in the fragment.

Stand-alone, it also takes the README's screenshots from the same demo data:
``.venv/bin/python -m benchmarks.dashboard --screenshots docs/``.
"""

import argparse
import asyncio
import base64
import json
import shutil
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import load, machine, pg, servers
from benchmarks.report import Table, ms
from benchmarks.suite import Suite
from tests import chromium

DAYS = 90
PG_DATABASE = f"{pg.PREFIX}dashboard"
RENDER_LIMIT_S = 300.0
READ = """(() => {
  const app = document.getElementById('app');
  if (!app || !app.dataset.paintedAt) return null;
  const asks = performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/graphql'));
  const error = document.querySelector('.state-error');
  return {
    painted: Number(app.dataset.paintedAt),
    shown: Number(app.dataset.shownAt || app.dataset.paintedAt),
    firstAsk: Math.min(...asks.map((e) => e.startTime)),
    slowest: Math.max(0, ...asks.map((e) => e.responseEnd - e.startTime)),
    lastAnswer: Math.max(0, ...asks.map((e) => e.responseEnd)),
    requests: asks.length,
    error: error ? error.textContent : null,
  };
})()"""


@dataclass(frozen=True)
class View:
    name: str
    path: str


def demo_database(backend: str, log: Callable[[str], None]) -> tuple[str, str | None]:
    """Write a fresh database with 90 days of demo data ending now; return its URL and name."""
    if backend == "sqlite":
        path = servers.SCRATCH / "data" / "dashboard-demo.sqlite"
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob("dashboard-demo.sqlite*"):
            old.unlink()
        url, database = f"sqlite+aiosqlite:///{path}", None
    else:
        pg.create(PG_DATABASE)
        url, database = pg.url(PG_DATABASE), PG_DATABASE
    log(f"writing {DAYS} days of demo data ({backend})")
    done = servers.gateway_cli("seed", "--days", str(DAYS), "--database", url)
    if done.returncode != 0:
        raise RuntimeError(f"gateway seed failed: {done.stderr.strip()[-500:]}")
    return url, database


def graphql(server: servers.Server, query: str) -> Any:
    request = urllib.request.Request(
        server.base + "/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Authorization": servers.ADMIN, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=600) as answer:
        return json.loads(answer.read())["data"]


def views(server: servers.Server) -> list[View]:
    """The overview over 90 days, and the busiest flag's 90-day hourly series."""
    since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - DAYS * 86400))
    node = "node { key project environment }"
    query = f'{{ flags(from: "{since}", first: 1) {{ edges {{ {node} }} }} }}'
    top = graphql(server, query)["flags"]["edges"][0]["node"]
    flag = (
        f"/dashboard/flag?project={top['project']}&env={top['environment']}&flag={top['key']}"
        "&range=90d&gran=HOURLY&tz=UTC"
    )
    return [View("overview, 90 days", "/?range=90d&tz=UTC"), View("flag, 90 days hourly", flag)]


async def render(page: chromium.Page, url: str) -> dict[str, Any]:
    """Open ``url`` and return the page's timings once its view has rendered."""
    await page.send("Page.navigate", url="about:blank")
    await page.send("Page.navigate", url=url)
    deadline = time.monotonic() + RENDER_LIMIT_S
    while time.monotonic() < deadline:
        found = await page.evaluate(READ)
        if found:
            if found["error"]:
                raise RuntimeError(f"{url}: the page shows an error: {found['error']}")
            return dict(found)
        await asyncio.sleep(0.05)
    raise TimeoutError(f"{url} did not render within {RENDER_LIMIT_S:.0f} s")


async def measure_all(
    targets: list[tuple[str, servers.Server, View]], rounds: int, log: Callable[[str], None]
) -> list[dict[str, float]]:
    samples: list[dict[str, list[float]]] = [{} for _ in targets]
    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as workdir:
        async with chromium.launch(Path(workdir)) as page:
            for _, server, view in targets:  # warm the HTTP cache and the database's pages
                await render(page, f"{server.base}{view.path}#token={servers.ADMIN}")
            for r in range(rounds):
                order = list(range(len(targets)))
                order = order[r % len(order) :] + order[: r % len(order)]
                for i in order:
                    _, server, view = targets[i]
                    found = await render(page, f"{server.base}{view.path}#token={servers.ADMIN}")
                    for key, value in {
                        "shown": found["shown"],
                        "first ask": found["firstAsk"],
                        "render": found["painted"],
                        "graphql": found["slowest"],
                        "after": found["painted"] - found["lastAnswer"],
                    }.items():
                        samples[i].setdefault(key, []).append(value)
                log(f"round {r + 1}/{rounds} done")
    return [{k: load.median(v) for k, v in s.items()} for s in samples]


def run(suite: Suite) -> None:
    before = machine.load()
    if shutil.which("chromium") is None:
        table = Table("8. Dashboard first render", [])
        table.notes.append("Not run: chromium is not installed (apt-get install chromium).")
        suite.emit(table, before)
        return
    targets = []
    for backend in suite.options.backends:
        url, database = demo_database(backend, suite.log)
        server = suite.gateway(
            f"dashboard-{backend}", url, pg_database=database, ingest_token=False
        )
        targets += [(backend, server, view) for view in views(server)]
    suite.log("workload 8: dashboard first render")
    results = asyncio.run(measure_all(targets, suite.options.rounds, suite.log))
    table = Table(
        "8. Dashboard first render (headless Chromium, 90 days of demo data)",
        ["database", "view", "first content", "complete", "first /graphql sent",
         "slowest /graphql", "after data"],
    )  # fmt: skip
    for (backend, _, view), r in zip(targets, results, strict=True):
        table.add(
            backend, view.name, ms(r["shown"]), ms(r["render"]), ms(r["first ask"]),
            ms(r["graphql"]), ms(r["after"]),
        )  # fmt: skip
    table.notes.append(
        f"Medians of {suite.options.rounds} interleaved rounds, by the page's clock from "
        "navigation (HTTP cache warm): first content is the first frame showing the view's main "
        "content (the overview's MAU card comes later, in its own query), complete the first "
        'frame after everything. "after data" is the browser\'s part: complete minus the '
        "arrival of the last GraphQL answer."
    )
    suite.emit(table, before)
    for server in {id(t[1]): t[1] for t in targets}.values():
        suite.stop(server)
    if "postgresql" in suite.options.backends:
        pg.drop(PG_DATABASE)  # demo data ends at the run's time: nothing worth keeping


# ---- stand-alone: the README's screenshots ---------------------------------------------------


async def screenshots(server: servers.Server, out: Path, token: str) -> list[Path]:
    """Save the overview and the busiest flag's view (last 30 days, UTC) as PNGs in ``out``."""
    flag = views(server)[1].path.replace("range=90d&gran=HOURLY", "range=30d")
    shots = [("dashboard-overview.png", "/?tz=UTC"), ("dashboard-flag.png", flag)]
    written = []
    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as workdir:
        async with chromium.launch(Path(workdir)) as page:
            for name, path in shots:
                await page.send(
                    "Emulation.setDeviceMetricsOverride", width=1280, height=900,
                    deviceScaleFactor=1, mobile=False,
                )  # fmt: skip
                await render(page, f"{server.base}{path}#token={token}")
                height = await page.evaluate("document.documentElement.scrollHeight")
                await page.send(
                    "Emulation.setDeviceMetricsOverride", width=1280, height=min(height, 2400),
                    deviceScaleFactor=1, mobile=False,
                )  # fmt: skip
                await asyncio.sleep(0.5)  # charts follow the new width in the next frames
                data = (await page.send("Page.captureScreenshot", format="png"))["data"]
                (out / name).write_bytes(base64.b64decode(data))
                written.append(out / name)
    return written


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.dashboard", description=__doc__)
    parser.add_argument("--screenshots", type=Path, required=True, help="directory for the PNGs")
    parser.add_argument(
        "--database", help="a database with demo data to use (default: write a fresh SQLite one)"
    )
    args = parser.parse_args(argv)
    url = args.database or demo_database("sqlite", lambda line: print(line, file=sys.stderr))[0]
    # A read token, as most people looking at the dashboard would hold.
    made = servers.gateway_cli(
        "tokens", "create", "--type", "read", "--name", "viewer", "--database", url
    )
    if made.returncode != 0:
        raise SystemExit(f"gateway tokens create failed: {made.stderr.strip()}")
    server = servers.start_gateway("dashboard-shots", url, ingest_token=False)
    try:
        args.screenshots.mkdir(parents=True, exist_ok=True)
        for path in asyncio.run(screenshots(server, args.screenshots, made.stdout.strip())):
            print(path)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
