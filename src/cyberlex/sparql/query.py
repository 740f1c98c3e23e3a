"""SPARQL on the graph: load a build into Oxigraph, or ask any SPARQL 1.1 endpoint; format the answer.

One result model for both ways of asking, so that the same query gives the same rows in-process and
through a server: a SELECT gives variables and rows of pyoxigraph terms, an ASK a boolean, a
CONSTRUCT or DESCRIBE a list of triples. The formatters (a table for people; SPARQL CSV, TSV and
JSON results for programs; Turtle for graphs) work on that model only.

Queries run on the union of the named graphs (each source document's graph and the gazetteer's):
`load_store` keeps the named graphs and puts their union, without duplicates, in the default graph,
and the server `cyberlex serve` starts is loaded the same way. (Oxigraph's own "union default graph"
repeats a triple once per graph it sits in, which multiplies rows in joins; a read-write server uses
it all the same, since its named graphs change. Queries written for cyberlex use `DISTINCT`, so they
give the same rows either way, and on any other endpoint whose default graph is the union.)
"""

from __future__ import annotations

import csv
import io
import json
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from http.client import HTTPMessage
from pathlib import Path
from typing import IO, Any, Protocol, TypeVar

from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Store,
    Triple,
    parse_query_results,
)

from cyberlex.evidence import is_evidence_graph, with_evidence
from cyberlex.sparql import DEFAULT_MAX_QUERY_BYTES, DEFAULT_MAX_QUERY_DEPTH
from cyberlex.vocab import RDF, XSD, compact, prefixes, writable

XSD_STRING = XSD.string
RDF_LANG_STRING = RDF.langString

Term = NamedNode | BlankNode | Literal | Triple
T = TypeVar("T")

SELECT_FORMATS = ("table", "csv", "tsv", "json")
GRAPH_FORMATS = ("turtle",)

# RDF formats pyoxigraph reads, by file extension.
RDF_FORMATS = {".trig": RdfFormat.TRIG, ".ttl": RdfFormat.TURTLE, ".nt": RdfFormat.N_TRIPLES,
               ".nq": RdfFormat.N_QUADS, ".n3": RdfFormat.N3, ".rdf": RdfFormat.RDF_XML,
               ".xml": RdfFormat.RDF_XML, ".jsonld": RdfFormat.JSON_LD}


class QueryError(Exception):
    """The query cannot be run: it cannot be read or has a syntax error. One line, for people."""


class GraphNotFound(QueryError):
    """There is no built graph where the query was to run."""


class EndpointError(Exception):
    """The endpoint cannot be reached, does not answer in time, or refuses the request. One line."""


class QueryTimeout(EndpointError):
    """The query did not finish in the time allowed."""


