"""Real ``gateway serve`` processes for tests, and a fake upstream Unleash at the process edge."""

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.statistics_samples import fresh_document

GATEWAY = str(Path(sys.executable).parent / "gateway")
ADMIN = "process-admin-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    """A running ``gateway serve`` whose stderr goes to a file we can read while it runs."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.process = process
        self.port = port
        self.log = log
        self.base = f"http://127.0.0.1:{port}"

    def lines(self) -> list[dict[str, Any]]:
        """Return every log line so far, parsed (each must be one JSON object)."""
        text = self.log.read_text(errors="replace")
        return [json.loads(line) for line in text.splitlines() if line.startswith("{")]

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, Any]:
        request = urllib.request.Request(self.base + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            return error.code, error.read(), error.headers

    def wait_ready(self, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gateway exited: {self.log.read_text()[-2000:]}")
            try:
                if self.get("/ready")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError("gateway serve did not become ready")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
        return self.process.wait(timeout=60)


def start(tmp: Path, *args: str, env: dict[str, str] | None = None) -> Served:
    """Start ``gateway serve`` with JSON logs on a free port; wait until it is ready."""
    port = free_port()
    log = tmp / f"serve-{port}.log"
    with log.open("wb") as stderr:
        process = _spawn(tmp, port, stderr, args, env)
    served = Served(process, port, log)
    served.wait_ready()
    return served


def _spawn(
    tmp: Path, port: int, stderr: Any, args: tuple[str, ...], env: dict[str, str] | None
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [GATEWAY, "serve", "--port", str(port), *args],
        env={
            **os.environ,
            "GATEWAY_ADMIN_TOKEN": ADMIN,
            "GATEWAY_LOG_FORMAT": "json",
            "XDG_DATA_HOME": str(tmp / "data"),
            **(env or {}),
        },
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        cwd=tmp,
    )


class Upstream:
    """A fake Unleash answering the statistics route; remembers when it was asked."""

    def __init__(self) -> None:
        self.hits: list[float] = []
        body = json.dumps(fresh_document()).encode()
        hits = self.hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(time.monotonic())
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def hits_within(self, seconds: float) -> int:
        """Wait ``seconds`` from now; return how many pulls arrived meanwhile."""
        before = len(self.hits)
        time.sleep(seconds)
        return len(self.hits) - before


@contextmanager
def upstream() -> Iterator[Upstream]:
    fake = Upstream()
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()


def collector_env(fake: Upstream, interval_s: float = 1.0) -> dict[str, str]:
    return {
        "GATEWAY_UNLEASH_UPSTREAMS": f"eu={fake.url}",
        "GATEWAY_UNLEASH_COLLECT_INTERVAL_S": str(interval_s),
        "GATEWAY_LEASE_TTL_S": "3",
    }
