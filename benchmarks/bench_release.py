"""Time `cyberlex release` step by step: the build, then the dumps, the description and the site.

    .venv/bin/python benchmarks/bench_release.py [CORPUS] [--repeat N] [--compare DIR] [--json out.json]

CORPUS defaults to ../shared/corpus/un/text beside the repository. Each run is a whole release (cyberlex.release,
in this process) into a new temporary folder. Printed per run: the wall seconds of each step and the CPU seconds of
each step after the build (this process and the processes it forked for the step: the site's page writers; the
build's own workers are not counted, see bench_build.py), the pages and files of the site, and at the end the peak
memory of this process and of its largest child (`ru_maxrss`), and the load average before and after. With
--compare DIR (a release of the same corpus made by another version, say main's), every file of the release is
compared with that folder's, byte for byte. When the corpus is absent the script says so and exits 0.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import resource
import shutil
import sys
import tempfile
from pathlib import Path

from cyberlex.release import release

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "un" / "text"
AFTER_BUILD = ("dumps", "description", "site")


def differences(one: Path, other: Path) -> list[str]:
    """The files (relative paths) that are in only one of two folders or differ between them."""
    found: list[str] = []

    def walk(compared: filecmp.dircmp[str], prefix: str) -> None:
        found.extend(prefix + name for name in compared.left_only + compared.right_only + compared.funny_files)
        _, mismatched, errors = filecmp.cmpfiles(compared.left, compared.right, compared.common_files, shallow=False)
        found.extend(prefix + name for name in mismatched + errors)
        for name, sub in sorted(compared.subdirs.items()):
            walk(sub, f"{prefix}{name}/")

    walk(filecmp.dircmp(one, other), "")
    return sorted(found)


def peak_mb(who: int) -> float:
    """Peak resident memory in MB (ru_maxrss: KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(who).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=1, help="number of releases (default 1)")
    parser.add_argument("--compare", type=Path, default=None,
                        help="a release folder of the same corpus to compare every file with")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures as JSON to this path")
    args = parser.parse_args()
    if not args.corpus.exists():
        print(f"bench_release: skipped: corpus {args.corpus} not found (it lives in ../shared beside the repository)")
        return 0
    load_before = os.getloadavg()
    runs = []
    for run in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="cyberlex-bench-release-") as folder:
            out = Path(folder) / "release"
            result = release([args.corpus], out)
            files = sum(len(names) for _, _, names in os.walk(out / "site"))
            figures = {"seconds": result.seconds, "cpu_seconds": result.cpu_seconds, "pages": result.pages,
                       "site_files": files,
                       "after_build_seconds": sum(result.seconds.get(step, 0.0) for step in AFTER_BUILD)}
            if args.compare is not None:
                figures["differences"] = differences(out, args.compare)
            runs.append(figures)
            shutil.rmtree(out, ignore_errors=True)
        print(f"run {run + 1}: wall " + ", ".join(f"{step} {took:.1f}" for step, took in result.seconds.items())
              + f" (after the build {figures['after_build_seconds']:.1f} s); CPU "
              + ", ".join(f"{step} {took:.1f}" for step, took in result.cpu_seconds.items())
              + f"; site {result.pages} pages, {files} files"
              + (f"; {len(figures['differences'])} files differ from {args.compare}"
                 if args.compare is not None else ""))
    load_after = os.getloadavg()
    summary = {"runs": runs, "peak_mb": peak_mb(resource.RUSAGE_SELF),
               "peak_child_mb": peak_mb(resource.RUSAGE_CHILDREN), "load_before": load_before,
               "load_after": load_after, "cpus": os.cpu_count(), "python": sys.version.split()[0]}
    print(f"peak memory: this process {summary['peak_mb']:.0f} MB, its largest child {summary['peak_child_mb']:.0f} MB;"
          f" load average {load_before[0]:.2f} before, {load_after[0]:.2f} after ({os.cpu_count()} CPUs)")
    for figures in runs:
        for name in figures.get("differences", [])[:20]:
            print(f"differs: {name}")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    return 1 if any(figures.get("differences") for figures in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
