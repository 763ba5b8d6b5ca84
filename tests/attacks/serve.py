"""A real ``gateway serve`` process for attack tests: start it, kill it, measure it."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp

from tests.conftest import ADMIN

GATEWAY = str(Path(sys.executable).parent / "gateway")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Gateway:
    """``gateway serve`` on a database, on a free port of 127.0.0.1."""

    def __init__(self, database_url: str, log: Path, **settings: str) -> None:
        self.database_url = database_url
        self.log = log
        self.settings = settings
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self, *, within_s: float = 90.0) -> None:
        """Start the process and return once it answers /ready."""
        self.process = self._launch()
        async with aiohttp.ClientSession() as session:
            for _ in range(int(within_s / 0.1)):
                assert self.process.poll() is None, self.log.read_text()[-2000:]
                try:
                    async with session.get(f"{self.url}/ready") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError(f"gateway serve was not ready within {within_s} s")

    def _launch(self) -> "subprocess.Popen[bytes]":
        env = {
            **os.environ,
            "GATEWAY_DATABASE_URL": self.database_url,
            "GATEWAY_ADMIN_TOKEN": ADMIN,
            "GATEWAY_LOG_LEVEL": "WARNING",
            **{f"GATEWAY_{k.upper()}": v for k, v in self.settings.items()},
        }
        with self.log.open("ab") as log:
            return subprocess.Popen(
                [GATEWAY, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=env,
                stdout=log,
                stderr=log,
            )

    def kill(self) -> None:
        """SIGKILL: no shutdown, no rollback, no flush."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def running_threads(self) -> int:
        """Return how many of the process's threads are on or waiting for a CPU now."""
        assert self.process is not None
        states = [
            stat.read_text().rsplit(")", 1)[1].split()[0]
            for stat in Path(f"/proc/{self.process.pid}/task").glob("*/stat")
        ]
        return states.count("R")
