"""Time each competency query of queries/ on the graph of the UN corpus, in-process and through the server.

    .venv/bin/python benchmarks/bench_queries.py [CORPUS] [--repeat 5] [--json out.json]

Builds CORPUS (default ../shared/corpus/un/text beside the repository, never copied into it) without
validation into a temporary folder, then for each queries/cq-*.rq (and, for the queries about one
instrument of the sample corpus, the same query about an instrument of the UN corpus: VARIANTS)
takes the median of --repeat runs:
in-process (pyoxigraph, the store `cyberlex query` loads, union of the named graphs) and through a
read-only Oxigraph server on 127.0.0.1 (`cyberlex serve`'s, via SPARQLWrapper as `cyberlex query
--endpoint` asks it: HTTP, JSON results, parsing). One untimed run of each query comes first, so the
figures are warm. When the corpus is absent the script says so and exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cyberlex import __version__
from cyberlex.build import build_store, collect_inputs
from cyberlex.serialise import write_graph
from cyberlex.sparql.query import GraphResult, Result, SelectResult, load_store, read_query, run_local, run_remote
from cyberlex.sparql.serve import OxigraphServer

# The queries name instruments of the fixed corpus (samples/), which the UN corpus does not hold, so
# the ones about one instrument are also timed asked about one it does hold: (label, text, replacement).
VARIANTS = {
    "cq-01-cites-65-230": [("A/RES/70/1", '"A/RES/65/230"', '"A/RES/70/1"')],
    "cq-02-citation-chain-uncc": [("chain to A/RES/70/1", "<https://w3id.org/cyberlex/id/instrument/uncc>",
                                   "<https://w3id.org/cyberlex/id/A-RES-70-1>")],
    "cq-03-what-99-101-rests-on": [("A/RES/76/187", '"A/RES/99/101"', '"A/RES/76/187"')],
    "cq-18-evidence-for-citations": [("A/RES/70/1", '"CCPCJ 22/8"', '"A/RES/70/1"')],
}

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "un" / "text"
QUERIES = REPO_ROOT / "queries"


def size(result: Result) -> int:
    """Rows of a SELECT, triples of a CONSTRUCT, 1 for an ASK."""
    if isinstance(result, GraphResult):
        return len(result.triples)
    if isinstance(result, SelectResult):
        return len(result.rows)
    return 1


def timed(run: Callable[[], Result], repeat: int) -> tuple[list[float], Result]:
    """Wall times of repeat runs, and the last result."""
    times: list[float] = []
    result: Result | None = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    assert result is not None
    return times, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS,
                        help=f"file or folder to build (default: {DEFAULT_CORPUS})")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each query (default: 5)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures as JSON to this path")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    corpus: Path = args.corpus
    if not corpus.exists():
        print(f"bench_queries: skipped: corpus {corpus} not found (it lives in ../shared beside the repository)")
        return 0

    queries = sorted(QUERIES.glob("cq-*.rq"))
    with tempfile.TemporaryDirectory(prefix="cyberlex-bench-queries-") as folder:
        out = Path(folder)
        started = time.perf_counter()
        files = collect_inputs([corpus])
        built = build_store(files)
        write_graph(built.store, out)
        build_s = time.perf_counter() - started
        triples = built.counts.get("triples", 0)
        print(f"corpus: {corpus} ({len(files)} files, {built.documents} built), {triples} triples, "
              f"built without validation in {build_s:.1f} s; {args.repeat} timed runs per query")
        del built

        started = time.perf_counter()
        store = load_store(out)
        load_s = time.perf_counter() - started
        started = time.perf_counter()
        server = OxigraphServer(out).start()
        serve_s = time.perf_counter() - started
        print(f"load into pyoxigraph: {load_s:.2f} s; oxigraph load + server start: {serve_s:.2f} s")
        rows = []
        try:
            asked = []
            for query in queries:
                asked.append((query.stem, read_query(str(query))))
                for label, old, replacement in VARIANTS.get(query.stem, []):
                    assert old in asked[-1][1], (query.stem, old)
                    asked.append((f"{query.stem} ({label})", asked[-1][1].replace(old, replacement)))
            for name, text in asked:
                run_local(store, text)  # warm-up
                local_times, local_result = timed(lambda t=text: run_local(store, t), args.repeat)
                run_remote(server.query_url, text, timeout=600)
                remote_times, remote_result = timed(
                    lambda t=text: run_remote(server.query_url, t, timeout=600), args.repeat)
                row = {"query": name, "rows": size(local_result), "rows_remote": size(remote_result),
                       "in_process_ms": round(statistics.median(local_times) * 1000, 1),
                       "server_ms": round(statistics.median(remote_times) * 1000, 1),
                       "in_process_times_ms": [round(t * 1000, 1) for t in local_times],
                       "server_times_ms": [round(t * 1000, 1) for t in remote_times]}
                rows.append(row)
                print(f"  {row['query']:<52} {row['rows']:>6} rows  in-process {row['in_process_ms']:>9.1f} ms  "
                      f"server {row['server_ms']:>9.1f} ms")
        finally:
            server.stop()

    figures = {"corpus": str(corpus), "files": len(files), "triples": triples, "build_s": round(build_s, 1),
               "load_s": round(load_s, 2), "server_start_s": round(serve_s, 2), "repeat": args.repeat,
               "queries": rows, "cyberlex": __version__, "python": platform.python_version(),
               "platform": platform.platform(), "cpus": os.cpu_count()}
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
