"""Timing, memory and the result line every measure reports."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

MB = 1024 * 1024


@dataclass
class Line:
    """One row of the bench table: a figure, its floor, the ratio and the target (docs/performance.md)."""

    key: str
    what: str
    figure: str
    floor: str = ""
    ratio: float | None = None
    target: str = ""
    met: bool | None = None  # None: informational, or skipped
    note: str = ""
    skipped: bool = False
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        """met / NOT MET / skipped / — (no target)."""
        if self.skipped:
            return "skipped"
        if self.met is None:
            return "—"
        return "met" if self.met else "NOT MET"

    def as_json(self) -> dict[str, Any]:
        """The line as plain JSON values."""
        return {**asdict(self), "verdict": self.verdict}


def skipped(key: str, what: str, target: str, why: str) -> Line:
    """A line that could not be measured in this run, and why."""
    return Line(key=key, what=what, figure="skipped", target=target, note=why, skipped=True)


def repeat(fn: Callable[[], Any], *, times: int, budget_s: float = 30.0, warmup: int = 0) -> list[float]:
    """Seconds of up to `times` calls of fn (at least one; stops early once `budget_s` is spent)."""
    for _ in range(warmup):
        fn()
    samples: list[float] = []
    spent = 0.0
    while len(samples) < times and (not samples or spent < budget_s):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
        spent += samples[-1]
    return samples


def median(samples: list[float]) -> float:
    """The median (of at least one sample)."""
    return float(statistics.median(samples))


def p95(samples: list[float]) -> float:
    """The 95th percentile by the nearest-rank method."""
    ordered = sorted(samples)
    rank = max(1, -(-95 * len(ordered) // 100))
    return ordered[rank - 1]


def seconds(value: float) -> str:
    """A duration for the table: ms below 10 s, else s."""
    return f"{value * 1000:.1f} ms" if value < 10 else f"{value:.1f} s"


def megabytes(value: int | None) -> str:
    """A size in MB ('n/a' when unknown)."""
    return "n/a" if value is None else f"{value / MB:.0f} MB"


def _status_kb(pid: int | str, key: str) -> int | None:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for row in text.splitlines():
        if row.startswith(key + ":"):
            return int(row.split()[1]) * 1024
    return None


def resident(pid: int | str = "self", key: str = "VmRSS") -> int | None:
    """A process's resident memory in bytes (VmRSS, or RssAnon: private memory only); None if unreadable."""
    return _status_kb(pid, key)


class MemorySampler:
    """Polls a process's resident memory in a thread and keeps the start and the largest value seen.

    On a PostgreSQL backend `RssAnon` is what a statement allocates (sorts, hash tables, trigger queues); its
    resident shared buffers are the server's cache. On this process `VmRSS` is everything.
    """

    def __init__(self, pid: int | str = "self", key: str = "VmRSS", interval: float = 0.01) -> None:
        self.pid = pid
        self.key = key
        self.interval = interval
        self.start = resident(pid, key)
        self.peak = self.start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def growth(self) -> int | None:
        """Peak minus the value at the start."""
        return None if self.peak is None or self.start is None else self.peak - self.start

    def _run(self) -> None:
        while not self._stop.is_set():
            value = resident(self.pid, self.key)
            if value is not None:
                self.peak = max(self.peak or 0, value)
            self._stop.wait(self.interval)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