class QueryRefused(QueryError):
    """The query is past a limit (size, nesting depth) or uses what is not allowed (SERVICE). One line;
    kind: 'size', 'depth' or 'service'."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


# -- limits -------------------------------------------------------------------------------------
# Oxigraph parses and evaluates a query by recursion: 3,000 nested { } (12 kB) overflow the stack of
# a Python thread or of the server's threads, and the process dies (SIGSEGV, SIGABRT) without a word.
# So a query is measured before it reaches the engine, and the engine runs on a large stack.

# The stack of the thread that parses and evaluates a query in-process (and of the Oxigraph server's
# threads, through RUST_MIN_STACK): address space reserved, used only as deep as the query needs.
# Measured: at the default limits the worst query found needs about 100 MiB (a 256 kB chain of
# `1+1+…`); a default 8 MiB thread dies at 20 kB of it.
ENGINE_STACK_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class QueryLimits:
    """What a query may be: at most max_bytes (UTF-8) long, brackets nested at most max_depth deep,
    and with SERVICE only when allow_service."""

    max_bytes: int = DEFAULT_MAX_QUERY_BYTES
    max_depth: int = DEFAULT_MAX_QUERY_DEPTH
    allow_service: bool = True


_BRACKETS = re.compile(r"[{}()\[\]]")
_SERVICE = re.compile(r"(?<![\w?$:])SERVICE(?![\w:.-])", re.IGNORECASE)


def nesting_depth(query: str) -> int:
    """How deep { }, ( ) and [ ] nest in a query: outside strings, IRIs and comments, or in the raw
    text, whichever is deeper (so that what looks like a string or an IRI here but is not one to the
    parser hides nothing)."""

    def deepest(text: str) -> int:
        depth = most = 0
        for match in _BRACKETS.finditer(text):
            if match.group() in "{([":
                depth += 1
                most = max(most, depth)
            else:
                depth = max(depth - 1, 0)
        return most

    return max(deepest(_OPAQUE.sub(" ", query)), deepest(query))


def uses_service(query: str) -> bool:
    """Whether a query (or update) has the SERVICE keyword, outside strings, IRIs and comments."""
    return _SERVICE.search(_OPAQUE.sub(" ", query)) is not None


def check_limits(query: str, limits: QueryLimits, service_hint: str = "") -> None:
    """Raise QueryRefused, with the limit and its option, when a query is past the limits."""
    size = len(query.encode("utf-8", "surrogatepass"))
    if size > limits.max_bytes:
        raise QueryRefused(f"query refused: it is {size} bytes long, more than the limit of {limits.max_bytes} "
                           f"(--max-query-bytes)", "size")
    depth = nesting_depth(query)
    if depth > limits.max_depth:
        raise QueryRefused(f"query refused: its brackets {{ }} ( ) [ ] nest {depth} deep, more than the limit of "
                           f"{limits.max_depth} (--max-query-depth)", "depth")
    if not limits.allow_service and uses_service(query):
        raise QueryRefused(f"query refused: SERVICE (a query sent on to another endpoint) is not allowed here"
                           f"{service_hint}", "service")


def on_large_stack(work: Callable[[], T], timeout: float | None = None) -> T:
    """Run work() in a thread with ENGINE_STACK_BYTES of stack and return what it returns (or raise what
    it raises); with a timeout (seconds), raise QueryTimeout when it has not finished by then (the thread
    is left to end with the process)."""
    outcome: list[T | BaseException] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as exc:
            _clear_frames(exc)  # what the frames hold (a store's answer) must go on this thread
            outcome.append(exc)

    previous = threading.stack_size(ENGINE_STACK_BYTES)
    try:
        worker = threading.Thread(target=run, name="cyberlex-query", daemon=True)
        try:
            worker.start()
        except RuntimeError:  # no room for that stack (a ulimit -v): the default one, and the limits alone
            threading.stack_size(previous)
            worker = threading.Thread(target=run, name="cyberlex-query", daemon=True)
            worker.start()
    finally:
        threading.stack_size(previous)
    worker.join(timeout)
    if not outcome:
        raise QueryTimeout(f"the query did not finish within {timeout:g} s (timeout)")
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def _clear_frames(exc: BaseException | None) -> None:
    """Drop the local variables of the frames an exception (and its causes) went through: pyoxigraph's
    query answers may only be freed on the thread that made them."""
    import traceback

    seen = 0
    while exc is not None and seen < 20:
        traceback.clear_frames(exc.__traceback__)  # type: ignore[arg-type]
        exc, seen = exc.__cause__ or exc.__context__, seen + 1


# -- results ------------------------------------------------------------------------------------

@dataclass
class SelectResult:
    """The answer to a SELECT: variable names and rows (None where a variable is unbound)."""

    variables: list[str]
    rows: list[list[Term | None]] = field(default_factory=list)
    server_cap: int | None = None  # the row cap the endpoint said it applied (X-SPARQL-MaxRows)


@dataclass
class AskResult:
    """The answer to an ASK."""

    value: bool


@dataclass
class GraphResult:
    """The answer to a CONSTRUCT or DESCRIBE."""

    triples: list[Triple] = field(default_factory=list)


@dataclass
class SelectStream:
    """The answer to a SELECT as it is read: variable names and an iterator of rows, each row made
    when it is asked for (the engine evaluates lazily, an endpoint's answer is parsed as it arrives),
    so that a million rows are written without being held."""

    variables: list[str]
    rows: Iterator[list[Term | None]]
    server_cap: int | None = None  # the row cap the endpoint said it applied (X-SPARQL-MaxRows)


Result = SelectResult | AskResult | GraphResult
Answer = Result | SelectStream


def from_oxigraph(answer: QuerySolutions | QueryBoolean | QueryTriples) -> Result:
    """A pyoxigraph answer (from a store or parsed from an endpoint's response) as a Result."""
    streamed = stream_oxigraph(answer)
    if isinstance(streamed, SelectStream):
        return SelectResult(streamed.variables, list(streamed.rows))
    return streamed


def stream_oxigraph(answer: QuerySolutions | QueryBoolean | QueryTriples, engine: bool = False) -> Answer:
    """A pyoxigraph answer with a SELECT's rows left unread (a SelectStream). With engine (a store's
    answer, evaluated as it is read), an evaluation error (SERVICE unreachable, …) is a QueryError."""
    try:
        if isinstance(answer, QueryBoolean):
            return AskResult(bool(answer))
        if isinstance(answer, QuerySolutions):
            variables = [v.value for v in answer.variables]
            rows = ([solution[v] for v in variables] for solution in answer)
            return SelectStream(variables, _engine_rows(rows) if engine else rows)
        return GraphResult(list(answer))
    except OSError as exc:
        if not engine:
            raise
        raise QueryError(f"the query failed: {' '.join(str(exc).split())}") from exc


def _engine_rows(rows: Iterator[list[Term | None]]) -> Iterator[list[Term | None]]:
    try:
        yield from rows
    except OSError as exc:  # raised by the engine while evaluating, not by whoever writes the rows
        raise QueryError(f"the query failed: {' '.join(str(exc).split())}") from exc


# -- reading queries ----------------------------------------------------------------------------

QUERY_START = re.compile(r"^\s*(?:#|PREFIX\b|BASE\b|SELECT\b|ASK\b|CONSTRUCT\b|DESCRIBE\b)", re.IGNORECASE)


def read_query(argument: str) -> str:
    """The text of a query given as a file name or written inline."""
    looks_inline = bool(QUERY_START.match(argument)) or "{" in argument
    path = Path(argument) if "\n" not in argument and len(argument) < 4096 else None
    if path is not None and _is_file(path):
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise QueryError(f"{argument}: cannot read the query: {exc}") from exc
    if looks_inline:
        return argument
    raise QueryError(f"{argument}: no such query file (and it does not look like SPARQL)")


def _is_file(path: Path) -> bool:
    """Whether the path names a file; False where it cannot (a name part past 255 bytes: an inline query)."""
    try:
        return path.is_file()
    except OSError:
        return False


# Strings, IRIs and comments, so that what looks like a prefixed name inside them is not taken for one.
_OPAQUE = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
                     r'|<[^<>"{}|^`\\\s]*>|#[^\n]*')
_DECLARED = re.compile(r"\bPREFIX\s+([A-Za-z][\w.-]*)?:", re.IGNORECASE)
_PREFIXED = re.compile(r"(?<![\w?$:.-])([A-Za-z][\w-]*(?:\.[\w-]+)*)?:(?=[\w%\\]|[\s;,.)\]}]|$)")


def used_prefixes(query: str) -> tuple[set[str], set[str]]:
    """The prefixes a query uses in prefixed names and the ones it declares."""
    bare = _OPAQUE.sub(lambda m: " " * len(m.group()), query)
    declared = {m.group(1) or "" for m in _DECLARED.finditer(bare)}
    used = {m.group(1) or "" for m in _PREFIXED.finditer(bare)} - {""}
    return used, declared


def with_known_prefixes(query: str) -> tuple[str, int]:
    """The query with a PREFIX line for each prefix of mappings/prefixes.toml it uses without
    declaring (so `clx:cites` works inline), and the number of lines added before it (0 or 1)."""
    used, declared = used_prefixes(query)
    known = prefixes()
    missing = sorted(p for p in used - declared if p in known)
    if not missing:
        return query, 0
    line = " ".join(f"PREFIX {p}: <{known[p]}>" for p in missing)
    return f"{line}\n{query}", 1


_POSITION = re.compile(r"error at (\d+):(\d+): ?(.*)", re.DOTALL)


def describe_syntax_error(message: str, query: str, added_lines: int = 0) -> str:
    """Oxigraph's 'error at 4:2: expected …' as 'syntax error at line 4, column 2, at "}": expected …'
    (a long list of expected tokens cut), with the undeclared prefix named when that is the cause."""
    message = " ".join(str(message).split())
    match = _POSITION.search(message)
    used, declared = used_prefixes(query)
    undeclared = sorted(used - declared - set(prefixes()))
    hint = f" (prefix {', '.join(p + ':' for p in undeclared)} is not declared)" if undeclared else ""
    if match is None:
        return f"syntax error: {_cut(message)}{hint}"
    line, column = int(match.group(1)) - added_lines, int(match.group(2))
    lines = query.splitlines()
    found = ""
    if 1 <= line <= len(lines):
        rest = lines[line - 1][column - 1:].strip()
        found = f', at "{_cut(rest, 20)}"' if rest else ", at the end of the line"
    return f"syntax error at line {line}, column {column}{found}: {_cut(match.group(3))}{hint}"


def _cut(text: str, limit: int = 100) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def check_syntax(query: str) -> str | None:
    """The query's form ('select', 'ask', 'construct' for CONSTRUCT and DESCRIBE) if Oxigraph parses
    it; raises QueryError with line and column if it does not."""
    prepared, added = with_known_prefixes(query)
    try:
        answer = Store().query(prepared)
    except SyntaxError as exc:
        raise QueryError(describe_syntax_error(str(exc), query, added)) from exc
    except Exception:  # parsed, but could not even run on an empty store (SERVICE, …): form unknown
        return None
    if isinstance(answer, QueryBoolean):
        return "ask"
    return "select" if isinstance(answer, QuerySolutions) else "construct"


# -- in-process ---------------------------------------------------------------------------------

def graph_file(path: Path) -> Path:
    """The RDF file to load for a path: a build folder's graph.trig (or graph.ttl), or the file itself."""
    if path.is_dir():
        for name in ("graph.trig", "graph.ttl"):
            if (path / name).is_file():
                return path / name
        raise GraphNotFound(f"{path}: no graph.trig or graph.ttl here; run `cyberlex build --out {path}` first")
    if not path.exists():
        raise GraphNotFound(f"{path}: no such file or folder; run `cyberlex build` first")
    if path.suffix.lower() not in RDF_FORMATS:
        raise QueryError(f"{path}: unknown RDF format (expected one of {', '.join(sorted(RDF_FORMATS))})")
    return path


def load_store(path: Path, union_default: bool = True) -> Store:
    """An in-memory Oxigraph store holding the graph of a build folder or an RDF file: the named graphs
    as they are, and (with union_default) their union, each triple once, in the default graph."""
    file = graph_file(path)
    store = Store()
    try:
        for part in with_evidence(file):  # a build's graph.trig: its evidence.trig too
            store.bulk_load(path=str(part), format=RDF_FORMATS[part.suffix.lower()])
        if not union_default:
            return store
        union = file.with_name("graph.ttl") if file.name == "graph.trig" else None
        if union is not None and union.is_file():
            store.bulk_load(path=str(union), format=RdfFormat.TURTLE)  # the build wrote the union of the facts
            store.bulk_extend([Quad(q.subject, q.predicate, q.object, DefaultGraph()) for q in store
                               if isinstance(q.graph_name, NamedNode) and is_evidence_graph(q.graph_name.value)])
        elif any(True for _ in store.named_graphs()):
            store.bulk_extend([Quad(q.subject, q.predicate, q.object, DefaultGraph()) for q in store
                               if not isinstance(q.graph_name, DefaultGraph)])
    except (SyntaxError, ValueError, OSError) as exc:
        remote = _remote_context(file, exc)
        if remote:  # pyoxigraph fetches no JSON-LD context (it has no loader): say which one and why
            raise QueryError(f"{file}: a JSON-LD context to fetch from {remote}: cyberlex fetches nothing from the "
                             f"network (put the context in the file)") from exc
        raise QueryError(f"{file}: not readable RDF: {' '.join(str(exc).split())}") from exc
    return store


def _remote_context(file: Path, exc: Exception) -> str | None:
    """The remote @context a JSON-LD file failed on, if that is why it failed."""
    if "remote context" not in str(exc) or file.suffix.lower() != ".jsonld":
        return None
    from cyberlex.jsonld import remote_contexts

    try:
        found = remote_contexts(file.read_bytes())
    except OSError:
        return None
    return found[0] if found else None


def run_local(store: Store, query: str, timeout: float | None = None, limits: QueryLimits | None = None) -> Result:
    """Run a query on a store (the default graph: the union, for a store from load_store), after checking
    it against the limits (QueryRefused), on a thread with a large stack. With a timeout (seconds), a
    query that has not finished by then raises QueryTimeout (its thread is left to end with the process)."""
    found: list[Result] = []

    def keep(answer: Answer) -> None:
        found.append(SelectResult(answer.variables, list(answer.rows), server_cap=answer.server_cap)
                     if isinstance(answer, SelectStream) else answer)

    stream_local(store, query, keep, timeout, limits)
    return found[0]


def stream_local(store: Store, query: str, write: Callable[[Answer], None], timeout: float | None = None,
                 limits: QueryLimits | None = None) -> None:
    """Run a query as run_local does and hand its answer to write() as it is evaluated: a SELECT as a
    SelectStream whose rows the engine makes one by one while write() consumes them (so memory does not
    grow with the number of rows). write() runs on the query's thread, within the timeout."""
    check_limits(query, limits or QueryLimits())
    prepared, added = with_known_prefixes(query)

    def evaluate() -> None:
        try:
            answer = store.query(prepared)
        except SyntaxError as exc:
            raise QueryError(describe_syntax_error(str(exc), query, added)) from exc
        write(stream_oxigraph(answer, engine=True))

    on_large_stack(evaluate, timeout)


# -- remote -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Credentials:
    """How to authenticate to an endpoint: HTTP basic or digest (user and password), or a bearer token."""

    user: str | None = None
    password: str | None = None
    token: str | None = None
    digest: bool = False

    def headers(self) -> dict[str, str]:
        """Authorization headers sent with every request (digest is negotiated, so none for it)."""
        if self.token:
            return {"Authorization": f"Bearer {self.token}"}
        if self.user is not None and not self.digest:
            import base64

            pair = f"{self.user}:{self.password or ''}".encode()
            return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}
        return {}


