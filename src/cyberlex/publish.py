"""Publish the graph to a SPARQL 1.1 Graph Store Protocol endpoint, and check what arrived.

One named graph per source document (and the gazetteer's), as in graph.trig, so that a document that
changed can be replaced alone; or, with `graph`, the whole dataset (the union) as one named graph.
Each graph is sent as Turtle (the one format every Graph Store Protocol implementation must accept)
with PUT (`replace`: the graph's old content goes) or POST (merged into what is there). Afterwards
the triples of each graph are counted with SPARQL on the endpoint's query service and compared with
what was sent: equal when replacing, at least as many when merging.

HTTP is the standard library's urllib: a handful of PUT/POST requests with a body and a header do not
need another dependency; the counting query goes through SPARQLWrapper like `cyberlex query --endpoint`.
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import DefaultGraph, Literal, NamedNode, Store, Triple

from cyberlex.evidence import document_graph
from cyberlex.serialise import to_bytes
from cyberlex.sparql.query import (
    AUTH_HINT,
    Credentials,
    EndpointError,
    SameOriginCredentialsRedirect,
    SelectResult,
    endpoint_opener,
    load_store,
    run_remote,
    with_auth_hint,
)


class VerificationError(Exception):
    """The endpoint does not hold the triples that were sent. One line."""


class PublishInterrupted(EndpointError):
    """A request failed part way through: the endpoint holds the graphs sent before it (new), and the
    others as they were (old). The message says how far it got; `report` holds the graphs sent and
    `pending` the ones not sent (the first of them may or may not have arrived)."""

    def __init__(self, message: str, report: PublishReport, pending: list[str]) -> None:
        super().__init__(message)
        self.report = report
        self.pending = pending


@dataclass
class Published:
    """What was sent to one named graph and what the endpoint counted there afterwards."""

    graph: str
    sent: int
    counted: int | None = None


@dataclass
class PublishReport:
    """The outcome of a publish: the graphs sent, the method, the endpoint."""

    endpoint: str
    query_endpoint: str
    method: str
    graphs: list[Published] = field(default_factory=list)
    skipped: list[Published] = field(default_factory=list)  # --resume: already held what would be sent

    @property
    def triples(self) -> int:
        """Triples sent in all."""
        return sum(g.sent for g in self.graphs)


def query_endpoint_for(store_url: str) -> str:
    """The SPARQL query service that goes with a Graph Store Protocol URL, for the usual servers:
    Oxigraph `…/store` → `…/query`, Fuseki `…/ds/data` → `…/ds/sparql`, Virtuoso
    `…/sparql-graph-crud[-auth]` → `…/sparql`; anything else is asked at the same URL."""
    parts = urllib.parse.urlsplit(store_url)
    path = parts.path.rstrip("/")
    for tail, replacement in (("/store", "/query"), ("/data", "/sparql"), ("/sparql-graph-crud-auth", "/sparql"),
                              ("/sparql-graph-crud", "/sparql")):
        if path.endswith(tail):
            path = path[: -len(tail)] + replacement
            return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))
    return store_url


def graphs_to_send(store: Store, graph: str | None = None) -> dict[str, list[Triple]]:
    """The named graphs to send, each with its triples (no duplicates): the graphs of the build, or
    (with `graph`) the union of them all as one graph of that name."""
    if graph is not None:
        return {graph: sorted({q.triple for q in store.quads_for_pattern(None, None, None, None)}, key=str)}
    named = sorted((g for g in store.named_graphs() if isinstance(g, NamedNode)), key=str)
    if not named:  # a graph.ttl: everything is in the default graph
        raise EndpointError("the graph has no named graphs (a graph.ttl?): give --graph IRI to publish it as one")
    if next(iter(store.quads_for_pattern(None, None, None, DefaultGraph())), None) is not None:
        raise EndpointError("the graph has triples outside named graphs: give --graph IRI to publish it as one")
    return {name.value: sorted({q.triple for q in store.quads_for_pattern(None, None, None, name)}, key=str)
            for name in named}


def _send(opener: urllib.request.OpenerDirector, url: str, method: str, body: bytes, credentials: Credentials,
          timeout: float | None, endpoint: str, content_type: str = "text/turtle; charset=utf-8") -> None:
    request = urllib.request.Request(url, data=body, method=method)
    request.add_header("Content-Type", content_type)
    for name, value in credentials.headers().items():
        request.add_header(name, value)
    try:
        with opener.open(request, timeout=timeout) as answer:
            answer.read()
    except urllib.error.HTTPError as exc:
        detail = " ".join(exc.read(300).decode("utf-8", "replace").split())
        hint = AUTH_HINT if exc.code in (401, 403) else ""
        raise EndpointError(with_auth_hint(f"{method} {url}: HTTP {exc.code} {exc.reason}"
                                           f"{': ' + detail if detail else ''}{hint}", credentials)) from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise EndpointError(f"{endpoint}: no answer within {timeout:g} s (timeout)") from exc
        reason = "connection refused (is the server running?)" if isinstance(exc.reason, ConnectionRefusedError) \
            else " ".join(str(exc.reason).split())
        raise EndpointError(f"cannot reach {endpoint}: {reason}") from exc
    except TimeoutError as exc:
        raise EndpointError(f"{endpoint}: no answer within {timeout:g} s (timeout)") from exc
    except (ConnectionError, OSError) as exc:
        raise EndpointError(f"cannot reach {endpoint}: {' '.join(str(exc).split())}") from exc
    except ValueError as exc:
        raise EndpointError(f"{endpoint}: not a usable endpoint URL: {exc}") from exc


def update_endpoint_for(store_url: str) -> str:
    """The SPARQL update service that goes with a Graph Store Protocol URL, for the usual servers:
    Oxigraph `…/store` → `…/update`, Fuseki `…/ds/data` → `…/ds/update`, Virtuoso → `…/sparql`."""
    query = query_endpoint_for(store_url)
    parts = urllib.parse.urlsplit(query)
    for tail, replacement in (("/query", "/update"), ("/ds/sparql", "/ds/update")):
        if parts.path.endswith(tail) and not query.endswith("/sparql-graph-crud"):
            path = parts.path[: -len(tail)] + replacement
            return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))
    return query


def one_update(graphs: dict[str, list[Triple]], replace: bool) -> bytes:
    """All the graphs as one SPARQL update (one transaction on Oxigraph, Fuseki and most stores): for each
    graph, DROP SILENT GRAPH (when replacing) and INSERT DATA with its triples in N-Triples syntax."""
    from pyoxigraph import RdfFormat, serialize

    parts = []
    for name, triples in graphs.items():
        if replace:
            parts.append(f"DROP SILENT GRAPH <{name}>".encode())
        data = serialize(triples, format=RdfFormat.N_TRIPLES) or b""
        parts.append(b"INSERT DATA { GRAPH <" + name.encode() + b"> {\n" + data + b"} }")
    return b" ;\n".join(parts) + b"\n"


class PreemptiveDigestAuthHandler(urllib.request.HTTPDigestAuthHandler):
    """Digest authentication that answers the server's challenge on every request once it has one,
    instead of sending each request without credentials first. urllib's own handler sends the body,
    gets 401 and sends it again: Virtuoso answers the 401 before reading a large body and closes the
    connection, so the client's write fails with "Broken pipe". Credentials go only to URLs under
    the endpoint (the password manager's scope)."""

    def __init__(self, manager: urllib.request.HTTPPasswordMgr) -> None:
        super().__init__(manager)
        self.challenge: dict[str, str] | None = None

    def http_request(self, req: urllib.request.Request) -> urllib.request.Request:
        """Add the answer to the last challenge (a fresh nonce count each time)."""
        if self.challenge is not None and not req.has_header("Authorization"):
            answer = self.get_authorization(req, self.challenge)
            if answer:
                req.add_unredirected_header("Authorization", f"Digest {answer}")
        return req

    https_request = http_request

    def retry_http_digest_auth(self, req: urllib.request.Request, auth: str) -> object:
        """Remember the challenge (a new one when the nonce went stale), then answer it as urllib does."""
        scheme, _, challenge = auth.partition(" ")
        if scheme.lower() == "digest":
            self.challenge = urllib.request.parse_keqv_list(
                [p for p in urllib.request.parse_http_list(challenge) if p])
            req.remove_header("Authorization")
        return super().retry_http_digest_auth(req, auth)


def publish_opener(endpoint: str, credentials: Credentials, timeout: float | None,
                   first_graph: str | None = None) -> urllib.request.OpenerDirector:
    """The opener for the writes. With digest credentials the handshake is done first, with a request
    that has no body (HEAD of a graph), so that no body is ever sent unauthenticated."""
    if not (credentials.digest and credentials.user is not None):
        return endpoint_opener(endpoint, credentials)
    manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    manager.add_password(None, endpoint, credentials.user, credentials.password or "")
    opener = urllib.request.build_opener(SameOriginCredentialsRedirect(), PreemptiveDigestAuthHandler(manager))
    probe = urllib.request.Request(graph_url(endpoint, first_graph) if first_graph else endpoint, method="HEAD")
    try:
        with opener.open(probe, timeout=timeout) as answer:
            answer.read()
    except urllib.error.HTTPError as exc:  # 404 (no such graph yet), 405: the challenge is what counted
        exc.close()
    except (urllib.error.URLError, OSError):  # the write that follows says what is wrong
        pass
    return opener


def _dropped(exc: BaseException) -> bool:
    cause = exc.__cause__
    if isinstance(cause, urllib.error.URLError) and not isinstance(cause, urllib.error.HTTPError):
        cause = cause.reason if isinstance(cause.reason, BaseException) else cause
    return isinstance(cause, BrokenPipeError | ConnectionResetError | ConnectionAbortedError
                      | http.client.RemoteDisconnected)


def send_once_more_if_dropped(opener: urllib.request.OpenerDirector, url: str, method: str, body: bytes,
                              credentials: Credentials, timeout: float | None, endpoint: str) -> None:
    """_send, and once more when the server dropped the connection (PUT and POST of the same triples
    give the same graph twice over, so the second try is safe)."""
    try:
        _send(opener, url, method, body, credentials, timeout, endpoint)
    except EndpointError as exc:
        if not _dropped(exc):
            raise
        _send(opener, url, method, body, credentials, timeout, endpoint)


def graph_url(store_url: str, graph: str) -> str:
    """The Graph Store Protocol address of a named graph (indirect identification: ?graph=IRI)."""
    joiner = "&" if urllib.parse.urlsplit(store_url).query else "?"
    return f"{store_url}{joiner}graph={urllib.parse.quote(graph, safe='')}"


def count_triples(query_url: str, graphs: list[str], credentials: Credentials,
                  timeout: float | None) -> dict[str, int]:
    """The number of triples in each named graph, counted by the endpoint (one query for all)."""
    counts: dict[str, int] = {}
    for start in range(0, len(graphs), 200):  # keep each query a reasonable size
        chunk = graphs[start:start + 200]
        values = " ".join(f"<{g}>" for g in chunk)
        query = (f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }} "
                 f"GROUP BY ?g")
        result = run_remote(query_url, query, timeout=timeout, credentials=credentials)
        assert isinstance(result, SelectResult)
        for row in result.rows:  # an answer of another shape counts nothing (the verification then says so)
            graph, number = [*row, None, None][:2]
            if isinstance(graph, NamedNode) and isinstance(number, Literal) and number.value.isdigit():
                counts[graph.value] = int(number.value)
    return counts


