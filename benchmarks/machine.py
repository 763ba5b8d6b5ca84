"""The machine a run happens on: cores, load, process CPU and memory, and waiting for quiet."""

import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


def cpu_model() -> str:
    """Return the CPU model name from /proc/cpuinfo, or the platform's processor string."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def memory_gib() -> float:
    """Return the machine's total memory in GiB."""
    return os.sysconf("SC_PHYS_PAGES") * _PAGE / 2**30


def describe() -> str:
    """Return one line naming the machine: cores, CPU, memory, Python."""
    return (
        f"{os.cpu_count()} cores ({cpu_model()}), {memory_gib():.0f} GiB, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def load() -> tuple[float, float, float]:
    """Return the 1, 5 and 15 minute load averages."""
    return os.getloadavg()


def load_text(values: tuple[float, float, float]) -> str:
    return " / ".join(f"{v:.2f}" for v in values)


def cpu_seconds(pid: int) -> float:
    """Return user+system CPU seconds a process has used, 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # Fields after the command name: state is index 0, utime 11, stime 12.
    return (int(fields[11]) + int(fields[12])) / _TICKS


def rss_mib(pid: int) -> float:
    """Return a process's resident memory in MiB, 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@dataclass
class Quiet:
    """How waiting for a process to go idle ended."""

    waited_s: float
    settled: bool


def wait_idle(
    pids: list[int], *, below: float = 0.05, window_s: float = 1.0, limit_s: float = 180
) -> Quiet:
    """Wait until the processes together use under ``below`` of one core over a window."""
    started = time.monotonic()
    while time.monotonic() - started < limit_s:
        before = sum(cpu_seconds(p) for p in pids)
        time.sleep(window_s)
        if sum(cpu_seconds(p) for p in pids) - before < below * window_s:
            return Quiet(time.monotonic() - started, True)
    return Quiet(time.monotonic() - started, False)