def origin(url: str) -> tuple[str, str, int | None]:
    """The origin of a URL (scheme, host, port with the scheme's default filled in), as browsers, curl
    and requests compare them before sending credentials on."""
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or {"http": 80, "https": 443}.get(scheme)


# Headers that carry credentials: never sent on to another origin.
CREDENTIAL_HEADERS = ("Authorization", "Cookie")


class SameOriginCredentialsRedirect(urllib.request.HTTPRedirectHandler):
    """Follows redirects as urllib does, but drops the Authorization (basic, bearer) and Cookie headers
    when the redirect leads to another origin (scheme, host or port differ), as curl and requests do.
    Digest credentials are answered only for the endpoint's own URL (see endpoint_opener)."""

    def redirect_request(self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str,
                         headers: HTTPMessage, newurl: str) -> urllib.request.Request | None:
        """The request urllib would make for the redirect, without credentials if it changes origin."""
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and origin(new.full_url) != origin(req.full_url):
            for name in CREDENTIAL_HEADERS:
                new.remove_header(name)
        return new


def endpoint_opener(endpoint: str, credentials: Credentials) -> urllib.request.OpenerDirector:
    """The URL opener for an endpoint: redirects drop credentials across origins; digest credentials
    are registered for the endpoint's URL only, so a server elsewhere never gets an answer to its
    challenge."""
    handlers: list[urllib.request.BaseHandler] = [SameOriginCredentialsRedirect()]
    if credentials.digest and credentials.user is not None:
        manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        manager.add_password(None, endpoint, credentials.user, credentials.password or "")
        handlers.append(urllib.request.HTTPDigestAuthHandler(manager))
    return urllib.request.build_opener(*handlers)


