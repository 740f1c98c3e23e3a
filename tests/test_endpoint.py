"""A real SPARQL endpoint: the Oxigraph server started on 127.0.0.1, the graph published to it with the
Graph Store Protocol, and every competency query run through `--endpoint`, giving the same rows as
in-process. Runs wherever `make test` runs (the oxigraph package is a dependency), CI included."""

from __future__ import annotations

import http.server
import json
import signal
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cyberlex.cli import EXIT_ENDPOINT, EXIT_NOT_VERIFIED, main
from cyberlex.publish import dataset_namespaces, graph_url, graphs_to_send, query_endpoint_for
from cyberlex.sparql.query import Credentials, load_store
from cyberlex.sparql.serve import OxigraphServer, oxigraph_binary
from fixed_corpus import (
    competency_queries,
    csv_rows,
    describe_difference,
    expected_rows,
    fixed_graph,
    start_serve,
)


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_the_oxigraph_server_is_installed() -> None:
    # no skip: the integration tests below must run in CI too
    assert Path(oxigraph_binary()).is_file()


@pytest.fixture(scope="module")
def published() -> Iterator[OxigraphServer]:
    """An empty read-write server on 127.0.0.1 (a free port), with the fixed corpus's graph published."""
    with OxigraphServer(None, writable=True) as server:
        result = run("publish", "--endpoint", server.store_url, "--data", str(fixed_graph()), "--replace")
        assert result.exit_code == 0, result.output
        yield server


def test_publish_reports_and_verifies(published: OxigraphServer) -> None:
    graphs = graphs_to_send(load_store(fixed_graph(), union_default=False))
    sent = sum(len(triples) for triples in graphs.values())
    # publishing again with --replace replaces, so the counts stay exact
    result = run("publish", "--endpoint", published.store_url, "--data", str(fixed_graph()), "--replace")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"replaced {len(graphs)} named graphs at {published.store_url} (PUT): {sent} triples",
        f"verified at {published.query_url}: {sent} triples in those graphs"]
    assert any(name.endswith("/source/ga-resolution-online-fraud-txt") for name in graphs)
    assert any(name.endswith("/graph/gazetteer") for name in graphs)


def remote_query(endpoint: str, query: str) -> list[list[str]]:
    result = run("query", query, "--endpoint", endpoint, "--format", "csv")
    assert result.exit_code == 0, result.output
    return csv_rows(result.output)


@pytest.mark.parametrize("query", competency_queries(), ids=lambda p: p.stem)
def test_query_through_the_endpoint_gives_the_same_rows(query: Path, published: OxigraphServer) -> None:
    text = query.read_text(encoding="utf-8")
    if text.split("PREFIX", 1)[-1].lstrip().startswith(("CONSTRUCT", "DESCRIBE")) or "\nCONSTRUCT" in text:
        local = run("query", str(query), "--data", str(fixed_graph()))
        remote = run("query", str(query), "--endpoint", published.query_url)
        assert remote.exit_code == 0, remote.output
        assert remote.output == local.output  # the same Turtle, byte for byte (sorted)
        return
    local_rows = csv_rows(run("query", str(query), "--data", str(fixed_graph()), "--format", "csv").output)
    remote_rows = remote_query(published.query_url, str(query))
    assert remote_rows == local_rows
    expected = expected_rows(query)
    if remote_rows != expected:
        pytest.fail(describe_difference(query, remote_rows, expected), pytrace=False)


def test_formats_are_the_same_through_the_endpoint(published: OxigraphServer) -> None:
    query = 'SELECT DISTINCT ?s ?t WHERE { ?s dcterms:title ?t } ORDER BY ?s'
    for fmt in ("table", "csv", "tsv", "json"):
        local = run("query", query, "--data", str(fixed_graph()), "--format", fmt)
        remote = run("query", query, "--endpoint", published.query_url, "--format", fmt)
        assert remote.output == local.output, fmt
    ask = run("query", "ASK { ?r a clx:Reservation }", "--endpoint", published.query_url)
    assert ask.output == "yes\n"


def test_errors_through_the_endpoint_are_one_line(published: OxigraphServer) -> None:
    bad = run("query", "SELECT ?s WHERE {\n  ?s clx:cites\n}", "--endpoint", published.query_url)
    assert bad.exit_code == 2 and "Traceback" not in bad.output
    assert bad.output.startswith("cyberlex: syntax error at line 3, column 1") and bad.output.count("\n") == 1
    missing = run("query", "ASK {}", "--endpoint", published.base_url + "/nothing-here")
    assert missing.exit_code == EXIT_ENDPOINT and missing.output.count("\n") == 1
    assert "HTTP 404" in missing.output


def test_publish_the_whole_dataset_as_one_graph(published: OxigraphServer) -> None:
    name = "https://example.org/graph/cyberlex-test"
    result = run("publish", "--endpoint", published.store_url, "--data", str(fixed_graph()), "--graph", name,
                 "--replace")
    assert result.exit_code == 0, result.output
    union = graphs_to_send(load_store(fixed_graph(), union_default=False), name)[name]
    assert f"replaced 1 named graph at {published.store_url} (PUT): {len(union)} triples" in result.output
    rows = remote_query(published.query_url, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}")
    assert rows == [["n"], [str(len(union))]]
    # and it goes again with DROP, so that the queries above see only the per-document graphs
    request = urllib.request.Request(graph_url(published.store_url, name), method="DELETE")
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status in (200, 204)


def test_verification_fails_when_the_endpoint_does_not_hold_the_triples(published: OxigraphServer) -> None:
    with OxigraphServer(None) as other:  # counts asked of another, empty server: nothing arrived there
        result = run("publish", "--endpoint", published.store_url, "--data", str(fixed_graph()),
                     "--sparql", other.query_url)
    assert result.exit_code == EXIT_NOT_VERIFIED
    assert "graphs differ after the push" in result.output and "Traceback" not in result.output


