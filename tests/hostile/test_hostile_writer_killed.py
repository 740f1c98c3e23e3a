"""The writer killed at each of its steps never leaves a half-written graph (issue 11, fault injection).

A build runs in a child process that kills itself with SIGKILL at the k-th write step (each fsync of a
finished temporary file and each rename into place), for every k. After each kill, every output file is
whole: byte for byte the previous build's or the new one's, never a truncated mix; and a rerun writes
the new graph. Renames are atomic one file at a time, so after a kill between two renames graph.ttl may
already be new while graph.trig is still the previous one; each is a complete graph of its own.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from cyberlex.build import build

REPO = Path(__file__).resolve().parents[2]
OUTPUTS = ("graph.ttl", "graph.trig", "validation.txt")

CHILD = """
import os, signal, sys
from pathlib import Path
from cyberlex.cli import main

kill_at, calls = int(sys.argv[1]), 0
real_fsync, real_replace = os.fsync, os.replace

def step():
    global calls
    calls += 1
    if calls == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)

def fsync(fd):
    real_fsync(fd)
    step()

def replace(source, target):
    step()
    real_replace(source, target)

os.fsync, os.replace = fsync, replace
main(sys.argv[2:])
"""


def outputs(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in OUTPUTS if (folder / name).exists()}


def test_a_build_killed_at_each_write_step_leaves_each_file_whole(tmp_path: Path) -> None:
    before_corpus, after_corpus = tmp_path / "before", tmp_path / "after"
    shutil.copytree(REPO / "samples", before_corpus)
    shutil.copytree(REPO / "samples", after_corpus)
    (after_corpus / "ga-resolution-cybercrime.txt").unlink()  # the new build has one document less
    expected_new = tmp_path / "expected-new"
    build([after_corpus], expected_new)
    new = outputs(expected_new)
    out = tmp_path / "out"
    build([before_corpus], out)
    old = outputs(out)
    assert old.keys() == new.keys() and old != new
    steps = 0
    for kill_at in range(1, 20):
        done = subprocess.run([sys.executable, "-c", CHILD, str(kill_at), "build", str(after_corpus), "--out",
                               str(out)], capture_output=True, text=True, timeout=300, check=False)
        now = outputs(out)
        for name in OUTPUTS:
            assert now.get(name) in (old.get(name), new.get(name)), f"{name} is neither whole graph (step {kill_at})"
        if done.returncode != -9:  # the build ran past its last write step
            assert now == new, done.stderr
            break
        steps += 1
        build([before_corpus], out)  # back to the previous graph for the next kill
        assert outputs(out) == old
    assert steps >= 4  # every file's fsync and rename were each a kill point