def publish(data: Path, endpoint: str, graph: str | None = None, replace: bool = False,
            credentials: Credentials | None = None, query_endpoint: str | None = None,
            timeout: float | None = 60.0, verify: bool = True,
            progress: Callable[[str, int, int], None] | None = None, resume: bool = False,
            atomic: bool = False, update_endpoint: str | None = None) -> PublishReport:
    """Send the graph of a build folder (or an RDF file) to a Graph Store Protocol endpoint and
    verify the triple counts. Raises EndpointError (HTTP trouble; PublishInterrupted when some graphs
    were sent before it) or VerificationError.

    Each graph is its own request, so a failure part way leaves the endpoint with the graphs sent so
    far replaced and the others as they were: the PublishInterrupted says which. With resume, the
    graphs that already hold as many triples as would be sent (counted on the query endpoint first)
    are skipped, so a rerun after an interruption sends only the rest. With atomic, all the graphs go as one
    SPARQL update to the update endpoint (given, or guessed from the store's URL): one transaction, so
    the endpoint holds either every new graph or none of them (EndpointError)."""
    credentials = credentials or Credentials()
    store = load_store(data, union_default=False)
    graphs = graphs_to_send(store, graph)
    method = "PUT" if replace else "POST"
    report = PublishReport(endpoint, query_endpoint or query_endpoint_for(endpoint), method)
    opener = publish_opener(endpoint, credentials, timeout, next(iter(graphs), None))
    if resume:
        held = count_triples(report.query_endpoint, list(graphs), credentials, timeout)
        for name in list(graphs):
            if held.get(name) == len(graphs[name]):
                report.skipped.append(Published(name, len(graphs.pop(name)), held[name]))
    names = list(graphs)
    if atomic and names:
        target = update_endpoint or update_endpoint_for(endpoint)
        report.method = "SPARQL update"
        try:
            _send(opener, target, "POST", one_update(graphs, replace), credentials, timeout, target,
                  "application/sparql-update; charset=utf-8")
        except EndpointError as exc:
            raise EndpointError(f"{exc}; the {len(names)} graphs were sent as one update (one transaction): the "
                                f"endpoint holds all of them new or none (if the connection was lost, rerun to "
                                f"be sure)") from exc
        report.graphs = [Published(name, len(graphs[name])) for name in names]
        names = []
    for position, name in enumerate(names):
        triples = graphs[name]
        body = to_bytes(triples, "turtle")
        try:
            send_once_more_if_dropped(opener, graph_url(endpoint, name), method, body, credentials, timeout, endpoint)
        except EndpointError as exc:
            raise PublishInterrupted(_how_far(str(exc), report, names[position:], len(names)), report,
                                     names[position:]) from exc
        report.graphs.append(Published(name, len(triples)))
        if progress is not None:  # the graph, how many were sent, how many are to be
            progress(name, position + 1, len(names))
    if verify:
        counts = count_triples(report.query_endpoint, [g.graph for g in report.graphs], credentials, timeout)
        wrong = []
        for published in report.graphs:
            published.counted = counts.get(published.graph, 0)
            if published.counted < published.sent or (replace and published.counted != published.sent):
                wrong.append(published)
        if wrong:
            first = wrong[0]
            raise VerificationError(
                f"{len(wrong)} of {len(report.graphs)} graphs differ after the push: <{first.graph}> has "
                f"{first.counted} triples at {report.query_endpoint}, {first.sent} were sent")
    return report


