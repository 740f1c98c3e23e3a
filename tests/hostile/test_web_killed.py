"""What `kill -9` of `release` and `serve` leaves behind (issue 11: temporary files and stores stayed).

A real child process is killed with SIGKILL while it works: `release` while it writes its work folder
beside --out, `serve` once its temporary store is loaded. The next run of the same command removes
what the killed one left (each temporary folder names its process; see cyberlex.scratch), and ends
with nothing left itself.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from cyberlex.sparql.serve import TEMPORARY_PREFIX
from fixed_corpus import FIXED_CORPUS, fixed_graph, stop_process

COMMAND = [sys.executable, "-c", "from cyberlex.cli import main; main()"]


def leftovers(folder: Path, prefix: str) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(prefix))


def test_a_release_killed_while_it_writes_leaves_nothing_after_the_next(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    child = subprocess.Popen([*COMMAND, "release", *map(str, FIXED_CORPUS), "--out", str(out), "--date", "2024-01-01"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not leftovers(tmp_path, ".dist.") and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.wait(30)
    assert child.returncode == -signal.SIGKILL, "the release ended before it could be killed"
    assert leftovers(tmp_path, ".dist."), "no work folder to leave behind"

    again = subprocess.run([*COMMAND, "release", *map(str, FIXED_CORPUS), "--out", str(out), "--date", "2024-01-01"],
                           capture_output=True, text=True, timeout=300, check=False)
    assert again.returncode == 0, again.stderr
    assert leftovers(tmp_path, ".dist.") == []
    assert (out / "graph.trig").is_file() or any(out.iterdir())


def test_a_serve_killed_leaves_no_store_after_the_next(tmp_path: Path) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    environment = {**os.environ, "TMPDIR": str(temporary), "PYTHONUNBUFFERED": "1"}

    def serve() -> subprocess.Popen[str]:
        process = subprocess.Popen([*COMMAND, "serve", "--data", str(fixed_graph()), "--port", "0"],
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=environment)
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("SPARQL query endpoint: "):
                return process
        stop_process(process)
        raise AssertionError("the server did not start")

    first = serve()
    assert len(leftovers(temporary, TEMPORARY_PREFIX)) == 1
    first.send_signal(signal.SIGKILL)
    first.wait(30)
    time.sleep(0.5)  # its oxigraph server is stopped by the kernel's parent-death signal
    assert len(leftovers(temporary, TEMPORARY_PREFIX)) == 1  # what the kill leaves

    second = serve()
    try:
        assert len(leftovers(temporary, TEMPORARY_PREFIX)) == 1  # its own store only
    finally:
        stop_process(second)
    assert leftovers(temporary, TEMPORARY_PREFIX) == []


def test_a_previous_release_set_aside_by_a_killed_release_goes_back_into_place(tmp_path: Path) -> None:
    import socket

    from cyberlex.release import _clean_abandoned
    from cyberlex.scratch import OWNER

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait(30)
    old = tmp_path / ".dist.old.abc"
    (old / "dist").mkdir(parents=True)
    (old / "dist" / "graph.trig").write_text("previous", encoding="utf-8")
    (old / OWNER).write_text(f"{socket.gethostname()} {dead.pid}\n", encoding="utf-8")
    work = tmp_path / ".dist.xyz"
    work.mkdir()
    (work / OWNER).write_text(f"{socket.gethostname()} {dead.pid}\n", encoding="utf-8")
    mine = tmp_path / ".dist.mine"  # a live process's work folder is left alone
    mine.mkdir()
    (mine / OWNER).write_text(f"{socket.gethostname()} {os.getpid()}\n", encoding="utf-8")
    _clean_abandoned(tmp_path / "dist")
    assert (tmp_path / "dist" / "graph.trig").read_text(encoding="utf-8") == "previous"
    assert leftovers(tmp_path, ".dist.") == [".dist.mine"]


def test_a_work_folder_killed_before_its_owner_file_is_known_by_its_name(tmp_path: Path) -> None:
    """A release killed between making its work folder and writing the owner file in it (a race that a busy
    machine widens) leaves a folder the next release still recognises and removes; a folder of that prefix
    that is not ours stays."""
    from cyberlex import scratch

    dead = subprocess.Popen(["true"])
    dead.wait()
    made = scratch.make(".dist.", tmp_path)
    (made / scratch.OWNER).unlink()
    killed = made.rename(made.with_name(made.name.replace(f"p{os.getpid()}-", f"p{dead.pid}-")))
    foreign = tmp_path / ".dist.someone-elses"
    foreign.mkdir()
    assert scratch.clean(".dist.", tmp_path) == [killed]
    assert foreign.is_dir() and not killed.exists()
