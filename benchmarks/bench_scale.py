"""Build synthetic corpora of growing size and measure time and peak memory per size.

    .venv/bin/python benchmarks/bench_scale.py [SIZES ...] [--no-validate] [--store] [--json out.json]

SIZES default to 2500 10000 40000 files. Each corpus is written by ../shared/tools/gen_corpus.py
(beside the repository, never copied into it) into a temporary folder; when that script is absent the
benchmark says so and exits 0. Each size is built by `cyberlex build --no-cache` (with validation unless
--no-validate) in a subprocess of its own, so that its peak memory is its own: the proportional resident memory
(PSS: pages a forked child shares with its parent counted once) of the build's whole process tree (its
extraction workers and validating process included) is summed every 0.5 s from /proc, and the
largest single process's peak is read from the build's rusage (wait4). With --store, the peak memory of a process
that only opens the built store read-only and reads every quad once is measured too: the store's own share.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"
GENERATOR = SHARED / "tools" / "gen_corpus.py"
CYBERLEX = Path(sys.executable).parent / "cyberlex"


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(child) for child in (task / "children").read_text().split()]
    return found


def tree_pss_kb(root: int) -> int:
    """The proportional resident memory (PSS) of a process and all its descendants, in KiB: pages shared
    by a process and its forked children are counted once (a sum of RSS would count them in each)."""
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            total += int(re.search(r"^Pss:\s+(\d+) kB", rollup, re.MULTILINE).group(1))  # type: ignore[union-attr]
        except (OSError, AttributeError, ValueError):
            continue
        pending += _children(pid)
    return total


def run_build(corpus: Path, out: Path, validate: bool, store: Path | None = None) -> dict[str, float]:
    """One `cyberlex build` of corpus into out: wall time, triples, peak tree memory, largest process's peak."""
    command = [str(CYBERLEX), "build", str(corpus), "--out", str(out), "--no-cache"]
    if store is not None:
        command += ["--store", str(store)]
    if not validate:
        command.append("--no-validate")
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    peak_tree = 0
    stop = threading.Event()

    def poll() -> None:
        nonlocal peak_tree
        while not stop.is_set():
            peak_tree = max(peak_tree, tree_pss_kb(process.pid))
            stop.wait(0.5)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    assert process.stdout is not None
    output = process.stdout.read()  # read to the end before waiting: no pipe is left full
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    stop.set()
    poller.join()
    triples = re.search(r"^triples: (\d+)$", output, re.MULTILINE)
    documents = re.search(r"^documents: (\d+) read", output, re.MULTILINE)
    if triples is None or documents is None:
        raise SystemExit(f"bench_scale: the build failed (exit {process.returncode}):\n{output}")
    return {"documents": int(documents.group(1)), "triples": int(triples.group(1)), "wall_s": wall,
            "peak_tree_mb": peak_tree / 1024, "peak_process_mb": usage.ru_maxrss / 1024,
            "exit": process.returncode}


# Run in a process of its own: open a store read-only, read every quad once, print the process's peak RSS (KiB).
_STORE_ALONE = """
import re, sys
from pathlib import Path
import pyoxigraph
store = pyoxigraph.Store.read_only(sys.argv[1])
for _quad in store.quads_for_pattern(None, None, None, None):
    pass
print(re.search(r"VmHWM:\\s+(\\d+)", Path("/proc/self/status").read_text()).group(1))
"""


def store_alone_mb(store: Path) -> float:
    """The peak memory of a process that only opens the built store read-only and reads every quad once:
    RocksDB's own memory for a store of that size (mostly its block cache, which levels off: 148, 198 and 217 MB
    at 2,500, 10,000 and 40,000 files), which the build's processes that read the whole store have too."""
    done = subprocess.run([sys.executable, "-c", _STORE_ALONE, str(store)], check=True, capture_output=True,
                          text=True)
    return int(done.stdout.split()[-1]) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[2500, 10000, 40000], help="numbers of files")
    parser.add_argument("--no-validate", action="store_true", help="skip SHACL validation")
    parser.add_argument("--store", action="store_true",
                        help="build with --store (on disk) at every size, also below the 2,000 files from which a "
                             "build keeps its store on disk by itself")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures as JSON to this path")
    args = parser.parse_args()
    if not GENERATOR.exists():
        print(f"bench_scale: skipped: {GENERATOR} not found (it lives in ../shared beside the repository)")
        return 0
    rows = []
    header = "| files | triples | wall | files/s | triples/s | peak PSS (process tree) | peak RSS (largest process) |"
    print(header + (" peak RSS of the store alone (read-only, one read of every quad) |" if args.store else ""))
    print("| --- " * (8 if args.store else 7) + "|")
    for size in args.sizes:
        work = Path(tempfile.mkdtemp(prefix=f"cyberlex-scale-{size}-"))
        try:
            corpus = work / "corpus"
            subprocess.run([sys.executable, str(GENERATOR), str(size), str(corpus)], check=True,
                           stdout=subprocess.DEVNULL)
            figures = run_build(corpus, work / "out", validate=not args.no_validate,
                                store=work / "store" if args.store else None)
            if args.store:
                figures["store_alone_mb"] = store_alone_mb(work / "store")
        finally:
            shutil.rmtree(work, ignore_errors=True)
        figures["files"] = size
        rows.append(figures)
        wall = figures["wall_s"]
        print(f"| {size:,} | {figures['triples']:,} | {wall:,.0f} s | {size / wall:.1f} | "
              f"{figures['triples'] / wall:,.0f} | {figures['peak_tree_mb']:,.0f} MB | "
              f"{figures['peak_process_mb']:,.0f} MB |"
              + (f" {figures['store_alone_mb']:,.0f} MB |" if args.store else ""), flush=True)
    if args.json is not None:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