def _how_far(error: str, report: PublishReport, pending: list[str], total: int) -> str:
    """The error, and how far the publication got: what was sent, what was not."""
    verb = "replaced" if report.method == "PUT" else "added to"
    done = len(report.graphs)
    sent = f"{done} of {total} graphs {verb} ({report.method})" + (f", the last <{report.graphs[-1].graph}>"
                                                                    if done else "")
    skipped = f", {len(report.skipped)} already there (--resume)" if report.skipped else ""
    return (f"{error}; publish stopped after {sent}{skipped}; not sent: {len(pending)} graph"
            f"{'s' if len(pending) != 1 else ''} from <{pending[0]}> (which may or may not have arrived); the "
            f"endpoint holds these as they were: rerun with --resume to send only what is missing")


# -- prune, default graph ------------------------------------------------------------------------

def dataset_namespaces(graphs: list[str]) -> list[str]:
    """The namespaces the dataset's named graphs live in (each graph IRI up to its last '/'), e.g.
    …/id/source/ and …/id/graph/: a graph at the endpoint under one of them belongs to the dataset. An
    evidence graph (…/id/source/<doc>/evidence) lives in its document graph's namespace."""
    documents = {document_graph(name) for name in graphs}
    return sorted({name[: name.rfind("/") + 1] for name in documents if "/" in name})


