"""Time rebuilds with the build cache: after changing nothing, and after changing one file.

    .venv/bin/python benchmarks/bench_rebuild.py [CORPUS] [--no-validate] [--json out.json]

CORPUS defaults to ../shared/corpus/un/text beside the repository; it is copied into a temporary folder (the
copy is changed, never the corpus) and built there: a first build that fills the cache; `cyberlex build` run
again with nothing changed (as a CI pipeline runs it: a new process, which finds the last build up to date);
a rebuild in this process that takes every file from the cache (what a build with nothing changed costs when
it cannot stop at once: another output folder sharing the cache); `cyberlex build` after one file gained a
line. Each rebuild's output is compared with a clean build's, byte for byte. When the corpus is absent the
script says so and exits 0.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cyberlex.build import build, collect_inputs

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "un" / "text"
OUTPUTS = ("graph.ttl", "graph.trig", "validation.txt")


def timed_build(corpus: Path, out: Path, validate: bool, use_cache: bool = True) -> tuple[float, int]:
    """Seconds a build takes, and how many files it took from the cache."""
    started = time.perf_counter()
    result = build([corpus], out, run_validation=validate, use_cache=use_cache)
    return time.perf_counter() - started, result.from_cache


def timed_command(corpus: Path, out: Path, validate: bool) -> float:
    """Seconds `cyberlex build` takes in a new process, interpreter start included."""
    command = [str(Path(sys.executable).parent / "cyberlex"), "build", str(corpus), "--out", str(out)]
    started = time.perf_counter()
    subprocess.run([*command, *([] if validate else ["--no-validate"])], check=False, capture_output=True)
    return time.perf_counter() - started


def same_outputs(one: Path, other: Path) -> bool:
    return all((one / name).read_bytes() == (other / name).read_bytes()
               for name in OUTPUTS if (one / name).exists() or (other / name).exists())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--no-validate", action="store_true", help="skip SHACL validation")
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
        changed.write_bytes(changed.read_bytes() + b"\n")
        one_changed = timed_command(corpus, out, validate)
        timed_build(corpus, clean, validate, use_cache=False)
        identical = same_outputs(out, clean)
    figures = {"corpus": str(args.corpus), "files": len(files), "validate": validate,
               "first_build_s": round(first, 2), "command_nothing_changed_s": round(up_to_date, 2),
               "rebuild_all_from_cache_s": round(unchanged, 2), "from_cache_nothing_changed": hits_unchanged,
               "command_one_changed_s": round(one_changed, 2), "identical_to_clean_build": identical}
    for name, value in figures.items():
        print(f"{name}: {value}")
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
