"""Credentials never follow a redirect to another origin (issue 11, item 2).

Real HTTP servers on 127.0.0.1, each on its own port (so each its own origin): the first redirects to
the second, which records what it is sent. `cyberlex query --endpoint` and `cyberlex publish` used to
send the Authorization header (basic password, bearer token) on to the second.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from click.testing import CliRunner, Result

from cyberlex.cli import EXIT_NOT_VERIFIED, main
from fixed_corpus import fixed_graph

ANSWER = json.dumps({"head": {"vars": ["n"]}, "results": {"bindings": [
    {"n": {"type": "literal", "value": "7"}}]}}).encode()


class Recorder(http.server.BaseHTTPRequestHandler):
    """Records (method, path, Authorization) of each request; redirects a request for /moved/… to the
    server's `target` (a base URL) with its `code`, and answers anything else with a SPARQL result."""

    def _handle(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        server: Any = self.server
        server.seen.append((self.command, self.path, self.headers.get("Authorization")))
        if self.path.startswith("/moved/"):
            self.send_response(server.code)
            self.send_header("Location", server.target + "/" + self.path.split("/", 2)[2])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(ANSWER)))
        self.end_headers()
        self.wfile.write(ANSWER)

    do_GET = do_POST = do_PUT = _handle

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def servers() -> Iterator[Callable[[], Any]]:
    """Starts recording servers on 127.0.0.1 (each on its own port: its own origin); stops them after."""
    started: list[Any] = []

    def start() -> Any:
        server: Any = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
        server.seen, server.code = [], 303
        server.url = f"http://127.0.0.1:{server.server_address[1]}"
        server.target = server.url
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.shutdown()
        server.server_close()


def auths(server: Any) -> list[str | None]:
    return [auth for _method, _path, auth in server.seen]


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


CREDENTIALS = {"bearer": ["--token", "s3cret"], "basic": ["--user", "ana", "--password", "pw"]}


@pytest.mark.parametrize("kind", sorted(CREDENTIALS))
@pytest.mark.parametrize("code", [301, 302, 303])
def test_query_drops_credentials_on_a_cross_origin_redirect(servers: Callable[[], Any], kind: str,
                                                             code: int) -> None:
    first, second = servers(), servers()
    first.target, first.code = second.url, code
    result = run("query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--endpoint", first.url + "/moved/query",
                 *CREDENTIALS[kind], "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["n", "7"]
    assert len(auths(first)) == 1 and auths(first)[0] is not None  # the endpoint itself got them
    assert auths(second) == [None], second.seen  # the other origin never did


@pytest.mark.parametrize("kind", sorted(CREDENTIALS))
def test_publish_drops_credentials_on_a_cross_origin_redirect(servers: Callable[[], Any], kind: str) -> None:
    first, second = servers(), servers()
    first.target, first.code = second.url, 302
    result = run("publish", "--endpoint", first.url + "/moved/store", "--data", str(fixed_graph()), "--graph",
                 "https://example.org/g", *CREDENTIALS[kind], "--no-verify")
    assert result.exit_code == 0, result.output
    assert auths(first) and None not in auths(first)
    assert auths(second) and set(auths(second)) == {None}, second.seen


def test_publish_verification_drops_credentials_on_a_cross_origin_redirect(servers: Callable[[], Any]) -> None:
    store, first, second = servers(), servers(), servers()
    first.target = second.url  # the store takes the graph; its query service redirects to another origin
    result = run("publish", "--endpoint", store.url + "/store", "--sparql", first.url + "/moved/query", "--data",
                 str(fixed_graph()), "--graph", "https://example.org/g", "--token", "s3cret")
    assert auths(first) == ["Bearer s3cret"]
    assert auths(second) == [None], second.seen
    assert result.exit_code == EXIT_NOT_VERIFIED  # the stand-in's count is not what was sent


def test_a_same_origin_redirect_keeps_the_credentials(servers: Callable[[], Any]) -> None:
    server = servers()  # redirects /moved/query to its own /query
    result = run("query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--endpoint", server.url + "/moved/query",
                 "--token", "t", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert [path.split("?")[0] for _m, path, _a in server.seen] == ["/moved/query", "/query"]
    assert auths(server) == ["Bearer t", "Bearer t"]
