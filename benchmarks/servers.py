"""Gateway processes under test: started as `gateway serve` on a port, stopped by pid."""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import machine, pg

SCRATCH = Path(os.environ.get("BENCH_DIR") or Path(tempfile.gettempdir()) / "bench")
PORTS = range(
    int(os.environ.get("BENCH_PORT_LO", "18200")), int(os.environ.get("BENCH_PORT_HI", "18300"))
)
ADMIN = "bench-admin-token-0001"
INGEST = "bench-ingest-token-0001"
PROJECT = "default"
ENVIRONMENT = "development"
# Quiet logs (no access log per request) and a GraphQL time limit above the slowest query
# measured, so that a slow answer is timed rather than cut off at the default 15 s.
GATEWAY_ENV = {"GATEWAY_LOG_LEVEL": "WARNING", "GATEWAY_GRAPHQL_TIMEOUT_S": "600"}

_taken: set[int] = set()


def free_port() -> int:
    """Return a port of the bench's range that nothing listens on."""
    for port in PORTS:
        if port in _taken:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _taken.add(port)
        return port
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


def logs() -> Path:
    path = SCRATCH / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class Server:
    """A server process the bench started, and where it listens."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    started_at: float = field(default_factory=time.monotonic)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        """Stop the process (SIGTERM, then SIGKILL after 20 s) and free its port."""
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        _taken.discard(self.port)

    def tail(self, lines: int = 5) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def wait_http(
    server: Server, path: str, *, limit_s: float, headers: dict[str, str] | None = None
) -> None:
    """Wait until ``path`` answers 200, or raise with the end of the server's log."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if not server.alive():
            raise RuntimeError(f"{server.name} exited at start:\n{server.tail()}")
        try:
            request = urllib.request.Request(server.base + path, headers=headers or {})
            with urllib.request.urlopen(request, timeout=5) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise RuntimeError(
        f"{server.name} did not answer {path} within {limit_s:.0f} s:\n{server.tail()}"
    )


def gateway_command() -> list[str]:
    script = Path(sys.executable).parent / "gateway"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from gateway.cli import main; main()"]


def gateway_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a ``gateway`` command and return what it printed."""
    return subprocess.run(
        [*gateway_command(), *args],
        capture_output=True,
        text=True,
        timeout=1800,
        env={**os.environ, **(env or {})},
    )


def source_env(source: Path | None) -> dict[str, str]:
    """Return the environment that runs the gateway from the source tree ``source``."""
    return {} if source is None else {"PYTHONPATH": str(source.resolve())}


def ensure_ingest_token(database_url: str, *, source: Path | None = None) -> None:
    """Create the bench's scoped ingest token in a database unless it is there already."""
    out = gateway_cli(
        "tokens", "create", "--type", "ingest", "--name", "bench",
        "--project", PROJECT, "--environment", ENVIRONMENT,
        "--secret-env", "BENCH_INGEST", "--database", database_url,
        env={"BENCH_INGEST": INGEST, **source_env(source)},
    )  # fmt: skip
    if out.returncode != 0 and "already exists" not in out.stderr:
        raise RuntimeError(f"gateway tokens create failed: {out.stderr.strip()}")


def start_gateway(
    name: str,
    database_url: str,
    *,
    ingest_token: bool = True,
    pg_database: str | None = None,
    source: Path | None = None,
) -> Server:
    """Start ``gateway serve`` on a database; return once it is ready and idle.

    ``source``: run the gateway of that source tree instead of this one (a baseline).
    """
    if ingest_token:
        ensure_ingest_token(database_url, source=source)
    port = free_port()
    log = logs() / f"gateway-{name}.log"
    env = {**os.environ, **GATEWAY_ENV, "GATEWAY_ADMIN_TOKEN": ADMIN, **source_env(source)}
    command = [
        *gateway_command(),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--database",
        database_url,
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    server = Server(name, port, process, log)
    try:
        wait_http(server, "/ready", limit_s=600)
    except Exception:
        server.stop()
        raise
    # Start-up work (migrations check, retention pruning) must not overlap the measurements.
    settle(server, pg_database)
    return server


def settle(server: Server, pg_database: str | None = None, *, limit_s: float = 600) -> None:
    """Wait until the server and its PostgreSQL database (if any) have nothing running."""
    deadline = time.monotonic() + limit_s
    if pg_database is not None:
        while pg.busy(pg_database) and time.monotonic() < deadline:
            time.sleep(1)
    machine.wait_idle([server.pid], limit_s=max(deadline - time.monotonic(), 5))
