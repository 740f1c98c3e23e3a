"""A publish whose server is killed part way (issue 11: an interrupted publish left a mix of new and old
graphs and did not say how far it got).

A real `cyberlex serve --empty --writable --location STORE` is the endpoint; publish talks to it through
a small loopback relay that passes every request on and, at the fourth graph, kills the server with
SIGKILL and closes the connection unanswered. publish must then say on one line how many graphs were
replaced and from which graph on nothing was sent (exit 4), and a rerun with --resume, against the
server restarted on the same store, must send only what is missing and verify everything.
"""

from __future__ import annotations

import http.client
import http.server
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cyberlex.publish import graphs_to_send
from cyberlex.sparql.query import load_store
from fixed_corpus import fixed_graph, stop_process

KILL_AT = 4  # the server is killed when the 4th graph is sent


def cyberlex(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from cyberlex.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=timeout, check=False)


def start_server(store: Path, *options: str) -> tuple[subprocess.Popen[str], str]:
    """`cyberlex serve --empty --writable --location STORE` in a session of its own, and its Graph Store
    Protocol URL (retried while the previous server's store is still locked)."""
    for _attempt in range(20):
        process = subprocess.Popen([sys.executable, "-c", "from cyberlex.cli import main; main()", "serve", "--empty",
                                    "--writable", "--location", str(store), "--port", "0", *options],
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                   start_new_session=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("Graph Store Protocol: "):
                return process, line.split(": ", 1)[1].strip()
        process.wait(30)
        time.sleep(0.5)
    raise AssertionError("the server did not start")


class Relay(http.server.ThreadingHTTPServer):
    """Passes requests on to the server; kills it at the KILL_AT-th PUT (or at a POST) and leaves that one
    unanswered."""

    def __init__(self, target: str, server: subprocess.Popen[str]) -> None:
        super().__init__(("127.0.0.1", 0), RelayHandler)
        parts = urllib.parse.urlsplit(target)
        self.target = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.server_process = server
        self.puts = 0
        self.lock = threading.Lock()


class RelayHandler(http.server.BaseHTTPRequestHandler):
    server: Relay

    def do_POST(self) -> None:  # an update (publish --atomic): the server is killed at once
        self.do_PUT()

    def do_PUT(self) -> None:
        with self.server.lock:
            self.server.puts += 1
            kill = self.server.puts == KILL_AT or self.command == "POST"
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if kill:  # the server dies while the graph is on its way: no answer
            os.kill(self.server.server_process.pid, signal.SIGKILL)
            self.server.server_process.wait(30)
            self.close_connection = True
            return
        connection = http.client.HTTPConnection(*self.server.target, timeout=60)
        connection.request("PUT", self.path, body=body, headers={"Content-Type": self.headers["Content-Type"]})
        answer = connection.getresponse()
        data = answer.read()
        self.send_response(answer.status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def relay(target: str, server: subprocess.Popen[str]) -> Iterator[Relay]:
    proxy = Relay(target, server)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        yield proxy
    finally:
        proxy.shutdown()
        proxy.server_close()


def test_a_publish_killed_part_way_says_how_far_it_got_and_resumes(tmp_path: Path) -> None:
    graphs = list(graphs_to_send(load_store(fixed_graph(), union_default=False)))
    assert len(graphs) > KILL_AT
    store = tmp_path / "store"
    server, store_url = start_server(store)
    try:
        with relay(store_url, server) as proxy:
            via = f"http://127.0.0.1:{proxy.server_port}/store"
            done = cyberlex("publish", "--endpoint", via, "--data", str(fixed_graph()), "--replace")
    finally:
        stop_process(server)
    assert done.returncode == 4, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, lines
    assert (f"publish stopped after {KILL_AT - 1} of {len(graphs)} graphs replaced (PUT), the last "
            f"<{graphs[KILL_AT - 2]}>") in lines[0]
    assert f"not sent: {len(graphs) - KILL_AT + 1} graphs from <{graphs[KILL_AT - 1]}>" in lines[0]
    assert "rerun with --resume" in lines[0]

    server, store_url = start_server(store)  # the same store, after the kill
    try:
        again = cyberlex("publish", "--endpoint", store_url, "--data", str(fixed_graph()), "--replace", "--resume")
    finally:
        stop_process(server)
    assert again.returncode == 0, again.stderr
    out = again.stdout.splitlines()
    assert out[0] == f"skipped {KILL_AT - 1} named graphs that already hold what would be sent (--resume)"
    assert out[1].startswith(f"replaced {len(graphs) - KILL_AT + 1} named graphs at {store_url} (PUT)")
    assert out[2].startswith("verified at ")


def test_an_atomic_publish_killed_leaves_every_graph_as_it_was(tmp_path: Path) -> None:
    from pyoxigraph import Literal, NamedNode, Quad, RdfFormat

    from cyberlex.publish import count_triples
    from cyberlex.sparql.query import Credentials

    old = load_store(fixed_graph(), union_default=False)
    before = {name: len(triples) for name, triples in graphs_to_send(old).items()}
    new = tmp_path / "new.trig"  # one more triple in every graph
    for name in before:
        old.add(Quad(NamedNode("https://example.org/changed"), NamedNode("https://example.org/in"), Literal(name),
                     NamedNode(name)))
    old.dump(str(new), format=RdfFormat.TRIG)
    store = tmp_path / "store"
    big = ("--max-query-bytes", "4000000")  # the update is the whole graph (490 kB)

    def counts(store_url: str) -> dict[str, int]:
        return count_triples(store_url.replace("/store", "/query"), list(before), Credentials(), 30)

    server, store_url = start_server(store, *big)
    try:
        first = cyberlex("publish", "--endpoint", store_url, "--data", str(fixed_graph()), "--replace")
        assert first.returncode == 0, first.stderr
        with relay(store_url, server) as proxy:
            via = f"http://127.0.0.1:{proxy.server_port}/store"
            done = cyberlex("publish", "--endpoint", via, "--data", str(new), "--replace", "--atomic")
    finally:
        stop_process(server)
    assert done.returncode == 4, done.stderr
    assert len(done.stderr.splitlines()) == 1
    assert f"the {len(before)} graphs were sent as one update (one transaction)" in done.stderr

    server, store_url = start_server(store, *big)
    try:
        assert counts(store_url) == before  # all old: not a mix
        again = cyberlex("publish", "--endpoint", store_url, "--data", str(new), "--replace", "--atomic")
        assert again.returncode == 0, again.stderr
        assert counts(store_url) == {name: count + 1 for name, count in before.items()}
    finally:
        stop_process(server)
    assert again.stdout.splitlines()[0].startswith(f"replaced {len(before)} named graphs at {store_url} "
                                                   "(SPARQL update)")