def graphs_at_endpoint(query_url: str, namespaces: list[str], credentials: Credentials,
                       timeout: float | None) -> list[str]:
    """The named graphs the endpoint holds under the namespaces (non-empty ones: a store keeps no
    empty graph, or does not say)."""
    if not namespaces:
        return []
    tests = " || ".join(f'STRSTARTS(STR(?g), "{ns}")' for ns in namespaces)
    result = run_remote(query_url, f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER({tests}) }}",
                        timeout=timeout, credentials=credentials)
    assert isinstance(result, SelectResult)
    return sorted(row[0].value for row in result.rows if row and isinstance(row[0], NamedNode))


@dataclass
class PruneReport:
    """The graphs of the dataset at the endpoint that the build no longer has: deleted, or (dry run)
    to be deleted."""

    namespaces: list[str]
    stale: list[str]
    deleted: bool


def prune(data: Path, endpoint: str, credentials: Credentials | None = None, query_endpoint: str | None = None,
          timeout: float | None = 60.0, dry_run: bool = False) -> PruneReport:
    """Delete (Graph Store Protocol DELETE) the named graphs at the endpoint that lie in the dataset's
    namespaces but are not graphs of the build: those of documents that left the corpus."""
    credentials = credentials or Credentials()
    built = list(graphs_to_send(load_store(data, union_default=False)))
    namespaces = dataset_namespaces(built)
    present = graphs_at_endpoint(query_endpoint or query_endpoint_for(endpoint), namespaces, credentials, timeout)
    keep = set(built)
    stale = [name for name in present if name not in keep]
    if not dry_run and stale:
        opener = publish_opener(endpoint, credentials, timeout, stale[0])
        for number, name in enumerate(stale):
            try:
                send_once_more_if_dropped(opener, graph_url(endpoint, name), "DELETE", b"", credentials, timeout,
                                          endpoint)
            except EndpointError as exc:
                raise EndpointError(f"{exc} ({number} of {len(stale)} stale graphs were deleted)") from exc
    return PruneReport(namespaces, stale, deleted=not dry_run)


