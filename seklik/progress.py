"""A progress bar on stderr for long runs (rebuild, verify, replay); silent when not a TTY
unless asked."""
from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, label: str, total: int | None, stream=None, force: bool = False):
        self.label = label
        self.total = total  # None: unknown, the bar shows the count and the rate
        self.done = 0
        self.stream = stream or sys.stderr
        self.enabled = force or self.stream.isatty()
        self.started = time.perf_counter()
        self._last = 0.0

    def advance(self, n: int) -> None:
        self.done += n
        now = time.perf_counter()
        if self.enabled and (now - self._last > 0.1 or self.done >= (self.total or 0)):
            self._last = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        rate = self.done / max(now - self.started, 1e-9)
        if self.total is None:
            self.stream.write(f"\r{self.label:<12} {self.done:,} events {rate:,.0f}/s")
        else:
            width = 30
            fraction = min(1.0, self.done / self.total) if self.total else 1.0
            bar = "#" * int(width * fraction) + "-" * (width - int(width * fraction))
            self.stream.write(f"\r{self.label:<12} [{bar}] {fraction:6.1%} {self.done:,}/"
                              f"{self.total:,} events {rate:,.0f}/s")
        self.stream.flush()

    def close(self) -> float:
        """Finish the line; the rate in events per second."""
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        if self.enabled:
            self._draw(time.perf_counter())
            self.stream.write("\n")
        return self.done / elapsed