def run_remote(endpoint: str, query: str, timeout: float | None = 60.0,
               credentials: Credentials | None = None, limits: QueryLimits | None = None) -> Result:
    """Run a query on a SPARQL 1.1 Protocol endpoint through SPARQLWrapper (POST, URL-encoded),
    asking for SPARQL JSON results (SELECT, ASK) or N-Triples (CONSTRUCT, DESCRIBE). The query is
    checked against the limits first (QueryRefused), since its form is found by parsing it here."""
    found: list[Result] = []

    def keep(answer: Answer) -> None:
        found.append(SelectResult(answer.variables, list(answer.rows), server_cap=answer.server_cap)
                     if isinstance(answer, SelectStream) else answer)

    stream_remote(endpoint, query, keep, timeout, credentials, limits)
    return found[0]


def stream_remote(endpoint: str, query: str, write: Callable[[Answer], None], timeout: float | None = 60.0,
                  credentials: Credentials | None = None, limits: QueryLimits | None = None) -> None:
    """Run a query as run_remote does and hand its answer to write() while the response arrives: a
    SELECT's rows are parsed from the connection as write() consumes them, so the answer is never
    held whole (the timeout applies to each read: an endpoint that stops sending is a QueryTimeout)."""
    from SPARQLWrapper import JSON, POST, SPARQLWrapper

    check_limits(query, limits or QueryLimits())
    prepared, _added = with_known_prefixes(query)
    try:
        form = on_large_stack(lambda: check_syntax(query), timeout)
        local_error: QueryError | None = None
    except QueryError as exc:  # let the endpoint decide: it may accept extensions Oxigraph does not
        form, local_error = None, exc
    except QueryTimeout:  # too slow to parse here: the endpoint decides (and its own time limit applies)
        form, local_error = None, None
    sparql = SPARQLWrapper(endpoint)
    sparql.setQuery(prepared)
    sparql.setMethod(POST)
    sparql.setOnlyConneg(True)  # content negotiation only: no format=/output= parameters some servers refuse
    if timeout is not None:  # set directly: setTimeout() cuts to whole seconds (0.5 → 0, no timeout at all)
        sparql.timeout = timeout  # type: ignore[assignment]
    credentials = credentials or Credentials()
    for name, value in credentials.headers().items():
        sparql.addCustomHttpHeader(name, value)
    form = form or _form_of(sparql.queryType)
    if form == "construct":
        sparql.addCustomHttpHeader("Accept", "application/n-triples, text/turtle;q=0.9")
    else:
        sparql.setReturnFormat(JSON)
        sparql.addCustomHttpHeader("Accept", "application/sparql-results+json")
    chosen = form
    seen = LastResponseHeaders()
    opener = endpoint_opener(endpoint, credentials)
    opener.add_handler(seen)

    def answer(response: IO[bytes], content_type: str) -> None:
        partial = seen.partial()
        if partial is not None:  # never an answer cut short by the server's clock taken for the answer
            raise QueryTimeout(f"{endpoint} ran out of its own time limit and answered with partial results "
                               f"({partial}); no answer is given: raise the endpoint's time limit (Virtuoso: "
                               f"MaxQueryExecutionTime) or narrow the query")
        parsed = _parse_response(response, content_type, chosen, endpoint)
        if isinstance(parsed, SelectStream | SelectResult):
            parsed.server_cap = seen.row_cap()
        write(parsed)

    try:
        _send(sparql, opener, endpoint, timeout, local_error, answer)
    except EndpointError as exc:
        hinted = with_auth_hint(str(exc), credentials)
        if hinted == str(exc):
            raise
        raise EndpointError(hinted) from exc


