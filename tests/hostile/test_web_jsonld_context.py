"""A JSON-LD graph whose @context is on the network (issue 11): `validate`, `query --data` and `serve --data`
fetch nothing and say so on one line.

The context is served on loopback by a server that records every request; the backtrace Rust prints
with RUST_BACKTRACE=1 must not replace the reason.
"""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixed_corpus import stop_process

COMMAND = [sys.executable, "-c", "from cyberlex.cli import main; main()"]
ENVIRONMENT = {**os.environ, "RUST_BACKTRACE": "1"}


@pytest.fixture
def remote(tmp_path: Path) -> Iterator[tuple[Path, str, list[str]]]:
    """A JSON-LD file whose context is at a loopback URL, the URL, and the requests that URL got."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            body = b'{"@context": {"name": "http://schema.org/name"}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/ld+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/context.jsonld"
    document = tmp_path / "graph.jsonld"
    document.write_text(json.dumps({"@context": url, "@id": "http://example.org/x", "name": "x"}), encoding="utf-8")
    try:
        yield document, url, hits
    finally:
        server.shutdown()
        server.server_close()


def test_validate_fetches_no_remote_context(remote: tuple[Path, str, list[str]]) -> None:
    document, url, hits = remote
    done = subprocess.run([*COMMAND, "validate", str(document)], capture_output=True, text=True, timeout=60,
                          check=False, env=ENVIRONMENT)
    assert hits == []
    assert done.returncode == 3  # an input that cannot be used
    assert f"a JSON-LD context to fetch from {url}" in done.stderr


def test_query_fetches_no_remote_context(remote: tuple[Path, str, list[str]]) -> None:
    document, url, hits = remote
    done = subprocess.run([*COMMAND, "query", "ASK { ?s ?p ?o }", "--data", str(document)], capture_output=True,
                          text=True, timeout=60, check=False, env=ENVIRONMENT)
    assert hits == []
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"cyberlex: {document}: a JSON-LD context to fetch from {url}: cyberlex "
                                        "fetches nothing from the network (put the context in the file)"]


def test_serve_fetches_no_remote_context(remote: tuple[Path, str, list[str]]) -> None:
    document, _url, hits = remote
    process = subprocess.Popen([*COMMAND, "serve", "--data", str(document), "--port", "0"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=ENVIRONMENT)
    try:
        _out, err = process.communicate(timeout=60)
    finally:
        stop_process(process)
    assert hits == []
    assert process.returncode == 4
    assert err.splitlines() == [f"cyberlex: oxigraph could not load {document}: No LoadDocumentCallback has been "
                                "set to load remote contexts"]
