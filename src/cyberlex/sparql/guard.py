"""The guard in front of the Oxigraph server: what `cyberlex serve` listens with.

The Oxigraph server dies on a query nested a few thousand brackets deep (its parser recurses: SIGSEGV or
SIGABRT), runs `SERVICE <url>` (a proxy to any address the server can reach), and does not stop a query
at its `--timeout-s` while the query computes (measured with oxigraph 0.5: a 10^8-row COUNT and a
2,000-pattern join ran past 30 s with `--timeout-s 2`). So the server listens on a private loopback
port, and this small HTTP proxy listens where the endpoint was asked for. For every request that
carries a query or an update (the `query`/`update` URL parameters, an `application/sparql-query` or
`application/sparql-update` body, or a form), it checks the text against the limits
(cyberlex.sparql.query.check_limits: size, bracket depth, SERVICE) and answers a refusal itself, on one line:

    413  the query is longer than --max-query-bytes
    400  its brackets nest deeper than --max-query-depth
    403  it uses SERVICE (allowed with --allow-service)
    415  a POST to /query or /update whose query the guard cannot read (another content type)

Everything else is passed on unchanged (Graph Store Protocol reads and writes included). A query or
update still running at --query-timeout is stopped the only way the server allows: the guard answers
504 and has the server restarted (cyberlex.sparql.serve.OxigraphServer), which also stops a query whose client
gave up. Other requests in flight at that moment get 502; while the server restarts, requests get 503.
"""

from __future__ import annotations

import contextlib
import http.client
import http.server
import io
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from cyberlex.sparql.query import QueryLimits, QueryRefused, check_limits

# Hop-by-hop headers (RFC 9110, 7.6.1): not passed on.
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "trailers",
              "transfer-encoding", "upgrade", "proxy-connection", "expect"}
QUERY_MEDIA = {"application/sparql-query", "application/sparql-update"}
FORM_MEDIA = "application/x-www-form-urlencoded"
SPARQL_PATHS = ("/query", "/update")
SERVICE_HINT = " (cyberlex serve --allow-service allows it)"


@dataclass
class _Running:
    """A query or update passed on to the server: when it must be done, and its connection."""

    deadline: float
    connection: http.client.HTTPConnection
    timed_out: bool = False


class TooLarge(Exception):
    """A request body past the guard's cap."""


@dataclass
class GuardConfig:
    """What the guard needs from the server it protects."""

    backend: Callable[[], tuple[str, int] | None]  # the server's address, None while it restarts
    on_timeout: Callable[[float], None]  # stop the queries past their time (restart the server)
    limits: QueryLimits = field(default_factory=lambda: QueryLimits(allow_service=False))
    timeout_s: float | None = None


class GuardServer(http.server.ThreadingHTTPServer):
    """The proxy: a thread per connection (daemon threads), a watchdog thread for --query-timeout."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, host: str, port: int, config: GuardConfig) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, port), GuardHandler)
        self.config = config
        self._running: dict[int, _Running] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._workers = [threading.Thread(target=self.serve_forever, name="cyberlex-guard", daemon=True),
                         threading.Thread(target=self._watch, name="cyberlex-guard-watchdog", daemon=True)]

    @property
    def port(self) -> int:
        """The port the guard listens on."""
        return int(self.server_address[1])

    def start(self) -> GuardServer:
        """Serve and watch in background threads."""
        for thread in self._workers:
            thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket."""
        self._closed.set()
        self.shutdown()
        self.server_close()

    # -- the watchdog -------------------------------------------------------------------------
    def track(self, connection: http.client.HTTPConnection) -> _Running | None:
        """Register a query passed on to the server, when there is a time limit."""
        if self.config.timeout_s is None:
            return None
        running = _Running(time.monotonic() + self.config.timeout_s, connection)
        with self._lock:
            self._running[id(running)] = running
        return running

    def untrack(self, running: _Running | None) -> None:
        """The query is done (answered, failed or cut)."""
        if running is not None:
            with self._lock:
                self._running.pop(id(running), None)

    def _watch(self) -> None:
        while not self._closed.wait(0.25):
            now = time.monotonic()
            with self._lock:
                late = [r for r in self._running.values() if r.deadline <= now and not r.timed_out]
                for running in late:
                    running.timed_out = True
            if not late:
                continue
            for running in late:
                _close(running.connection)
            assert self.config.timeout_s is not None
            self.config.on_timeout(self.config.timeout_s)


def _close(connection: http.client.HTTPConnection) -> None:
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    connection.close()


