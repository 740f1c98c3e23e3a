"""Time rebuilds with the build cache: after changing nothing, and after changing one file.

    .venv/bin/python benchmarks/bench_rebuild.py [CORPUS] [--no-validate] [--repeat N] [--json out.json]

CORPUS defaults to ../shared/corpus/un/text beside the repository; it is copied into a temporary folder (the
copy is changed, never the corpus) and built there: a first build that fills the cache; `cyberlex build` run
again with nothing changed (as a CI pipeline runs it: a new process, which finds the last build up to date);
a rebuild in this process that takes every file from the cache (what a build with nothing changed costs when
it cannot stop at once: another output folder sharing the cache); `cyberlex build` after one file gained a
line (N times, the same file gaining another line each time: the median is reported, with the CPU seconds,
user + system, of that command, steadier than wall time on a shared machine). Each rebuild's output is
compared with a clean build's, byte for byte. When the corpus is absent the script says so and exits 0.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cyberlex.build import build, collect_inputs

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "un" / "text"
OUTPUTS = ("graph.ttl", "graph.trig", "evidence.trig", "validation.txt")


def timed_build(corpus: Path, out: Path, validate: bool, use_cache: bool = True) -> tuple[float, int]:
    """Seconds a build takes, and how many files it took from the cache."""
    started = time.perf_counter()
    # no store kept, as `cyberlex build` keeps none (a build that validates fills one all the same)
    result = build([corpus], out, run_validation=validate, use_cache=use_cache, fill_store=False)
    return time.perf_counter() - started, result.from_cache


def timed_command(corpus: Path, out: Path, validate: bool) -> float:
    """Seconds `cyberlex build` takes in a new process, interpreter start included."""
    return timed_command_cpu(corpus, out, validate)[0]


def timed_command_cpu(corpus: Path, out: Path, validate: bool) -> tuple[float, float]:
    """Wall seconds `cyberlex build` takes in a new process, interpreter start included, and the CPU
    seconds (user + system) of that process and its children."""
    command = [str(Path(sys.executable).parent / "cyberlex"), "build", str(corpus), "--out", str(out)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([*command, *([] if validate else ["--no-validate"])], check=False, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def same_outputs(one: Path, other: Path) -> bool:
    return all((one / name).read_bytes() == (other / name).read_bytes()
               for name in OUTPUTS if (one / name).exists() or (other / name).exists())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--no-validate", action="store_true", help="skip SHACL validation")
    parser.add_argument("--repeat", type=int, default=3, help="rebuilds after a change to one file (default 3)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures as JSON to this path")
    args = parser.parse_args()
    if not args.corpus.exists():
        print(f"bench_rebuild: skipped: corpus {args.corpus} not found (it lives in ../shared beside the repository)")
        return 0
    validate = not args.no_validate
    with tempfile.TemporaryDirectory(prefix="cyberlex-rebuild-") as work:
        corpus, out, clean = Path(work) / "corpus", Path(work) / "out", Path(work) / "clean"
        shutil.copytree(args.corpus, corpus)
        files = collect_inputs([corpus])
        first = timed_command(corpus, out, validate)
        up_to_date = timed_command(corpus, out, validate)
        unchanged, hits_unchanged = timed_build(corpus, out, validate)
        changed = files[len(files) // 2]
        one_changed_runs = []
        for _ in range(max(1, args.repeat)):
            changed.write_bytes(changed.read_bytes() + b"\n")
            one_changed_runs.append(timed_command_cpu(corpus, out, validate))
        one_changed = statistics.median(wall for wall, _ in one_changed_runs)
        one_changed_cpu = statistics.median(cpu for _, cpu in one_changed_runs)
        timed_build(corpus, clean, validate, use_cache=False)
        identical = same_outputs(out, clean)
    figures = {"corpus": str(args.corpus), "files": len(files), "validate": validate,
               "first_build_s": round(first, 2), "command_nothing_changed_s": round(up_to_date, 2),
               "rebuild_all_from_cache_s": round(unchanged, 2), "from_cache_nothing_changed": hits_unchanged,
               "command_one_changed_s": round(one_changed, 2), "command_one_changed_cpu_s": round(one_changed_cpu, 2),
               "command_one_changed_runs_s": [round(wall, 2) for wall, _ in one_changed_runs],
               "identical_to_clean_build": identical}
    for name, value in figures.items():
        print(f"{name}: {value}")
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