AUTH_HINT = "; give --user/--password or --token"


def with_auth_hint(message: str, credentials: Credentials) -> str:
    """An HTTP 401 message whose hint fits what was given: with a user and password sent as basic
    authentication, the likely fix is --digest (Virtuoso asks for digest)."""
    if "HTTP 401" in message and credentials.user is not None and credentials.password is not None \
            and not credentials.digest and not credentials.token:
        return message.replace(AUTH_HINT, "") + ("; the user and password were sent with basic authentication: "
                                                 "if the endpoint wants digest (Virtuoso does), add --digest")
    return message


class LastResponseHeaders(urllib.request.BaseHandler):
    """Keeps the headers of the last response an opener got, for what they say about the answer."""

    def __init__(self) -> None:
        self.headers: HTTPMessage | None = None

    def http_response(self, request: urllib.request.Request, response: Any) -> Any:
        """Note the headers; the response goes on unchanged."""
        self.headers = response.headers
        return response

    https_response = http_response

    def partial(self) -> str | None:
        """What the server said if its answer is partial because the query ran out of the server's time (a
        Virtuoso "anytime query": X-SQL-State S1TAT, its counts and rows those found until then), or None."""
        state = (self.headers.get("X-SQL-State", "") if self.headers is not None else "").strip()
        if state != "S1TAT":
            return None
        assert self.headers is not None
        message = " ".join(self.headers.get("X-SQL-Message", "").split())
        return f"X-SQL-State S1TAT: {message}" if message else "X-SQL-State S1TAT"

    def row_cap(self) -> int | None:
        """The cap on result rows the server applied, where it says so (Virtuoso: X-SPARQL-MaxRows)."""
        value = (self.headers.get("X-SPARQL-MaxRows", "") if self.headers is not None else "").strip()
        return int(value) if value.isdigit() else None


# Row caps servers apply by default without always saying so: Virtuoso's ResultSetMaxRows (10,000),
# and the 100,000 of several public endpoints (Virtuoso configured higher, GraphDB's default limit).
KNOWN_ROW_CAPS = (10_000, 100_000)
_LIMIT = re.compile(r"\bLIMIT\s+(\d+)\s*(?:OFFSET\s+\d+\s*)?$", re.IGNORECASE)


def truncation(result: Result, query: str) -> str | None:
    """Why the endpoint's answer is probably cut short, or None: the server said it applied a row cap
    that the answer reaches, or the answer has exactly as many rows as a known server cap (and the
    query asked for no such LIMIT)."""
    if not isinstance(result, SelectResult):
        return None
    return truncation_of(len(result.rows), result.server_cap, query)


def truncation_of(rows: int, server_cap: int | None, query: str) -> str | None:
    """truncation() for an answer streamed: how many rows were written, and the cap the server said."""
    limit = _LIMIT.search(query.strip())
    if limit is not None and rows >= int(limit.group(1)):
        return None  # the query's own LIMIT
    if server_cap is not None and rows >= server_cap:
        return (f"the endpoint cut the answer at {server_cap} rows (X-SPARQL-MaxRows): there are "
                f"probably more; --all pages through them")
    if rows in KNOWN_ROW_CAPS:
        return (f"the answer has exactly {rows} rows, a usual server cap: it is probably cut short; "
                f"--all pages through them")
    return None


