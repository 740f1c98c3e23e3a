"""Query results are written as they are read (issue 11: 1 M rows as JSON took 8.5 GB).

`cyberlex query` held every row, then the whole formatted text, before writing a byte. Now a SELECT's
rows go from the engine (or from the endpoint's response, parsed as it arrives) to stdout one by one,
so the peak memory of the process does not grow with the number of rows. Measured on 160,000 rows
(VALUES × VALUES, so no large store is needed) in a child process, whose own peak (ru_maxrss from
wait4) is compared with the same process answering an ASK: before, JSON peaked at 776 MB, CSV at
158 MB and the table at 223 MB against 77 MB for the ASK; now all four stay at the ASK's.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fixed_corpus import fixed_graph, start_serve

VALUES = " ".join(str(i) for i in range(400))
MANY = (f"SELECT ?a ?b ?c WHERE {{ VALUES ?a {{ {VALUES} }} VALUES ?b {{ {VALUES} }} "
        f'BIND(CONCAT("row ", STR(?a), " and ", STR(?b), ", a cell of some length") AS ?c) }}')
ROWS = 400 * 400
# Far below what holding the rows takes (hundreds of MB), far above the noise between two runs.
ALLOWED_GROWTH_MB = 40


def peak_mb(*args: str, out: Path | None = None) -> tuple[int, int, str]:
    """`cyberlex ARGS` in a child process: its peak resident memory (MB), its exit code, its stderr."""
    with open(out or os.devnull, "wb") as sink:
        child = subprocess.Popen([sys.executable, "-c", "from cyberlex.cli import main; main()", *args],
                                 stdout=sink, stderr=subprocess.PIPE)
        assert child.stderr is not None
        stderr = child.stderr.read().decode("utf-8", "replace")
        _pid, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss // 1024, child.returncode, stderr


@pytest.fixture(scope="module")
def graph() -> Path:
    return fixed_graph()


@pytest.fixture
def many(tmp_path: Path) -> str:
    """The query of many rows, as a file."""
    path = tmp_path / "many.rq"
    path.write_text(MANY, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("fmt", ["json", "csv", "tsv", "table"])
def test_many_rows_in_process_are_written_without_being_held(fmt: str, graph: Path, many: str, tmp_path: Path) -> None:
    baseline, code, stderr = peak_mb("query", "--data", str(graph), "ASK { ?s ?p ?o }")
    assert code == 0, stderr
    out = tmp_path / f"rows.{fmt}"
    peak, code, stderr = peak_mb("query", "--data", str(graph), "--format", fmt, many, out=out)
    assert code == 0, stderr
    with out.open("rb") as written:
        lines = sum(1 for _ in written)
    assert lines >= ROWS  # every row was written (JSON: several lines each)
    assert peak - baseline < ALLOWED_GROWTH_MB, f"{fmt}: peak {peak} MB against {baseline} MB for an ASK"


def test_many_rows_from_an_endpoint_are_written_as_they_arrive(many: str, tmp_path: Path) -> None:
    server, query_url = start_serve()
    try:
        assert query_url, "the server did not start"
        baseline, code, stderr = peak_mb("query", "--endpoint", query_url, "ASK { ?s ?p ?o }")
        assert code == 0, stderr
        out = tmp_path / "rows.csv"
        peak, code, stderr = peak_mb("query", "--endpoint", query_url, "--format", "csv", many, out=out)
    finally:
        server.terminate()
        server.wait(30)
    assert code == 0, stderr
    with out.open("rb") as written:
        assert sum(1 for _ in written) == ROWS + 1
    assert peak - baseline < ALLOWED_GROWTH_MB, f"peak {peak} MB against {baseline} MB for an ASK"


def test_a_closed_pipe_ends_the_output_quietly(graph: Path, many: str) -> None:
    command = [sys.executable, "-c", "from cyberlex.cli import main; main()", "query", "--data", str(graph),
               "--format", "csv", many]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout is not None and child.stderr is not None
    assert child.stdout.readline() == b"a,b,c\r\n"
    child.stdout.close()  # as `| head -1` does
    stderr = child.stderr.read()
    assert child.wait(60) == 0
    assert stderr == b""


def test_an_inline_query_of_a_few_kilobytes_is_not_taken_for_a_file_name(graph: Path) -> None:
    done = subprocess.run([sys.executable, "-c", "from cyberlex.cli import main; main()", "query", "--data",
                           str(graph), "--format", "csv", MANY.replace("400", "3")], capture_output=True, check=False)
    assert done.returncode == 0, done.stderr[-300:]  # was: OSError 'File name too long', a traceback


def test_the_table_measures_its_widths_on_the_first_rows_and_writes_every_row() -> None:
    import io

    from pyoxigraph import Literal

    from cyberlex.sparql.query import SelectStream, write_table

    rows = iter([[Literal("a")], [Literal("bb")], [Literal("a much longer cell")]])
    out = io.StringIO()
    write_table(SelectStream(["x"], rows), out, lookahead=2)
    assert out.getvalue().splitlines() == ["x", "--", "a", "bb", "a much longer cell", "(3 rows)"]
