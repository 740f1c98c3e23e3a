"""The progress line of a long build: rate, time left, silence off a terminal."""

from __future__ import annotations

import io

from cyberlex.progress import Progress, duration


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_duration_reads_as_people_write_it() -> None:
    assert duration(42) == "42s"
    assert duration(185) == "3m05s"
    assert duration(2 * 3600 + 7 * 60 + 30) == "2h07m"


def test_rate_and_time_left_on_a_terminal() -> None:
    stream, clock = Terminal(), Clock()
    with Progress(1000, "Building", stream, clock) as progress:
        for _ in range(100):
            clock.now += 0.1  # ten files a second
            progress.advance()
        assert progress.line(clock.now) == "Building 100/1,000 files · 10.0 files/s · ETA 1m30s"
    lines = stream.getvalue().split("\r")
    # redrawn a few times a second, not once per file
    assert 30 <= len(lines) <= 50
    assert stream.getvalue().endswith("\n")


def test_rate_follows_a_change_of_pace() -> None:
    clock = Clock()
    progress = Progress(10_000, "Building", Terminal(), clock)
    for _ in range(600):  # a minute at ten files a second
        clock.now += 0.1
        progress.advance()
    for _ in range(200):  # then twenty seconds at one file a second
        clock.now += 1.0
        progress.advance()
    # the last ten seconds, not the average of 800 files in 80 s
    assert progress.rate(clock.now) < 1.5


def test_silent_when_not_a_terminal() -> None:
    stream, clock = io.StringIO(), Clock()
    with Progress(1000, "Building", stream, clock) as progress:
        for _ in range(1000):
            clock.now += 1
            progress.advance()
    assert stream.getvalue() == ""


def test_silent_for_a_few_files() -> None:
    stream, clock = Terminal(), Clock()
    with Progress(5, "Building", stream, clock) as progress:
        for _ in range(5):
            clock.now += 1
            progress.advance()
    assert stream.getvalue() == ""


def test_a_finished_build_says_how_long_it_took() -> None:
    clock = Clock()
    progress = Progress(50, "Building", Terminal(), clock)
    for _ in range(50):
        clock.now += 2
        progress.advance()
    assert progress.line(clock.now) == "Building 50/50 files · 0.5 files/s · in 1m40s"