_PROLOGUE = re.compile(r"\A(?:\s+|#[^\n]*(?:\n|\Z)|PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>)*", re.IGNORECASE)
_ORDER_BY = re.compile(r"\bORDER\s+BY\b", re.IGNORECASE)


def run_remote_all(endpoint: str, query: str, page_size: int = 10_000, timeout: float | None = 60.0,
                   credentials: Credentials | None = None, limits: QueryLimits | None = None,
                   max_pages: int = 10_000) -> Result:
    """A SELECT answered page by page (LIMIT/OFFSET on the query as a subquery, as Virtuoso advises for
    large offsets), until a page comes back empty: every row, whatever cap the server applies to one
    answer. The query must have an ORDER BY (otherwise the pages need not follow one order)."""
    check_limits(query, limits or QueryLimits())
    prepared, _added = with_known_prefixes(query)
    prologue = _PROLOGUE.match(prepared)
    head, body = (prepared[: prologue.end()], prepared[prologue.end():]) if prologue else ("", prepared)
    if not body.upper().startswith("SELECT"):
        raise QueryError("--all pages through the rows of a SELECT; this query is not one")
    if not _ORDER_BY.search(_strip_comments(body)):
        raise QueryError("--all needs a query with ORDER BY: pages of an unordered answer may overlap or miss rows")
    combined: SelectResult | None = None
    offset = 0
    for _page in range(max_pages):
        page = run_remote(endpoint, f"{head}SELECT * WHERE {{ {{\n{body}\n}} }} LIMIT {page_size} OFFSET {offset}",
                          timeout=timeout, credentials=credentials, limits=None)
        assert isinstance(page, SelectResult)
        if combined is None:
            combined = SelectResult(page.variables)
        if not page.rows:
            break
        combined.rows.extend(page.rows)
        offset += len(page.rows)
    assert combined is not None
    return combined


def _strip_comments(query: str) -> str:
    return re.sub(r"(?m)#[^\n<>\"']*$", "", query)


def _form_of(query_type: str | None) -> str:
    kind = (query_type or "SELECT").upper()
    return {"ASK": "ask", "CONSTRUCT": "construct", "DESCRIBE": "construct"}.get(kind, "select")


def _open(sparql: object, opener: urllib.request.OpenerDirector, timeout: float | None,
          answer: Callable[[IO[bytes], str], None]) -> None:
    """SPARQLWrapper's request, sent with our opener (SPARQLWrapper's own urlopen would follow redirects
    with the credentials, and installs a process-wide opener for digest), its response handed to
    answer() with its content type while the connection is open; HTTP errors raised as SPARQLWrapper
    raises them."""
    from SPARQLWrapper import SPARQLExceptions

    request = sparql._createRequest()  # type: ignore[attr-defined]
    try:
        with opener.open(request, timeout=timeout) as response:
            answer(response, response.headers.get("Content-Type", "") or "")
    except urllib.error.HTTPError as exc:
        kinds = {400: SPARQLExceptions.QueryBadFormed, 401: SPARQLExceptions.Unauthorized,
                 404: SPARQLExceptions.EndPointNotFound, 414: SPARQLExceptions.URITooLong,
                 500: SPARQLExceptions.EndPointInternalError}
        if exc.code in kinds:
            raise kinds[exc.code](exc.read()) from exc
        raise


