"""The fixed corpus the competency queries are answered on, built once per test session.

samples/ (the demo corpus) and tests/cases/query_corpus/ (two more documents written for the queries:
a General Assembly resolution that establishes a body and recalls an endorsement, and an English EU
Council note that carries the citation chain to the UN Convention against Cybercrime one step further).
All invented by the project; nothing copied from ../shared.
"""

from __future__ import annotations

import atexit
import csv
import functools
import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cyberlex.build import build_store, collect_inputs
from cyberlex.serialise import write_graph
from cyberlex.sparql.query import GraphResult, Result, SelectResult, to_csv

REPO = Path(__file__).resolve().parents[1]
QUERIES = REPO / "queries"
CHECKS = QUERIES / "checks"
FIXED_CORPUS = [REPO / "samples", REPO / "tests" / "cases" / "query_corpus"]


def competency_queries() -> list[Path]:
    return sorted(QUERIES.glob("cq-*.rq"))


def check_queries() -> list[Path]:
    return sorted(CHECKS.glob("*-violation.rq"))


def expected_path(query: Path) -> Path:
    return query.with_name(query.stem + ".expected.csv")


@functools.cache
def fixed_graph() -> Path:
    """A build folder (graph.trig, graph.ttl) of the fixed corpus, in a temporary folder for the session."""
    folder = Path(tempfile.mkdtemp(prefix="cyberlex-fixed-graph-"))
    atexit.register(shutil.rmtree, folder, True)
    result = build_store(collect_inputs(FIXED_CORPUS))
    assert result.failures == [], result.failures
    write_graph(result.store, folder)
    return folder


def start_serve(*args: str) -> tuple[subprocess.Popen[str], str]:
    """`cyberlex serve --data <fixed graph> --port 0 ARGS` in a process of its own, and its query endpoint
    once it says it ("" if it did not within 60 s). The caller stops the process."""
    command = [sys.executable, "-c", "from cyberlex.cli import main; main()", "serve", "--data",
               str(fixed_graph()), "--port", "0", *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if line.startswith("SPARQL query endpoint: "):
            return process, line.split(": ", 1)[1].strip()
    return process, ""


def stop_process(process: subprocess.Popen[str]) -> None:
    """Stop a `cyberlex serve` child as Ctrl-C would (SIGTERM), killing it if it has not ended in 30 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def csv_rows(text: str) -> list[list[str]]:
    """Rows of a CSV text (header first), whatever its line endings."""
    return [row for row in csv.reader(io.StringIO(text, newline="")) if row]


def result_rows(result: Result) -> list[list[str]]:
    """A result as CSV rows, header first: a SELECT as SPARQL CSV; a graph as sorted subject, predicate,
    object rows."""
    if isinstance(result, GraphResult):
        triples = sorted([t.subject.value, t.predicate.value, t.object.value]  # type: ignore[union-attr]
                         for t in result.triples)
        return [["subject", "predicate", "object"], *triples]
    assert isinstance(result, SelectResult), result
    return csv_rows(to_csv(result))


def expected_rows(query: Path) -> list[list[str]]:
    return csv_rows(expected_path(query).read_text(encoding="utf-8"))


def describe_difference(query: Path, got: list[list[str]], expected: list[list[str]]) -> str:
    missing = [row for row in expected[1:] if row not in got[1:]]
    extra = [row for row in got[1:] if row not in expected[1:]]
    lines = [f"{query.name}: the rows differ from {expected_path(query).name}"]
    if got[:1] != expected[:1]:
        lines.append(f"  columns: {got[:1]} instead of {expected[:1]}")
    lines += [f"  missing: {row}" for row in missing] + [f"  extra:   {row}" for row in extra]
    if not missing and not extra and got[:1] == expected[:1]:
        lines.append("  same rows in another order")
    lines.append("  (the expected rows say what the documents say: read them before changing the file)")
    return "\n".join(lines)
