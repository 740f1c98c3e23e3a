"""Time a whole cyberlex build (read → segment → extract → map → validate → serialise) on a real corpus.

    .venv/bin/python benchmarks/bench_build.py [CORPUS] [--repeat 3] [--no-validate] [--json out.json]

CORPUS defaults to ../shared/corpus/un/text beside the repository (never copied into it); when it
is absent the script says so and exits 0, so `make bench` does not fail on a machine without it.
Each run calls cyberlex.build.build in this process, writing into a fresh temporary folder; then pyoxigraph
parses the graph written (graph.trig and evidence.trig: every quad once), in the same run, so that the build's
time can be read against the least that any tool reading this much RDF takes here (the ratio printed).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pyoxigraph import RdfFormat, parse

from cyberlex import __version__
from cyberlex.build import build, collect_inputs

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "un" / "text"


def peak_rss_mb() -> float:
    """Peak resident set size so far, in MB, of this process or of the largest of the processes it
    started (the build extracts and validates in child processes); ru_maxrss is KiB on Linux, bytes on
    macOS."""
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
               resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def parse_seconds(files: list[Path]) -> float:
    """Seconds pyoxigraph takes to parse these TriG files, every quad read (streaming, no store)."""
    started = time.perf_counter()
    for path in files:
        for _quad in parse(path=str(path), format=RdfFormat.TRIG):
            pass
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS,
                        help=f"file or folder to build (default: {DEFAULT_CORPUS})")
    parser.add_argument("--repeat", type=int, default=3, help="number of builds (default: 3)")
    parser.add_argument("--no-validate", action="store_true", help="skip SHACL validation: extraction alone")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures as JSON to this path")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    corpus: Path = args.corpus
    if not corpus.exists():
        print(f"bench_build: skipped: corpus {corpus} not found "
              "(it lives in ../shared beside the repository)")
        return 0
    files = collect_inputs([corpus])
    validate = not args.no_validate
    print(f"corpus: {corpus} ({len(files)} files), validation {'on' if validate else 'off'}, "
          f"{args.repeat} run(s)")

    rss_before = peak_rss_mb()
    times: list[float] = []
    parse_times: list[float] = []
    result = None
    for run in range(1, args.repeat + 1):
        with tempfile.TemporaryDirectory(prefix="cyberlex-bench-") as out:
            started = time.perf_counter()
            # as `cyberlex build` runs it: its cache in the output folder, no store kept after the build
            result = build([corpus], Path(out), run_validation=validate, fill_store=False)
            elapsed = time.perf_counter() - started
            parse_times.append(parse_seconds([p for p in result.written.values() if p.suffix == ".trig"]))
        times.append(elapsed)
        print(f"  run {run}: {elapsed:.2f} s; pyoxigraph parses its graph in {parse_times[-1]:.2f} s "
              f"(x{elapsed / parse_times[-1]:.1f})")
    assert result is not None

    median = statistics.median(times)
    triples = result.counts.get("triples", 0)
    figures = {
        "corpus": str(corpus),
        "files": len(files),
        "documents": result.documents,
        "failures": len(result.failures),
        "validate": validate,
        "violations": result.violations,
        "repeat": args.repeat,
        "times_s": [round(t, 3) for t in times],
        "median_s": round(median, 3),
        "min_s": round(min(times), 3),
        "pyoxigraph_parse_s": round(statistics.median(parse_times), 3),
        "ratio_to_parse": round(median / statistics.median(parse_times), 1),
        "documents_per_s": round(result.documents / median, 1),
        "triples": triples,
        "triples_per_s": round(triples / median),
        "counts": result.counts,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "rss_before_build_mb": round(rss_before, 1),
        "cyberlex": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }

    print(f"wall time: median {median:.2f} s, min {min(times):.2f} s; {figures['ratio_to_parse']} times what "
          f"pyoxigraph takes to parse the graph written ({figures['pyoxigraph_parse_s']} s)")
    print(f"documents: {result.documents} ({len(result.failures)} failed), "
          f"{figures['documents_per_s']} documents/s")
    print(f"triples: {triples}, {figures['triples_per_s']} triples/s")
    if validate:
        print(f"violations: {result.violations}")
    print(f"peak memory: {figures['peak_rss_mb']} MB (ru_maxrss; {figures['rss_before_build_mb']} MB before "
          f"the first build)")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