def _send(sparql: object, opener: urllib.request.OpenerDirector, endpoint: str, timeout: float | None,
          local_error: QueryError | None, answer: Callable[[IO[bytes], str], None]) -> None:
    """Send the request and hand the endpoint's answer to answer(), or raise the error as one line: a
    malformed query as Oxigraph's own syntax error when it has one (line and column), else as the
    endpoint says it."""
    import socket

    from SPARQLWrapper import SPARQLExceptions

    try:
        _open(sparql, opener, timeout, answer)
    except SPARQLExceptions.QueryBadFormed as exc:
        if local_error is not None:
            raise local_error from exc
        raise QueryError(f"{endpoint} refused the query as malformed: {_server_message(exc)}") from exc
    except SPARQLExceptions.Unauthorized as exc:
        raise EndpointError(f"{endpoint}: not authorised (HTTP 401); give --user/--password or --token") from exc
    except SPARQLExceptions.EndPointNotFound as exc:
        raise EndpointError(f"{endpoint}: no SPARQL endpoint at this address (HTTP 404)") from exc
    except SPARQLExceptions.URITooLong as exc:
        raise EndpointError(f"{endpoint}: the request is too long for the endpoint (HTTP 414)") from exc
    except SPARQLExceptions.EndPointInternalError as exc:
        raise EndpointError(f"{endpoint}: the endpoint failed (HTTP 500): {_server_message(exc)}") from exc
    except urllib.error.HTTPError as exc:
        raise EndpointError(f"{endpoint}: HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError | socket.timeout):
            raise QueryTimeout(f"{endpoint}: no answer within {timeout:g} s (timeout)") from exc
        raise EndpointError(f"cannot reach {endpoint}: {_reason(exc.reason)}") from exc
    except TimeoutError as exc:
        raise QueryTimeout(f"{endpoint}: no answer within {timeout:g} s (timeout)") from exc
    except (ConnectionError, OSError) as exc:
        raise EndpointError(f"cannot reach {endpoint}: {_reason(exc)}") from exc
    except ValueError as exc:  # an endpoint URL urllib cannot use
        raise EndpointError(f"{endpoint}: not a usable endpoint URL: {exc}") from exc


def _reason(reason: object) -> str:
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused (is the server running?)"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror.lower()
    return " ".join(str(reason).split())


def _server_message(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    text = re.sub(r"^(?:QueryBadFormed|EndPointInternalError): .*?(?:Response:\s*)", "", text)
    text = re.sub(r"^b['\"](.*)['\"]$", r"\1", text).replace("\\n", " ")
    return text[:300]


def _parse_response(body: IO[bytes], content_type: str, form: str, endpoint: str) -> Answer:
    """The answer read from the response: a CONSTRUCT's triples at once, a SELECT's rows as they are
    asked for (a syntax error found on the way is an EndpointError too)."""
    mime = content_type.split(";")[0].strip().lower()
    try:
        if form == "construct":
            rdf_format = {"text/turtle": RdfFormat.TURTLE, "application/n-triples": RdfFormat.N_TRIPLES,
                          "text/plain": RdfFormat.N_TRIPLES, "application/rdf+xml": RdfFormat.RDF_XML,
                          "application/ld+json": RdfFormat.JSON_LD}.get(mime, RdfFormat.TURTLE)
            from pyoxigraph import parse

            return GraphResult([q.triple for q in parse(body, format=rdf_format)])
        results_format = {"application/sparql-results+xml": QueryResultsFormat.XML,
                          "text/csv": QueryResultsFormat.CSV,
                          "text/tab-separated-values": QueryResultsFormat.TSV}.get(mime, QueryResultsFormat.JSON)
        answer = stream_oxigraph(parse_query_results(body, format=results_format))
    except (SyntaxError, ValueError) as exc:
        raise _unreadable(endpoint, mime, exc) from exc
    if isinstance(answer, SelectStream):
        answer.rows = _readable_rows(answer.rows, endpoint, mime)
    return answer


def _unreadable(endpoint: str, mime: str, exc: Exception) -> EndpointError:
    return EndpointError(f"{endpoint}: the answer is not readable {mime or 'data'}: "
                         f"{' '.join(str(exc).split())[:200]}")


def _readable_rows(rows: Iterator[list[Term | None]], endpoint: str, mime: str) -> Iterator[list[Term | None]]:
    try:
        yield from rows
    except (SyntaxError, ValueError) as exc:
        raise _unreadable(endpoint, mime, exc) from exc


# -- formatting ---------------------------------------------------------------------------------

def cell(term: Term | None) -> str:
    """A term as a value in the SPARQL CSV format (IRIs bare, literals as their lexical form)."""
    if term is None:
        return ""
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    if isinstance(term, Triple):
        return f"<< {cell(term.subject)} {cell(term.predicate)} {cell(term.object)} >>"
    return term.value


def people_cell(term: Term | None, names: dict[str, str], max_width: int = 0) -> str:
    """A term as people read it: IRIs with prefixes, literals as text (cut to max_width with '…' when
    max_width > 0) followed by their language tag."""
    if term is None:
        return ""
    tag = f" @{term.language}" if isinstance(term, Literal) and term.language else ""
    if isinstance(term, NamedNode):
        text = compact(term.value, names, accept=writable)
    elif isinstance(term, Literal):
        text = " ".join(term.value.split())
    else:
        text = cell(term)
    room = max_width - len(tag)
    if max_width > 0 and len(text) > room:
        text = text[:max(room - 1, 1)] + "…"
    return text + tag


def _json_term(term: Term) -> dict[str, object]:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Triple):
        return {"type": "triple", "value": {"subject": _json_term(term.subject),
                                            "predicate": _json_term(term.predicate),
                                            "object": _json_term(term.object)}}
    out: dict[str, object] = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != XSD_STRING:
        out["datatype"] = term.datatype.value
    return out


class TextOut(Protocol):
    """Where results are written: anything with a write(str) (a text stream, a StringIO)."""

    def write(self, text: str, /) -> object:
        """Write some text."""


class OutputError(Exception):
    """The results could not be written (the disk is full, the pipe closed): not the query's fault."""


class GuardedOutput:
    """A text stream whose write errors are OutputError (not OSError), so that they are not taken for
    an endpoint's or the engine's."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def write(self, text: str, /) -> object:
        """Write to the stream; an OSError is raised as OutputError (BrokenPipeError kept as its cause)."""
        try:
            return self.stream.write(text)
        except OSError as exc:
            raise OutputError(str(exc)) from exc

    def flush(self) -> None:
        """Flush the stream (OutputError on failure)."""
        try:
            self.stream.flush()
        except OSError as exc:
            raise OutputError(str(exc)) from exc


# A table's column widths are measured on its first rows; later rows keep those widths (a longer cell
# pushes its line out), so that a table of any length is written without holding it.
TABLE_LOOKAHEAD = 10_000

Rows = SelectResult | SelectStream


def _rows(result: Rows) -> Iterator[list[Term | None]]:
    return iter(result.rows)


def write_csv(result: Rows, out: TextOut, delimiter: str = ",") -> None:
    """SPARQL 1.1 Query Results CSV (values only; lines end with CRLF as the format says), row by row."""
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(result.variables)
    for row in _rows(result):
        writer.writerow([cell(t) for t in row])


def write_tsv(result: Rows, out: TextOut) -> None:
    """SPARQL 1.1 Query Results TSV: `?var` headers, terms in Turtle/N-Triples syntax, row by row."""
    out.write("\t".join(f"?{v}" for v in result.variables) + "\n")
    for row in _rows(result):
        out.write("\t".join("" if t is None else str(t) for t in row) + "\n")


def write_json(result: Rows | AskResult, out: TextOut) -> None:
    """SPARQL 1.1 Query Results JSON (as json.dumps(…, indent=1) writes it), binding by binding."""
    if isinstance(result, AskResult):
        out.write(json.dumps({"head": {}, "boolean": result.value}, ensure_ascii=False, indent=1) + "\n")
        return
    head, tail = json.dumps({"head": {"vars": result.variables}, "results": {"bindings": [0]}},
                            ensure_ascii=False, indent=1).split("\n   0\n")
    first = True
    for row in _rows(result):
        binding = {v: _json_term(t) for v, t in zip(result.variables, row, strict=True) if t is not None}
        text = _json_binding(binding)
        out.write(f"{head}\n   {text}" if first else f",\n   {text}")
        first = False
    out.write(f"{head.removesuffix('[')}[]{tail.removeprefix('  ]')}\n" if first else f"\n{tail}\n")


def _json_binding(binding: dict[str, dict[str, object]]) -> str:
    """json.dumps(binding, ensure_ascii=False, indent=1) at the depth of a binding in the results (its
    lines after the first indented by three more spaces), made with the C string encoder when every
    value is a string (json.dumps with an indent is pure Python, and 5 times slower)."""
    if not binding or not all(isinstance(v, str) for term in binding.values() for v in term.values()):
        return json.dumps(binding, ensure_ascii=False, indent=1).replace("\n", "\n   ")
    dumps: Callable[[object], str] = json.encoder.encode_basestring  # type: ignore[attr-defined,assignment]
    terms = (f'    {dumps(var)}: {{\n' + ",\n".join(f"     {dumps(k)}: {dumps(v)}" for k, v in term.items())
             + "\n    }" for var, term in binding.items())
    return "{\n" + ",\n".join(terms) + "\n   }"


def write_table(result: Rows, out: TextOut, max_width: int = 60, lookahead: int = TABLE_LOOKAHEAD) -> None:
    """An aligned text table for people: prefixed IRIs, text literals, long cells cut with '…'. The
    widths are those of the first `lookahead` rows."""
    names = prefixes()
    header = result.variables
    rows = _rows(result)
    first = [[people_cell(t, names, max_width) for t in row] for _, row in zip(range(lookahead), rows, strict=False)]
    widths = [max([len(h), *(len(row[i]) for row in first)]) for i, h in enumerate(header)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip() + "\n"

    out.write(line(header) + line(["-" * w for w in widths]))
    for cells in first:
        out.write(line(cells))
    count = len(first)
    for row in rows:
        out.write(line([people_cell(t, names, max_width) for t in row]))
        count += 1
    out.write(f"({count} row{'s' if count != 1 else ''})\n")


def to_csv(result: Rows, delimiter: str = ",") -> str:
    """SPARQL 1.1 Query Results CSV as a string."""
    out = io.StringIO()
    write_csv(result, out, delimiter)
    return out.getvalue()


def to_tsv(result: Rows) -> str:
    """SPARQL 1.1 Query Results TSV as a string."""
    out = io.StringIO()
    write_tsv(result, out)
    return out.getvalue()


def to_json(result: Rows | AskResult) -> str:
    """SPARQL 1.1 Query Results JSON as a string."""
    out = io.StringIO()
    write_json(result, out)
    return out.getvalue()


def to_table(result: Rows, max_width: int = 60) -> str:
    """The table for people as a string."""
    out = io.StringIO()
    write_table(result, out, max_width)
    return out.getvalue()


def to_turtle(triples: Iterable[Triple]) -> str:
    """Triples as Turtle, sorted, with the prefixes of mappings/prefixes.toml."""
    from cyberlex.serialise import to_bytes

    ordered = sorted(set(triples), key=str)
    return to_bytes(ordered, "turtle").decode("utf-8")


def format_result(result: Answer, fmt: str = "table", max_width: int = 60) -> str:
    """A result as text in a format: table, csv, tsv, json (SELECT and ASK); graphs are Turtle."""
    out = io.StringIO()
    write_result(result, out, fmt, max_width)
    return out.getvalue()


def write_result(result: Answer, out: TextOut, fmt: str = "table", max_width: int = 60) -> None:
    """Write a result in a format (table, csv, tsv, json for SELECT and ASK; graphs are Turtle): a
    SELECT's rows as they come, so a SelectStream is never held whole (a CONSTRUCT's triples are, to
    sort them)."""
    if isinstance(result, GraphResult):
        out.write(to_turtle(result.triples))
    elif isinstance(result, AskResult):
        if fmt == "json":
            write_json(result, out)
        elif fmt in ("csv", "tsv"):
            out.write(f"boolean\r\n{str(result.value).lower()}\r\n" if fmt == "csv" else
                      f"?boolean\n{str(result.value).lower()}\n")
        else:
            out.write(f"{'yes' if result.value else 'no'}\n")
    elif fmt == "csv":
        write_csv(result, out)
    elif fmt == "tsv":
        write_tsv(result, out)
    elif fmt == "json":
        write_json(result, out)
    else:
        write_table(result, out, max_width)
