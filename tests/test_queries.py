"""The competency queries in queries/: each states its question and returns its expected rows on the
graph of the fixed corpus; the integrity checks return nothing; `cyberlex query` formats and errors."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pyoxigraph import Store

from cyberlex.cli import EXIT_ENDPOINT, main
from cyberlex.sparql.query import (
    QueryError,
    SelectResult,
    load_store,
    read_query,
    run_local,
    used_prefixes,
    with_known_prefixes,
)
from cyberlex.vocab import prefixes
from fixed_corpus import (
    check_queries,
    competency_queries,
    csv_rows,
    describe_difference,
    expected_path,
    expected_rows,
    fixed_graph,
    result_rows,
)


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def store() -> Store:
    return load_store(fixed_graph())


# -- the competency queries ---------------------------------------------------------------------

def test_there_are_at_least_fifteen_competency_queries() -> None:
    assert len(competency_queries()) >= 15


@pytest.mark.parametrize("query", competency_queries(), ids=lambda p: p.stem)
def test_query_states_its_question_and_declares_its_prefixes(query: Path) -> None:
    text = query.read_text(encoding="utf-8")
    assert text.startswith("# Question: "), f"{query.name} must open with '# Question: …'"
    used, declared = used_prefixes(text)
    assert used <= declared, f"{query.name} uses undeclared prefixes {sorted(used - declared)}"
    for prefix in declared & set(prefixes()):
        assert f"PREFIX {prefix}:" in text and f"<{prefixes()[prefix]}>" in text
    assert expected_path(query).is_file(), f"{expected_path(query).name} is missing"


@pytest.mark.parametrize("query", competency_queries(), ids=lambda p: p.stem)
def test_competency_query_returns_its_expected_rows(query: Path, store: Store) -> None:
    got = result_rows(run_local(store, query.read_text(encoding="utf-8")))
    expected = expected_rows(query)
    if got != expected:
        pytest.fail(describe_difference(query, got, expected), pytrace=False)


@pytest.mark.parametrize("check", check_queries(), ids=lambda p: p.stem)
def test_integrity_check_finds_nothing_on_a_good_build(check: Path, store: Store) -> None:
    text = check.read_text(encoding="utf-8")
    assert text.startswith("# Check: ")
    result = run_local(store, text)
    assert isinstance(result, SelectResult)
    assert result.rows == [], f"{check.name}: {result_rows(result)[1:6]}"


def test_checks_exist() -> None:
    assert len(check_queries()) >= 5


@pytest.mark.corpus
@pytest.mark.parametrize("check", check_queries(), ids=lambda p: p.stem)
def test_integrity_check_finds_nothing_on_the_un_corpus(check: Path, un_store: Store) -> None:
    result = run_local(un_store, check.read_text(encoding="utf-8"))
    assert isinstance(result, SelectResult)
    assert result.rows == [], f"{check.name}: {result_rows(result)[1:6]}"


@pytest.fixture(scope="module")
def un_store(shared: Path) -> Store:
    from cyberlex.build import build_store, collect_inputs

    return build_store(collect_inputs([shared / "corpus" / "un" / "text"])).store


# -- reading queries ----------------------------------------------------------------------------

def test_known_prefixes_are_declared_for_inline_queries(store: Store) -> None:
    result = run_local(store, 'SELECT DISTINCT ?s WHERE { ?s dcterms:identifier "A/RES/99/150" ; a clx:Resolution }')
    assert isinstance(result, SelectResult)
    assert [[t.value for t in row] for row in result.rows] == [["https://w3id.org/cyberlex/id/A-RES-99-150"]]


def test_prefixes_inside_strings_iris_and_comments_are_not_prefixes() -> None:
    query = '# foo:bar\nPREFIX ex: <http://x/a:b>\nSELECT * WHERE { ?s ex:p "skos:no" ; rdf:type ?t }'
    used, declared = used_prefixes(query)
    assert used == {"ex", "rdf"} and declared == {"ex"}
    prepared, added = with_known_prefixes(query)
    assert added == 1 and prepared.startswith("PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n")


def test_read_query_takes_a_file_or_inline_text(tmp_path: Path) -> None:
    file = tmp_path / "q.rq"
    file.write_text("ASK {}", encoding="utf-8")
    assert read_query(str(file)) == "ASK {}"
    assert read_query("SELECT * WHERE { ?s ?p ?o }") == "SELECT * WHERE { ?s ?p ?o }"
    with pytest.raises(QueryError, match="no such query file"):
        read_query(str(tmp_path / "missing.rq"))
    # an inline query on one line longer than a file name may be (255 bytes) is still a query
    long_one = "SELECT ?s WHERE { ?s ?p ?o " + "FILTER(?o != 1) " * 30 + "}"
    assert read_query(long_one) == long_one


# -- cyberlex query: formats --------------------------------------------------------------------

QUERY_99_150 = 'SELECT DISTINCT ?symbol ?title WHERE { ?i dcterms:identifier ?symbol ; dcterms:title ?title . ' \
               'FILTER(?symbol = "A/RES/99/150") }'


def test_query_table_for_people() -> None:
    result = run("query", QUERY_99_150, "--data", str(fixed_graph()))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["symbol", "title"]
    assert "A/RES/99/150  International cooperation against online fraud @en" in lines[2]
    assert lines[-1] == "(1 row)"


def test_query_csv_tsv_json() -> None:
    data = str(fixed_graph())
    as_csv = run("query", QUERY_99_150, "--data", data, "--format", "csv")
    assert csv_rows(as_csv.output) == [["symbol", "title"],
                                       ["A/RES/99/150", "International cooperation against online fraud"]]
    assert as_csv.stdout_bytes.endswith(b"\r\n")
    as_tsv = run("query", QUERY_99_150, "--data", data, "--format", "tsv")
    assert as_tsv.output == '?symbol\t?title\n"A/RES/99/150"\t"International cooperation against online fraud"@en\n'
    as_json = json.loads(run("query", QUERY_99_150, "--data", data, "--format", "json").output)
    assert as_json["head"]["vars"] == ["symbol", "title"]
    assert as_json["results"]["bindings"] == [{
        "symbol": {"type": "literal", "value": "A/RES/99/150"},
        "title": {"type": "literal", "value": "International cooperation against online fraud", "xml:lang": "en"}}]


def test_query_ask_and_construct() -> None:
    data = str(fixed_graph())
    assert run("query", "ASK { ?s a clx:Reservation }", "--data", data).output == "yes\n"
    assert json.loads(run("query", "ASK { ?s a clx:Nothing }", "--data", data, "--format", "json").output) == {
        "head": {}, "boolean": False}
    graph = run("query", "CONSTRUCT { ?i clx:establishes ?b } WHERE { ?i clx:establishes ?b }", "--data", data)
    assert graph.exit_code == 0
    assert "@prefix clx: <https://w3id.org/cyberlex/ontology#> ." in graph.output
    assert ("<https://w3id.org/cyberlex/id/A-RES-99-150/op/2> clx:establishes "
            "<https://w3id.org/cyberlex/id/body/a-res-99-150/expert-group> .") in graph.output
    described = run("query", "DESCRIBE <https://w3id.org/cyberlex/id/A-RES-99-150>", "--data", data)
    assert "International cooperation against online fraud" in described.output
    refused = run("query", "CONSTRUCT WHERE { ?s a clx:Body }", "--data", data, "--format", "csv")
    assert refused.exit_code == 2 and "gives Turtle" in refused.output


def test_query_reads_a_graph_file_and_a_query_file(tmp_path: Path) -> None:
    query = tmp_path / "count.rq"
    query.write_text("SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a clx:Reservation }", encoding="utf-8")
    result = run("query", str(query), "--data", str(fixed_graph() / "graph.ttl"), "--format", "csv")
    assert csv_rows(result.output) == [["n"], ["3"]]


# -- cyberlex query: errors, one line each ------------------------------------------------------

def one_line_error(result: Result, code: int) -> str:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("cyberlex: ")
    return lines[0]


def test_syntax_error_names_line_and_column() -> None:
    bad = "PREFIX clx: <https://w3id.org/cyberlex/ontology#>\nSELECT ?s WHERE {\n  ?s clx:cites \n}"
    line = one_line_error(run("query", bad, "--data", str(fixed_graph())), 2)
    assert "syntax error at line 4, column 1" in line


def test_syntax_error_line_ignores_the_prefixes_added() -> None:
    line = one_line_error(run("query", "SELECT ?s WHERE {\n ?s clx:cites ?o ;\n}}", "--data", str(fixed_graph())), 2)
    assert "syntax error at line 3" in line


def test_undeclared_prefix_is_named() -> None:
    line = one_line_error(run("query", "SELECT * WHERE { foo:x ?p ?o }", "--data", str(fixed_graph())), 2)
    assert "prefix foo: is not declared" in line


def test_missing_graph_and_missing_query_file(tmp_path: Path) -> None:
    line = one_line_error(run("query", "ASK {}", "--data", str(tmp_path)), 2)
    assert "no graph.trig or graph.ttl" in line and "cyberlex build" in line
    line = one_line_error(run("query", str(tmp_path / "nope.rq"), "--data", str(fixed_graph())), 2)
    assert "no such query file" in line


def test_unreachable_endpoint() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    line = one_line_error(run("query", "ASK {}", "--endpoint", f"http://127.0.0.1:{port}/query"), EXIT_ENDPOINT)
    assert "cannot reach" in line and "connection refused" in line


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A local TCP server that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
                accepted.append(connection)
            except TimeoutError:
                continue
            except OSError:
                break

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/query"
    stop.set()
    thread.join(2)
    for connection in accepted:
        connection.close()
    listener.close()


def test_endpoint_timeout(silent_server: str) -> None:
    line = one_line_error(run("query", "ASK {}", "--endpoint", silent_server, "--timeout", "0.5"), EXIT_ENDPOINT)
    assert "timeout" in line


def test_in_process_timeout_ends_the_command() -> None:
    # a cross product far too big to finish; run as a process, since the query's thread cannot be stopped
    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    done = subprocess.run([sys.executable, "-c", "from cyberlex.cli import main; main()", "query", heavy,
                           "--data", str(fixed_graph()), "--timeout", "0.5"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == EXIT_ENDPOINT, done.stderr
    assert done.stderr.strip() == "cyberlex: the query did not finish within 0.5 s (timeout)"
