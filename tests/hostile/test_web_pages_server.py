"""The linked-data pages server under many clients at once (issue 11: it dropped connections under 200
concurrent requests: a listen backlog of 5, a thread per connection, no connection timeout).

`cyberlex serve --pages` is a real child process here; 200 clients connect at the same moment (a
barrier) and each asks for a page. Every one must get its page, within a bounded time. A client that
connects and sends nothing must not hold a worker past the connection timeout.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator

import pytest

from cyberlex.site.pages import PAGES_BACKLOG, PAGES_TIMEOUT_S, PAGES_WORKERS, PagesServer, load_index
from fixed_corpus import fixed_graph, stop_process

CLIENTS = 200


@pytest.fixture(scope="module")
def pages() -> Iterator[tuple[str, int]]:
    """`cyberlex serve --pages 0` on the fixed graph: (host, port) of the pages; stopped afterwards."""
    command = [sys.executable, "-c", "from cyberlex.cli import main; main()", "serve", "--data", str(fixed_graph()),
               "--port", "0", "--pages", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert process.stdout is not None
    url = ""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not url:
        line = process.stdout.readline()
        if not line:
            break
        if line.startswith("linked-data pages: "):
            url = line.split(": ", 1)[1].split()[0]
    try:
        assert url, "the pages server did not start"
        parts = urllib.parse.urlsplit(url)
        assert parts.hostname is not None and parts.port is not None
        yield parts.hostname, parts.port
    finally:
        stop_process(process)


def ask(host: str, port: int, start: threading.Barrier, answers: list[int | str]) -> None:
    try:
        start.wait(30)
        connection = http.client.HTTPConnection(host, port, timeout=20)
        connection.request("GET", "/", headers={"Accept": "text/html"})
        response = connection.getresponse()
        response.read()
        answers.append(response.status)
        connection.close()
    except Exception as exc:
        answers.append(f"{type(exc).__name__}: {exc}")


def test_200_concurrent_requests_are_all_answered(pages: tuple[str, int]) -> None:
    host, port = pages
    answers: list[int | str] = []
    start = threading.Barrier(CLIENTS)
    clients = [threading.Thread(target=ask, args=(host, port, start, answers), daemon=True) for _ in range(CLIENTS)]
    began = time.monotonic()
    for client in clients:
        client.start()
    for client in clients:
        client.join(max(0.1, began + 60 - time.monotonic()))
    failures = [a for a in answers if a != 200]
    assert len(answers) == CLIENTS and not failures, f"{len(answers)} answers, failures: {failures[:5]}"
    assert time.monotonic() - began < 30


def test_an_idle_connection_is_closed_after_the_timeout_and_others_are_answered(pages: tuple[str, int]) -> None:
    host, port = pages
    idle = [socket.create_connection((host, port), timeout=30) for _ in range(PAGES_WORKERS // 2)]
    try:
        connection = http.client.HTTPConnection(host, port, timeout=10)
        connection.request("GET", "/")
        assert connection.getresponse().status in (200, 303, 404)
        began = time.monotonic()
        assert idle[0].recv(1) == b""  # closed by the server, not held
        assert time.monotonic() - began < PAGES_TIMEOUT_S + 5
    finally:
        for sock in idle:
            sock.close()


def test_the_listen_backlog_and_the_pool_are_bounded() -> None:
    server = PagesServer(load_index(fixed_graph()))
    try:
        assert server.server.request_queue_size == PAGES_BACKLOG >= 128
        assert 0 < PAGES_WORKERS <= 256
    finally:
        server.server.server_close()
