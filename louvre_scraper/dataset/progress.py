"""A progress bar with rate and ETA for a store command on a terminal (stderr a TTY); off
the terminal the command's log line every LOGSTATS_INTERVAL (a minute by default) does it.

Contract: :func:`bar_line` is a pure function of the counts and the time; :class:`ProgressBar`
redraws it in place at most every :data:`REDRAW` seconds and ends it with a newline.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from louvre_scraper.utils.display import format_duration

REDRAW = 0.2  # seconds between redraws: smooth to the eye, negligible next to the export
WIDTH = 30  # the bar's characters


def bar_line(done: int, total: int, elapsed: float, unit: str) -> str:
    """``[#########.....]  1200/5000 records  24% | 400 records/s | ETA 9s``."""
    rate = done / elapsed if elapsed > 0 else 0.0
    if total <= 0:
        return f"{done} {unit} | {rate:.0f} {unit}/s"
    share = min(done / total, 1.0)
    filled = int(WIDTH * share)
    eta = format_duration((total - done) / rate) if rate else "unknown"
    return (
        f"[{'#' * filled}{'.' * (WIDTH - filled)}] {done}/{total} {unit} {100 * share:3.0f}%"
        f" | {rate:.0f} {unit}/s | ETA {eta}"
    )


class ProgressBar:
    """Redraws :func:`bar_line` on *stream* (stderr) when it is a terminal; else does nothing."""

    def __init__(self, total: int, unit: str, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.on = self.stream.isatty()
        self.total = total
        self.unit = unit
        self.started = time.monotonic()
        self.drawn = 0.0
        self.done = 0

    def update(self, done: int) -> None:
        self.done = done
        now = time.monotonic()
        if self.on and now - self.drawn >= REDRAW:
            self.drawn = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        line = bar_line(self.done, self.total, now - self.started, self.unit)
        self.stream.write(f"\r{line}\x1b[K")
        self.stream.flush()

    def finish(self) -> None:
        if self.on:
            self._draw(time.monotonic())
            self.stream.write("\n")
            self.stream.flush()
