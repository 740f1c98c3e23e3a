"""The pages server: a WSGI application answering each IRI of an Index by content negotiation (303 See
Other from the bare IRI to its page, Turtle or JSON-LD by the Accept header; RDF/XML and N-Triples
too; a clause, which has no page, 303 to its anchor on its instrument's page or to that page's data;
the evidence, which has no pages, 303 to its anchor on the page of the node a statement supports (a span:
on its source document's page), and its own description as data), and a small threaded HTTP server
around it (the standard library's wsgiref) for
`cyberlex serve --pages` and the tests."""

from __future__ import annotations

import os
import threading
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from pyoxigraph import RdfFormat, serialize

from cyberlex.site.html import home, not_found, render, see_other
from cyberlex.site.index import Index, description, json_ld, turtle

HTML, TURTLE, JSONLD = "text/html", "text/turtle", "application/ld+json"
RDFXML, NTRIPLES = "application/rdf+xml", "application/n-triples"
OFFERS = {HTML: HTML, "application/xhtml+xml": HTML, TURTLE: TURTLE, "application/x-turtle": TURTLE,
          JSONLD: JSONLD, "application/json": JSONLD, RDFXML: RDFXML, NTRIPLES: NTRIPLES}
# what the pages server answers besides the HTML page, Turtle and JSON-LD (not written to the static site)
MORE_FORMATS = {RDFXML: ("/index.rdf", RdfFormat.RDF_XML), NTRIPLES: ("/index.nt", RdfFormat.N_TRIPLES)}
# the address of each answer below a page's folder
TAILS = {HTML: "/", TURTLE: "/index.ttl", JSONLD: "/index.jsonld", **{m: t for m, (t, _) in MORE_FORMATS.items()}}


def rdf_bytes(index: Index, iri: str, media: str) -> bytes:
    """The description of an IRI as RDF/XML or N-Triples."""
    return serialize(description(index, iri), format=MORE_FORMATS[media][1]) or b""


def negotiate(accept: str | None) -> str:
    """The media type to answer with, by the Accept header: text/html, text/turtle or
    application/ld+json. The highest q wins, then a named type over a wildcard, then the first
    listed; HTML when nothing offered is accepted."""
    candidates: list[tuple[float, bool, int, str]] = []
    for position, item in enumerate((accept or "*/*").split(",")):
        fields = [f.strip() for f in item.split(";")]
        media = fields[0].lower()
        q = 1.0
        for param in fields[1:]:
            if param.replace(" ", "").startswith("q="):
                try:
                    q = float(param.split("=", 1)[1])
                except ValueError:
                    q = 0.0
        offer = OFFERS.get(media) or (HTML if media in ("*/*", "text/*") else None)
        if offer is not None and q > 0:
            candidates.append((q, media not in ("*/*", "text/*"), -position, offer))
    return max(candidates)[3] if candidates else HTML