def is_virtuoso_store(store_url: str) -> bool:
    """Whether the Graph Store Protocol URL is Virtuoso's (…/sparql-graph-crud or …-auth)."""
    return urllib.parse.urlsplit(store_url).path.rstrip("/").endswith(("/sparql-graph-crud", "/sparql-graph-crud-auth"))


def default_graph_url(store_url: str) -> str:
    """The Graph Store Protocol address of the default graph (?default)."""
    joiner = "&" if urllib.parse.urlsplit(store_url).query else "?"
    return f"{store_url}{joiner}default"


def publish_default_graph(data: Path, endpoint: str, credentials: Credentials | None = None,
                          timeout: float | None = 60.0) -> int | None:
    """Replace the endpoint's default graph with the union of the build's named graphs (each triple
    once), for stores whose default graph is not the union (a plain Oxigraph server, Fuseki without
    unionDefaultGraph): the competency queries, which query the default graph, then see the data.
    The number of triples sent; None for Virtuoso (…/sparql-graph-crud[-auth]), whose default graph
    is the union of all graphs already (and which refuses ?default)."""
    if is_virtuoso_store(endpoint):
        return None
    credentials = credentials or Credentials()
    store = load_store(data, union_default=False)
    triples = sorted({q.triple for q in store.quads_for_pattern(None, None, None, None)}, key=str)
    opener = publish_opener(endpoint, credentials, timeout)
    send_once_more_if_dropped(opener, default_graph_url(endpoint), "PUT", to_bytes(triples, "turtle"), credentials,
                              timeout, endpoint)
    return len(triples)
