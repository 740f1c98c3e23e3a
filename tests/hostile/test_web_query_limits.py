"""Queries that used to kill the engine, and the served endpoint's other dangers (issue 11, item 5 and
the read-only endpoint's SERVICE and timeout).

3,000 nested { } (12 kB) made `cyberlex query` die with SIGSEGV (exit 139, no message) and the Oxigraph
server behind `cyberlex serve` abort; 100,000 `!` (100 kB, two brackets deep) did the same. The read-only
endpoint ran `SERVICE <url>` (fetching from any address), and a query ran on however long it took.
The engine is the real one: pyoxigraph in-process, the Oxigraph server from PyPI for the endpoint.
"""

from __future__ import annotations

import http.server
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cyberlex.sparql.query import (
    DEFAULT_MAX_QUERY_BYTES,
    DEFAULT_MAX_QUERY_DEPTH,
    QueryLimits,
    nesting_depth,
    uses_service,
)
from cyberlex.sparql.serve import OxigraphServer
from fixed_corpus import fixed_graph, start_serve

DEEP = "SELECT * WHERE " + "{" * 3000 + " ?s ?p ?o " + "}" * 3000  # 12 kB
NOTS = "SELECT * WHERE { ?s ?p ?o FILTER(" + "!" * 100_000 + "true) }"  # 100 kB, within the limits
LONG = "SELECT * WHERE { ?s ?p ?o } # " + "x" * DEFAULT_MAX_QUERY_BYTES
# 10^8 rows to count: minutes of work for the engine
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(
    f"VALUES ?v{n} {{ {' '.join(str(i) for i in range(10))} }}" for n in range(8)) + " }"