class PagesApp:
    """A WSGI application serving the pages of an Index: ``/<path>`` 303 by Accept; ``/<path>/``,
    ``/<path>/index.ttl``, ``/<path>/index.jsonld`` 200. The root is the base IRI."""

    def __init__(self, index: Index, sparql_url: str | None = None) -> None:
        self.index = index
        self.sparql_url = sparql_url

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        """Answer one request."""
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ("GET", "HEAD"):
            return self._answer(start_response, "405 Method Not Allowed", "text/plain", b"GET or HEAD only\n",
                                method, [("Allow", "GET, HEAD")])
        path = urllib.parse.unquote(environ.get("PATH_INFO", "/")).lstrip("/")
        index = self.index
        if path in ("", "index.html"):
            return self._answer(start_response, "200 OK", HTML, home(index).encode(), method)
        for suffix, media in (("/index.html", HTML), ("/", HTML), ("/index.ttl", TURTLE),
                              ("/index.jsonld", JSONLD), (".ttl", TURTLE), (".jsonld", JSONLD),
                              *((tail, media) for media, (tail, _) in MORE_FORMATS.items())):
            if path.endswith(suffix):
                iri = index.base + path[: -len(suffix)]
                if iri in index.clause_owner or (media == HTML and iri in index.evidence):
                    # no page of its own: its anchor on the page that shows it, or that page's data
                    return self._see_other(start_response, environ, method, self._location(iri, media))
                if index.knows(iri):
                    return self._answer(start_response, "200 OK", media, self._body(iri, media), method)
        iri = index.base + path
        if not index.knows(iri):
            return self._answer(start_response, "404 Not Found", HTML, not_found(iri).encode(), method)
        media = negotiate(environ.get("HTTP_ACCEPT"))
        if iri in index.clause_owner or (media == HTML and iri in index.evidence):
            return self._see_other(start_response, environ, method, self._location(iri, media))
        return self._see_other(start_response, environ, method, urllib.parse.quote(path, safe="/-._~") + TAILS[media])

    def _location(self, iri: str, media: str) -> str:
        """Where the IRI of a node without a page of its own leads (a clause, an evidence node): for a
        browser, its anchor on the page that shows it; as data, that page's twin (a clause: its
        instrument's, which holds the clause's statements; an evidence node answers its own
        description as data, so it comes here only as HTML)."""
        page, anchor = self.index.page_of(iri)
        where = urllib.parse.quote(page[len(self.index.base):], safe="/-._~")
        return where + ("/#" + anchor if media == HTML else TAILS[media])

    def _see_other(self, start_response: Callable[..., Any], environ: dict[str, Any], method: str,
                   relative: str) -> list[bytes]:
        script = environ.get("SCRIPT_NAME", "").rstrip("/")
        location = f"{script}/{relative}"
        body = see_other(location).encode("utf-8")
        return self._answer(start_response, "303 See Other", HTML, body, method,
                            [("Location", location), ("Vary", "Accept")])

    def _body(self, iri: str, media: str) -> bytes:
        if media == TURTLE:
            return turtle(self.index, iri)
        if media == JSONLD:
            return json_ld(self.index, iri)
        if media in MORE_FORMATS:
            return rdf_bytes(self.index, iri, media)
        return render(self.index, iri).encode("utf-8")

    @staticmethod
    def _answer(start_response: Callable[..., Any], status: str, media: str, body: bytes, method: str,
                extra: list[tuple[str, str]] | None = None) -> list[bytes]:
        headers = [("Content-Type", f"{media}; charset=utf-8"), ("Content-Length", str(len(body))),
                   ("Vary", "Accept"), *(extra or [])]
        start_response(status, list(dict(headers).items()))
        return [] if method == "HEAD" else [body]


# Connections waiting to be accepted (the kernel's queue; it was 5, and 200 clients at once were dropped),
# the threads that answer (a bounded pool, not a thread per connection), and the seconds a connection
# may take to send its request or read the answer (no idle client holds a worker for long).
PAGES_BACKLOG = 256
PAGES_WORKERS = 32
PAGES_TIMEOUT_S = 10.0


class _PooledServer(WSGIServer):
    """wsgiref's server with a listen backlog of PAGES_BACKLOG and PAGES_WORKERS threads: a connection is
    accepted when a worker is free (until then it waits in the kernel's queue, not in memory)."""

    request_queue_size = PAGES_BACKLOG

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._free = threading.BoundedSemaphore(PAGES_WORKERS)
        self._pool = ThreadPoolExecutor(PAGES_WORKERS, thread_name_prefix="cyberlex-pages")

    def verify_request(self, request: Any, client_address: Any) -> bool:
        """Wait (in the accepting thread) for a free worker before taking the connection on."""
        while not self._free.acquire(timeout=0.5):
            if getattr(self, "_BaseServer__shutdown_request", False):  # shutdown() was called: stop waiting
                return False
        return True

    def process_request(self, request: Any, client_address: Any) -> None:
        """Answer the connection on a worker of the pool."""
        try:
            self._pool.submit(self._answer, request, client_address)
        except RuntimeError:  # the pool is shut down: the server is stopping
            self._free.release()
            self.shutdown_request(request)

    def _answer(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            self._free.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away or timed out is no error of the server's; say nothing."""
        if os.environ.get("CYBERLEX_PAGES_LOG"):
            super().handle_error(request, client_address)

    def server_close(self) -> None:
        """Close the socket and let the workers end (each connection has its timeout)."""
        super().server_close()
        self._pool.shutdown(wait=False, cancel_futures=True)


class _QuietHandler(WSGIRequestHandler):
    timeout = PAGES_TIMEOUT_S  # a socket timeout for each read and write of the connection

    def log_message(self, format: str, *args: Any) -> None:
        if os.environ.get("CYBERLEX_PAGES_LOG"):
            super().log_message(format, *args)


class PagesServer:
    """The pages of an Index served over HTTP in a background thread (the standard library's wsgiref)."""

    def __init__(self, index: Index, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = PagesApp(index)
        self.server = make_server(host, port, self.app, server_class=_PooledServer, handler_class=_QuietHandler)
        self.host = host
        self.port = int(self.server.server_port)
        self.thread = threading.Thread(target=self.server.serve_forever, name="cyberlex-pages", daemon=True)

    @property
    def url(self) -> str:
        """http://host:port/"""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def start(self) -> PagesServer:
        """Start answering in the background."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop answering and close the socket."""
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> PagesServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
