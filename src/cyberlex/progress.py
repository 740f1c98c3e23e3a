"""Progress of a long build on a terminal: files done, files per second and the time left.

Kept to one line that is redrawn at most a few times a second, so that it costs nothing at 100,000 files;
silent when the stream is not a terminal (CI logs, pipes), where a redrawn line is only noise.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

# Seconds between two redraws of the line.
REDRAW_EVERY = 0.25
# Files per second are measured over the last this many seconds, so the rate follows a change of pace
# (a folder of long PDFs after short texts) instead of averaging over the whole build.
RATE_WINDOW = 10.0


def duration(seconds: float) -> str:
    """'42s', '3m05s', '2h07m'."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"


class Progress:
    """`with Progress(total) as progress: … progress.advance()` once per file."""

    def __init__(self, total: int, label: str = "Building", stream: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic, minimum: int = 20) -> None:
        self.total = total
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.clock = clock
        self.done = 0
        # shown only on a terminal and for builds long enough to need it
        self.shown = total > minimum and self.stream.isatty()
        self._started = clock()
        self._last_drawn = float("-inf")
        self._recent: list[tuple[float, int]] = [(self._started, 0)]
        self._width = 0

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self.shown and self._width:
            self._draw(self.clock())
            self.stream.write("\n")
            self.stream.flush()

    def advance(self, files: int = 1) -> None:
        """Count `files` more as done; redraw the line if it is time to."""
        self.done += files
        if not self.shown:
            return
        now = self.clock()
        if now - self._last_drawn >= REDRAW_EVERY or self.done == self.total:
            self._draw(now)

    def rate(self, now: float) -> float:
        """Files per second over the last RATE_WINDOW seconds (over the whole build until then)."""
        self._recent.append((now, self.done))
        while len(self._recent) > 2 and now - self._recent[1][0] >= RATE_WINDOW:
            self._recent.pop(0)
        since, done_then = self._recent[0]
        return (self.done - done_then) / (now - since) if now > since else 0.0

    def line(self, now: float) -> str:
        """The progress line as it reads at `now`."""
        rate = self.rate(now)
        parts = [f"{self.label} {self.done:,}/{self.total:,} files"]
        if rate > 0:
            parts.append(f"{rate:,.1f} files/s")
            if self.done < self.total:
                parts.append(f"ETA {duration((self.total - self.done) / rate)}")
            else:
                parts.append(f"in {duration(now - self._started)}")
        return " · ".join(parts)

    def _draw(self, now: float) -> None:
        self._last_drawn = now
        text = self.line(now)
        # pad over the end of a longer previous line
        self.stream.write("\r" + text.ljust(self._width))
        self.stream.flush()
        self._width = len(text)
