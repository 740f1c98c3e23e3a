"""A file name with a newline cannot forge a line on stderr (issue 11) in the commands that query, serve
and publish: each error is one line, its control characters escaped."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

FORGED = "a\ncyberlex: fake.ttl"


def cyberlex(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from cyberlex.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=120, check=False)


def test_an_unreadable_graph_named_with_a_newline_is_one_line(tmp_path: Path) -> None:
    graph = tmp_path / FORGED
    graph.write_text("this is not Turtle {", encoding="utf-8")
    for command in (["query", "ASK {}", "--data", str(graph)], ["publish", "--endpoint", "http://127.0.0.1:9/store",
                                                               "--data", str(graph)]):
        done = cyberlex(*command)
        assert done.returncode == 2, done.stderr
        assert len(done.stderr.splitlines()) == 1, done.stderr
        assert "a\\ncyberlex: fake.ttl" in done.stderr


def test_a_missing_graph_named_with_a_newline_is_one_line(tmp_path: Path) -> None:
    done = cyberlex("query", "ASK {}", "--data", str(tmp_path / FORGED))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"cyberlex: {tmp_path}/a\\ncyberlex: fake.ttl: no such file or folder; run "
                                        "`cyberlex build` first"]