def cyberlex(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The command in a process of its own (a crash must not take pytest with it)."""
    return subprocess.run([sys.executable, "-c", "from cyberlex.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=timeout, check=False)


# -- in-process: cyberlex query ------------------------------------------------------------------

def test_a_deeply_nested_query_is_refused_in_process_with_one_line() -> None:
    done = cyberlex("query", DEEP, "--data", str(fixed_graph()))
    assert done.returncode == 2, (done.returncode, done.stderr[-500:])
    assert done.stderr.splitlines() == [
        f"cyberlex: query refused: its brackets {{ }} ( ) [ ] nest 3000 deep, more than the limit of "
        f"{DEFAULT_MAX_QUERY_DEPTH} (--max-query-depth)"]


def test_a_long_query_is_refused_in_process_and_the_limits_are_flags(tmp_path: Path) -> None:
    long = tmp_path / "long.rq"
    long.write_text(LONG, encoding="utf-8")
    done = cyberlex("query", str(long), "--data", str(fixed_graph()))
    assert done.returncode == 2 and "(--max-query-bytes)" in done.stderr and len(done.stderr.splitlines()) == 1
    done = cyberlex("query", str(long), "--data", str(fixed_graph()), "--max-query-bytes", str(len(LONG) + 1),
                    "--format", "csv")
    assert done.returncode == 0, done.stderr
    done = cyberlex("query", "SELECT * WHERE { { { ?s ?p ?o } } }", "--data", str(fixed_graph()),
                    "--max-query-depth", "2")
    assert done.returncode == 2 and "nest 3 deep, more than the limit of 2" in done.stderr


def test_a_long_chain_within_the_limits_does_not_crash_in_process() -> None:
    done = cyberlex("query", NOTS, "--data", str(fixed_graph()), "--format", "csv")
    assert done.returncode == 0, (done.returncode, done.stderr[-500:])


def test_query_endpoint_refuses_before_parsing_locally() -> None:
    # --endpoint parses the query here first (to know its form): the limits come before that
    done = cyberlex("query", DEEP, "--endpoint", "http://127.0.0.1:9/query")
    assert done.returncode == 2 and "(--max-query-depth)" in done.stderr, (done.returncode, done.stderr[-300:])


def test_depth_and_service_are_found_outside_strings_and_iris() -> None:
    assert nesting_depth("SELECT * { ?s ?p '{{{{' }") == 5  # the raw text counts too: never less deep
    assert nesting_depth("SELECT * { ?s ?p ?o FILTER(?o > (1)) }") == 3
    assert uses_service("SELECT * { service <http://127.0.0.1:9/> { ?s ?p ?o } }")
    assert uses_service("SELECT * { SERVICE SILENT ?e { ?s ?p ?o } }")
    assert not uses_service("SELECT ?service { ?service <http://x/SERVICE> 'SERVICE' . ?s ex:SERVICE ?o } # SERVICE")


# -- the served endpoint ---------------------------------------------------------------------------

def ask(url: str, query: str, timeout: float = 60) -> tuple[int, str]:
    data = urllib.parse.urlencode({"query": query}).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/x-www-form-urlencoded",
                                                               "Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.fixture(scope="module")
def endpoint() -> Iterator[tuple[OxigraphServer, list[str]]]:
    lines: list[str] = []
    with OxigraphServer(fixed_graph(), timeout_s=2, notify=lines.append) as server:
        yield server, lines


def alive(server: OxigraphServer) -> bool:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status, body = ask(server.query_url, "ASK { ?s ?p ?o }", timeout=10)
        if status == 200:
            return '"boolean":true' in body.replace(" ", "")
        time.sleep(0.2)
    return False


def test_the_endpoint_refuses_deep_and_long_queries_and_lives(endpoint: tuple[OxigraphServer, list[str]]) -> None:
    server, lines = endpoint
    pid = server.process.pid if server.process else None
    status, body = ask(server.query_url, DEEP)
    assert (status, body.strip()) == (400, f"query refused: its brackets {{ }} ( ) [ ] nest 3000 deep, more than "
                                           f"the limit of {DEFAULT_MAX_QUERY_DEPTH} (--max-query-depth)")
    status, body = ask(server.query_url, LONG)
    assert status == 413 and "(--max-query-bytes)" in body
    get = server.query_url + "?" + urllib.parse.urlencode({"query": DEEP})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(get, timeout=30)
    assert refused.value.code == 400
    status, _body = ask(server.query_url, NOTS)  # within the limits: the server's large stack takes it
    assert status == 200
    assert alive(server) and server.process is not None and server.process.pid == pid and not lines


class Fetched(http.server.BaseHTTPRequestHandler):
    """A server a SERVICE clause could be pointed at: counts the requests it gets."""

    def do_GET(self) -> None:
        self.server.hits += 1  # type: ignore[attr-defined]
        self.send_response(500)
        self.end_headers()

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


def test_the_endpoint_refuses_service(endpoint: tuple[OxigraphServer, list[str]]) -> None:
    server, _lines = endpoint
    target: Any = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Fetched)
    target.hits = 0
    threading.Thread(target=target.serve_forever, daemon=True).start()
    try:
        query = f"SELECT * WHERE {{ SERVICE SILENT <http://127.0.0.1:{target.server_address[1]}/sparql> " \
                f"{{ ?s ?p ?o }} }}"
        status, body = ask(server.query_url, query)
        assert status == 403 and body.startswith("query refused: SERVICE") and "--allow-service" in body
        assert target.hits == 0
    finally:
        target.shutdown()
        target.server_close()


def test_a_query_past_the_timeout_is_stopped(endpoint: tuple[OxigraphServer, list[str]]) -> None:
    server, lines = endpoint
    started = time.monotonic()
    status, body = ask(server.query_url, SLOW, timeout=60)
    assert status == 504 and "(--query-timeout)" in body, (status, body)
    assert time.monotonic() - started < 15
    assert alive(server)
    assert any("ran past the limit of 2 s (--query-timeout)" in line and "restarted" in line for line in lines)


def test_a_server_that_dies_is_restarted_and_says_so(endpoint: tuple[OxigraphServer, list[str]]) -> None:
    server, lines = endpoint
    assert server.process is not None
    old = server.process.pid
    os.kill(old, signal.SIGKILL)
    assert alive(server)
    assert server.process is not None and server.process.pid != old
    assert any("stopped by itself (exit code -9); restarted it" in line for line in lines), lines


def test_service_can_be_allowed() -> None:
    with OxigraphServer(fixed_graph(), limits=QueryLimits(allow_service=True)) as server:
        status, body = ask(server.query_url, "SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:9/sparql> "
                                             "{ ?s ?p ?o } }")
        assert status == 200, body


# -- cyberlex serve, as a person runs it ---------------------------------------------------------

def test_cyberlex_serve_survives_the_deep_query() -> None:
    process, endpoint = start_serve()
    try:
        assert endpoint, process.stderr.read() if process.stderr else ""
        for query in (DEEP, NOTS):
            ask(endpoint, query)
        time.sleep(0.5)
        assert process.poll() is None
        assert ask(endpoint, "ASK { ?s ?p ?o }")[0] == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
