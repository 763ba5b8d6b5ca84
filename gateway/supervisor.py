"""The pre-forking supervisor of ``gateway serve --workers N``.

It forks N workers that serve the same listening socket, replaces a worker that dies,
and on SIGTERM or SIGINT passes SIGTERM on, waits for the workers to drain, and kills
whatever is still running after the grace period.
"""

import contextlib
import logging
import os
import signal
import time
from collections.abc import Callable
from types import FrameType

log = logging.getLogger(__name__)

POLL_S = 0.1
# A worker dying sooner than this after its start is restarted with a growing delay.
HEALTHY_AFTER_S = 10.0
MAX_RESTART_DELAY_S = 30.0


class _Worker:
    def __init__(self, slot: int, pid: int) -> None:
        self.slot = slot
        self.pid = pid
        self.started = time.monotonic()


class Supervisor:
    """Keeps ``workers`` processes running ``work`` until told to stop."""

    def __init__(
        self,
        work: Callable[[], None],
        *,
        workers: int,
        grace_s: float,
        on_exit: Callable[[int], None] = lambda pid: None,
    ) -> None:
        self.work = work
        self.size = workers
        self.grace_s = grace_s
        self.on_exit = on_exit
        self.running: dict[int, _Worker] = {}
        self.delays = [0.0] * workers
        self.due: dict[int, float] = {}  # slot -> when to restart it
        self.stopping: str | None = None

    def _fork(self, slot: int) -> None:
        pid = os.fork()
        if pid == 0:  # the worker
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            code = 0
            try:
                self.work()
            except BaseException:
                log.exception("worker %d failed", os.getpid())
                code = 1
            finally:
                logging.shutdown()
                os._exit(code)
        self.running[pid] = _Worker(slot, pid)
        log.info("started worker %d (%d of %d)", pid, slot + 1, self.size)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self.stopping = signal.Signals(signum).name

    def run(self) -> None:
        """Fork the workers and look after them until SIGTERM/SIGINT and their exit."""
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        for slot in range(self.size):
            self._fork(slot)
        while self.stopping is None:
            self._reap(restart=True)
            self._restart_due()
            time.sleep(POLL_S)
        self._stop_all()

    def _reap(self, *, restart: bool) -> None:
        while self.running:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            worker = self.running.pop(pid, None)
            if worker is None:
                continue
            self.on_exit(pid)
            if restart and self.stopping is None:
                self._schedule(worker, status)

    def _schedule(self, worker: _Worker, status: int) -> None:
        lived = time.monotonic() - worker.started
        slot = worker.slot
        if lived >= HEALTHY_AFTER_S:
            self.delays[slot] = 0.0
        else:
            self.delays[slot] = min(max(1.0, self.delays[slot] * 2), MAX_RESTART_DELAY_S)
        log.warning(
            "worker %d %s after %.1f s; starting a replacement in %.0f s",
            worker.pid,
            _how(status),
            lived,
            self.delays[slot],
        )
        self.due[slot] = time.monotonic() + self.delays[slot]

    def _restart_due(self) -> None:
        now = time.monotonic()
        for slot, when in list(self.due.items()):
            if when <= now:
                del self.due[slot]
                self._fork(slot)

    def _stop_all(self) -> None:
        log.info(
            "%s: stopping %d worker(s), up to %g s to drain",
            self.stopping,
            len(self.running),
            self.grace_s,
        )
        for pid in self.running:
            _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + self.grace_s + 5.0
        while self.running and time.monotonic() < deadline:
            self._reap(restart=False)
            time.sleep(POLL_S)
        for pid in list(self.running):
            log.warning("worker %d did not stop within the grace period; killing it", pid)
            _signal(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            self.on_exit(pid)
        log.info("all workers stopped")


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def _how(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"was killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exited with code {os.waitstatus_to_exitcode(status)}"