def test_read_only_server_refuses_writes() -> None:
    with OxigraphServer(fixed_graph()) as server:
        rows = remote_query(server.query_url, "SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a clx:Reservation }")
        assert rows == [["n"], ["3"]]
        result = run("publish", "--endpoint", server.store_url, "--data", str(fixed_graph()), "--no-verify")
        assert result.exit_code == EXIT_ENDPOINT
        line = result.output.strip()
        assert line.startswith("cyberlex: POST ") and "HTTP 4" in line and "\n" not in line


def test_publish_to_an_unreachable_endpoint() -> None:
    result = run("publish", "--endpoint", "http://127.0.0.1:9/store", "--data", str(fixed_graph()))
    assert result.exit_code == EXIT_ENDPOINT
    assert result.output.strip().startswith("cyberlex: cannot reach http://127.0.0.1:9/store")


def test_query_endpoint_is_guessed_for_the_usual_servers() -> None:
    assert query_endpoint_for("http://localhost:7878/store") == "http://localhost:7878/query"
    assert query_endpoint_for("http://localhost:3030/ds/data") == "http://localhost:3030/ds/sparql"
    assert query_endpoint_for("http://localhost:8890/sparql-graph-crud-auth") == "http://localhost:8890/sparql"
    assert query_endpoint_for("http://example.org/other") == "http://example.org/other"
    assert graph_url("http://h/store", "http://x/g#1") == "http://h/store?graph=http%3A%2F%2Fx%2Fg%231"


# -- authentication -----------------------------------------------------------------------------

class RecordingStore(http.server.BaseHTTPRequestHandler):
    """A Graph Store stand-in: accepts PUT and POST only with the expected Authorization header."""

    expected = ""
    seen: list[tuple[str, str, str]] = []  # noqa: RUF012 (shared by the test on purpose)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        authorization = self.headers.get("Authorization", "")
        self.seen.append((self.command, self.path, authorization))
        self.send_response(204 if authorization == self.expected else 401)
        self.end_headers()

    do_PUT = do_POST = _handle

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def recording_store() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RecordingStore)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    RecordingStore.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}/store"
    server.shutdown()
    server.server_close()


def test_bearer_token_and_basic_auth_are_sent(recording_store: str) -> None:
    RecordingStore.expected = "Bearer s3cret"
    result = run("publish", "--endpoint", recording_store, "--data", str(fixed_graph()), "--token", "s3cret",
                 "--no-verify")
    assert result.exit_code == 0, result.output
    assert {auth for _, _, auth in RecordingStore.seen} == {"Bearer s3cret"}
    assert all(method == "POST" and "?graph=" in path for method, path, _ in RecordingStore.seen)
    RecordingStore.expected = Credentials(user="ana", password="pw").headers()["Authorization"]
    result = run("publish", "--endpoint", recording_store, "--data", str(fixed_graph()), "--user", "ana",
                 "--password", "pw", "--no-verify", "--replace")
    assert result.exit_code == 0, result.output
    refused = run("publish", "--endpoint", recording_store, "--data", str(fixed_graph()), "--no-verify")
    assert refused.exit_code == EXIT_ENDPOINT
    assert "HTTP 401" in refused.output and "--token" in refused.output
    # a user and password refused as basic authentication: the hint is --digest (Virtuoso asks for it)
    basic = run("publish", "--endpoint", recording_store, "--data", str(fixed_graph()), "--user", "ana",
                "--password", "wrong", "--no-verify")
    assert basic.exit_code == EXIT_ENDPOINT
    assert "HTTP 401" in basic.output and "add --digest" in basic.output and "--token" not in basic.output
    asked = run("query", "SELECT * WHERE { ?s ?p ?o }", "--endpoint", recording_store, "--user", "ana",
                "--password", "wrong")
    assert asked.exit_code == EXIT_ENDPOINT and "add --digest" in asked.output, asked.output


# -- cyberlex serve, as a person runs it --------------------------------------------------------

def test_cyberlex_serve_answers_and_stops_on_sigterm() -> None:
    process, endpoint = start_serve()
    try:
        assert endpoint.startswith("http://127.0.0.1:"), process.stderr.read() if process.stderr else ""
        url = endpoint + "?" + urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s a clx:Body }"
                                                       .replace("clx:", "<https://w3id.org/cyberlex/ontology#>")
                                                       .replace("#>Body", "#Body>")})
        request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            count = int(json.load(answer)["results"]["bindings"][0]["n"]["value"])
        assert count > 0
        update = urllib.request.Request(endpoint.replace("/query", "/update"), method="POST",
                                        data=b"DROP ALL", headers={"Content-Type": "application/sparql-update"})
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(update, timeout=10)
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
        with pytest.raises(urllib.error.URLError):  # the Oxigraph server went with it
            urllib.request.urlopen(url, timeout=2)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_an_evidence_graph_lives_in_its_documents_namespace() -> None:
    """So that prune finds the evidence graph of a document that left the corpus, and the query that lists
    the dataset's graphs names two namespaces, not one per document (Virtuoso refuses hundreds of ORs)."""
    source = "https://w3id.org/cyberlex/id/source/"
    graphs = [f"{source}a-txt", f"{source}a-txt/evidence", f"{source}b-txt", f"{source}b-txt/evidence",
              "https://w3id.org/cyberlex/id/graph/gazetteer"]
    assert dataset_namespaces(graphs) == ["https://w3id.org/cyberlex/id/graph/", source]
