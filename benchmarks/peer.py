"""The peer: Unleash 8.2.0 from the npm registry, on the machine's PostgreSQL.

It is installed once into ``$BENCH_DIR/unleash`` and runs on its own database, copied for
every run from a template that Unleash migrated once, so each run starts from the same state.
"""

import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request

from benchmarks import pg, servers

VERSION = "8.2.0"
HOME = servers.SCRATCH / "unleash"
DATABASE = f"{pg.PREFIX}unleash"
TEMPLATE = f"{pg.PREFIX}unleash_tpl_{VERSION.replace('.', '')}"
ADMIN = "*:*.bench-unleash-admin"
CLIENT = f"{servers.PROJECT}:{servers.ENVIRONMENT}.bench-unleash-client"
# Unleash's own request limits (6,000 metrics posts a minute per default) would measure the
# limiter, not the server: they are raised far above what a 2-core run can send.
_NO_LIMIT = 10_000_000

_START = """
import { start } from 'unleash-server';
const noLimit = Number(process.env.BENCH_NO_LIMIT);
await start({
  db: { host: process.env.BENCH_PGHOST, port: Number(process.env.BENCH_PGPORT),
        user: process.env.BENCH_PGUSER, password: process.env.BENCH_PGPASSWORD || '',
        database: process.env.BENCH_PGDATABASE, ssl: false },
  server: { port: Number(process.env.BENCH_PORT), host: '127.0.0.1' },
  versionCheck: { enable: false },
  telemetry: false,
  logLevel: 'warn',
  metricsRateLimiting: { clientMetricsMaxPerMinute: noLimit, clientRegisterMaxPerMinute: noLimit,
                         frontendMetricsMaxPerMinute: noLimit,
                         frontendRegisterMaxPerMinute: noLimit },
  rateLimiting: { tokenAuthenticationMaxPerMinute: noLimit, sdkApiMaxPerMinute: noLimit },
  authentication: {
    initApiTokens: [
      { environment: '*', projects: ['*'], secret: process.env.BENCH_ADMIN, type: 'admin',
        tokenName: 'bench-admin' },
      { environment: process.env.BENCH_ENV, projects: [process.env.BENCH_PROJECT],
        secret: process.env.BENCH_CLIENT, type: 'backend', tokenName: 'bench-client' },
    ],
  },
});
"""


def installed() -> bool:
    package = HOME / "node_modules" / "unleash-server" / "package.json"
    try:
        return bool(json.loads(package.read_text())["version"] == VERSION)
    except (OSError, ValueError, KeyError):
        return False


def install() -> str | None:
    """Install unleash-server from the npm registry unless present; return why not, or None."""
    if installed():
        return None
    if shutil.which("npm") is None or shutil.which("node") is None:
        return "Unleash skipped: node/npm are not installed"
    HOME.mkdir(parents=True, exist_ok=True)
    if not (HOME / "package.json").exists():
        (HOME / "package.json").write_text('{"name": "bench-unleash", "private": true}\n')
    try:
        out = subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", f"unleash-server@{VERSION}"],
            cwd=HOME, capture_output=True, text=True, timeout=900,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return "Unleash skipped: npm install did not finish within 15 minutes"
    if out.returncode != 0 or not installed():
        last = (out.stderr.strip().splitlines() or ["no output"])[-1]
        return f"Unleash skipped: npm install unleash-server@{VERSION} failed: {last}"
    return None


def _environment(port: int, database: str) -> dict[str, str]:
    address = pg.SERVER.split("://", 1)[1]
    user, _, hostport = address.rpartition("@")
    user, _, password = user.partition(":")
    host, _, port_text = hostport.partition(":")
    return {
        **os.environ,
        "BENCH_PGHOST": host, "BENCH_PGPORT": port_text or "5432",
        "BENCH_PGUSER": user or "postgres",
        "BENCH_PGPASSWORD": password, "BENCH_PGDATABASE": database, "BENCH_PORT": str(port),
        "BENCH_NO_LIMIT": str(_NO_LIMIT), "BENCH_ADMIN": ADMIN, "BENCH_CLIENT": CLIENT,
        "BENCH_ENV": servers.ENVIRONMENT, "BENCH_PROJECT": servers.PROJECT,
        "SEND_TELEMETRY": "false", "NODE_ENV": "production",
    }  # fmt: skip


def _spawn(database: str) -> servers.Server:
    script = HOME / "bench-start.mjs"
    script.write_text(_START)
    port = servers.free_port()
    log = servers.logs() / "unleash.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["node", str(script)], cwd=HOME, stdout=out, stderr=subprocess.STDOUT,
            env=_environment(port, database),
        )  # fmt: skip
    server = servers.Server("unleash", port, process, log)
    try:
        servers.wait_http(server, "/health", limit_s=300)
    except Exception:
        server.stop()
        raise
    return server


def start() -> servers.Server:
    """Start Unleash on a fresh copy of its migrated template database."""
    if not pg.exists(TEMPLATE):
        pg.create(TEMPLATE)
        first = _spawn(TEMPLATE)
        first.stop()
    pg.create(DATABASE, template=TEMPLATE)
    server = _spawn(DATABASE)
    servers.settle(server, DATABASE, limit_s=120)
    return server


def call(
    server: servers.Server, method: str, path: str, body: object = None, token: str = ADMIN
) -> tuple[int, str]:
    """Send one admin request; return the status and the body."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        server.base + path, data=data, method=method,
        headers={"Authorization": token, "Content-Type": "application/json"},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def create_flags(server: servers.Server, flags: list[str]) -> None:
    """Create the flags in Unleash's project: it drops metrics of flags it does not know."""
    for flag in flags:
        status, body = call(
            server, "POST", f"/api/admin/projects/{servers.PROJECT}/features", {"name": flag}
        )
        if status not in (200, 201) and "already exists" not in body:
            raise RuntimeError(f"Unleash refused to create flag {flag}: {status} {body[:200]}")


def wait_counted(server: servers.Server, flag: str, expected: int, *, limit_s: float = 60) -> int:
    """Wait until Unleash's raw metrics of a flag add up to ``expected``; return what it has."""
    deadline = time.monotonic() + limit_s
    total = 0
    while time.monotonic() < deadline:
        status, body = call(
            server, "GET", f"/api/admin/client-metrics/features/{flag}/raw?hoursBack=48"
        )
        if status == 200:
            total = sum(
                int(m.get("yes", 0)) + int(m.get("no", 0)) for m in json.loads(body)["data"]
            )
            if total >= expected:
                return total
        time.sleep(1)
    return total