def _read_chunked(stream: io.BufferedIOBase, cap: int | None) -> Iterator[bytes]:
    """The data of a chunked request body (RFC 9112, 7.1), chunk by chunk; TooLarge past cap bytes."""
    total = 0
    while True:
        line = stream.readline(1026)
        size = int(line.split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            while stream.readline(1026) not in (b"\r\n", b"\n", b""):  # trailers
                pass
            return
        total += size
        if cap is not None and total > cap:
            raise TooLarge
        yield stream.read(size)
        stream.readline(3)


def _read_exactly(stream: io.BufferedIOBase, length: int) -> Iterator[bytes]:
    left = length
    while left > 0:
        data = stream.read(min(left, 65536))
        if not data:
            return
        left -= len(data)
        yield data


class GuardHandler(http.server.BaseHTTPRequestHandler):
    """One request: checked if it carries a query or an update, then passed on (or refused)."""

    protocol_version = "HTTP/1.0"  # one request per connection; a body without length ends with it
    timeout = 60  # seconds a client may take to send its request (no slow-loris holding a thread)
    server: GuardServer

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the guard logs nothing per request."""

    def do_GET(self) -> None:
        """Every method is handled alike."""
        self._handle()

    do_POST = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = do_PATCH = do_GET

    def _answer(self, status: int, message: str) -> None:
        body = (message + "\n").encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self) -> None:
        config = self.server.config
        parts = urllib.parse.urlsplit(self.path)
        texts = [value for key, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
                 if key in ("query", "update")]
        media = (self.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
        chunked = "chunked" in (self.headers.get("Transfer-Encoding") or "").lower()
        length = self.headers.get("Content-Length")
        has_body = chunked or (length is not None and length.strip() not in ("", "0"))
        sparql = parts.path in SPARQL_PATHS or media in QUERY_MEDIA or media == FORM_MEDIA
        body: bytes | Iterator[bytes] | None = None
        try:
            size = int(length) if length is not None and not chunked else None
        except ValueError:
            self._answer(400, "request refused: the Content-Length is not a number")
            return
        if sparql and has_body:
            cap = config.limits.max_bytes * 3 + 65536  # URL-encoded, with the other form fields
            if size is not None and size > cap:
                self._answer(413, f"query refused: the request body is {size} bytes, more than the limit of "
                                  f"{cap} for a query of at most {config.limits.max_bytes} bytes (--max-query-bytes)")
                return
            try:
                data = b"".join(_read_chunked(self.rfile, cap) if chunked else _read_exactly(self.rfile, size or 0))
            except TooLarge:
                self._answer(413, f"query refused: the request body is more than {cap} bytes (--max-query-bytes)")
                return
            except ValueError:
                self._answer(400, "request refused: a malformed chunked body")
                return
            text = data.decode("utf-8", "replace")
            if media in QUERY_MEDIA:
                texts.append(text)
            elif media == FORM_MEDIA:
                texts += [value for key, value in urllib.parse.parse_qsl(text, keep_blank_values=True)
                          if key in ("query", "update")]
            elif parts.path in SPARQL_PATHS:
                self._answer(415, "query refused: send it as application/sparql-query, application/sparql-update "
                                  "or an application/x-www-form-urlencoded form")
                return
            body = data
        elif has_body:
            body = _read_chunked(self.rfile, None) if chunked else _read_exactly(self.rfile, size or 0)
        for text in texts:
            try:
                check_limits(text, config.limits, SERVICE_HINT)
            except QueryRefused as exc:
                self._answer({"size": 413, "service": 403}.get(exc.kind, 400), str(exc))
                return
        self._forward(body, chunked and not isinstance(body, bytes), watched=sparql or bool(texts))

    def _forward(self, body: bytes | Iterator[bytes] | None, chunked: bool, watched: bool) -> None:
        config = self.server.config
        address = config.backend()
        if address is None:
            self._answer(503, "the SPARQL engine is restarting; try again in a moment")
            return
        headers = {name: value for name, value in self.headers.items()
                   if name.lower() not in HOP_BY_HOP and name.lower() not in ("host", "content-length")}
        if isinstance(body, bytes):
            headers["Content-Length"] = str(len(body))
        elif body is not None and not chunked:
            headers["Content-Length"] = self.headers.get("Content-Length", "0")
        connection = http.client.HTTPConnection(*address, timeout=None)
        running = self.server.track(connection) if watched else None
        sent_headers = False
        try:
            connection.request(self.command, self.path, body=body, headers=headers, encode_chunked=chunked)
            response = connection.getresponse()
            self.send_response(response.status, response.reason)
            for name, value in response.getheaders():
                if name.lower() not in HOP_BY_HOP and name.lower() not in ("date", "server"):
                    self.send_header(name, value)
            self.end_headers()
            sent_headers = True
            while self.command != "HEAD":
                chunk = response.read1(65536)
                if not chunk:
                    break
                self.wfile.write(chunk)
        except (OSError, http.client.HTTPException):
            if sent_headers:
                pass  # the client left, or the answer was cut: the connection closes, the client sees it short
            elif running is not None and running.timed_out:
                self._answer(504, f"query stopped: it ran past the limit of {config.timeout_s:g} s "
                                  f"(--query-timeout); the SPARQL engine was restarted to stop it")
            else:
                self._answer(502, "the SPARQL engine failed during this request (it is being restarted); "
                                  "try again in a moment")
        finally:
            self.server.untrack(running)
            connection.close()
