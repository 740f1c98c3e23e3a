"""The command line: verbs that match the stages; each parses options and calls one library function."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cyberlex import __version__
from cyberlex.exitcodes import ExitCode, epilog
from cyberlex.progress import Progress
from cyberlex.vocab import DEFAULT_BASE

if TYPE_CHECKING:
    from cyberlex.sparql.query import Credentials

# Exit codes: one table (cyberlex.exitcodes) for the code, `cyberlex --help` and the README.
EXIT_VIOLATIONS = ExitCode.VIOLATIONS
EXIT_INPUT_FAILURES = ExitCode.INPUT
EXIT_WRITE = ExitCode.WRITE
EXIT_ENDPOINT = ExitCode.ENDPOINT  # an endpoint, or the --dask scheduler, that cannot be reached
EXIT_CODES = epilog()


class InputError(click.ClickException):
    """An input file that cannot be used: one line naming it, exit code 3."""

    exit_code = EXIT_INPUT_FAILURES


def one_line(text: object) -> str:
    """Text for a line of stderr: control characters (a newline in a file name or a message) escaped, so
    that one file's failure is one line and no file name can forge another."""
    return "".join(ch if ch.isprintable() or ch == " " else ascii(ch)[1:-1] for ch in str(text))


@click.group(epilog=EXIT_CODES)
@click.version_option(__version__, prog_name="cyberlex")
def main() -> None:
    """cyberlex: a knowledge graph of international legal instruments on cybercrime."""


def _inputs(paths: tuple[Path, ...]) -> tuple[list[Path], int]:
    """The paths to read (default: the bundled sample corpus), checked, and how many files they hold."""
    from cyberlex.build import collect_inputs, sample_corpus

    inputs = list(paths) or [sample_corpus()]
    for path in inputs:
        if not path.exists():
            raise click.UsageError(f"{path}: no such file or folder")
    return inputs, len(collect_inputs(inputs))


def _progress(count: int) -> Progress:
    """Files done, files per second and time left, on stderr when it is a terminal (cyberlex.progress)."""
    return Progress(count, "Building", sys.stderr)


def _report_failures(failures: list[Any]) -> None:
    for failure in failures:
        click.echo(f"cyberlex: {one_line(failure.path)}: {one_line(failure.reason)}", err=True)


def _stop(message: str, code: int) -> None:
    """One line on stderr, then exit with the code."""
    click.echo(f"cyberlex: {one_line(message)}", err=True)
    sys.exit(code)


DASK_OPTION = click.option(
    "--dask", default=None, metavar="ADDRESS",
    help="Build the files on the Dask distributed cluster whose scheduler is at ADDRESS (tcp://host:8786): its "
         "workers read, extract, map and validate each file (they need cyberlex installed, with the same "
         "version; the files' bytes are sent to them); the graph is the same as a local build's. Needs "
         "pip install cyberlex[dask]. --file-timeout does not apply on the workers.")


@main.command(epilog=EXIT_CODES)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("out"), show_default=True,
              help="Folder for graph.ttl, graph.trig, evidence.trig and validation.txt.")
@click.option("--base", default=DEFAULT_BASE, show_default=True, help="Base IRI of the data.")
@click.option("--no-validate", is_flag=True, help="Skip SHACL validation.")
@click.option("--file-timeout", type=click.FloatRange(min=0), default=60.0, show_default=True, metavar="SECONDS",
              help="Give up a file that takes longer than this to read, segment, extract and map (0: no limit).")
@click.option("--max-file-size", type=click.FloatRange(min=0, min_open=True), default=100.0, show_default=True,
              metavar="MB", help="Refuse, unread, an input file larger than this.")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder of the build cache, to share it (between CI runs, say); unchanged files are taken from "
                   "it instead of being built. Default: .cache in --out, where entries no longer used are removed. "
                   "When no input file, name or option changed since the last build into --out (and none "
                   "failed), and its files are as it wrote them, nothing is built: it says 'up to date' and "
                   "reports that build's figures.")
@click.option("--no-cache", is_flag=True, help="Build every file, neither reading nor writing the build cache.")
@click.option("--store", "store_dir", type=click.Path(file_okay=False, path_type=Path), default=None, metavar="DIR",
              help="Keep the build's Oxigraph store on disk in DIR, to query it afterwards (emptied first: a rebuild "
                   "replaces it). Default: in memory below 2,000 input files, from there a temporary store on disk "
                   "in --out, removed after the build (the store then holds its memory flat whatever the corpus).")
@DASK_OPTION
def build(paths: tuple[Path, ...], out_dir: Path, base: str, no_validate: bool, file_timeout: float,
          max_file_size: float, cache_dir: Path | None, no_cache: bool, store_dir: Path | None,
          dask: str | None) -> None:
    """Build the graph from PATHS (files and folders; default: the bundled sample corpus)."""
    from cyberlex.build import NothingBuilt, WriteError
    from cyberlex.build import build as run_build
    from cyberlex.cluster import ClusterError

    inputs, count = _inputs(paths)
    try:
        with _progress(count) as bar:
            result = run_build(inputs, out_dir, base=base, run_validation=not no_validate,
                               progress=lambda _path: bar.advance(), file_timeout=file_timeout or None,
                               max_file_bytes=int(max_file_size * 1024 * 1024), cache_dir=cache_dir,
                               use_cache=not no_cache, dask=dask, skip_unchanged=True, store_dir=store_dir)
    except ClusterError as exc:
        _stop(str(exc), ExitCode.USAGE if exc.missing else EXIT_ENDPOINT)
    except NothingBuilt as exc:
        _report_failures(exc.result.failures)
        _stop(str(exc), EXIT_INPUT_FAILURES)
    except WriteError as exc:
        _stop(str(exc), EXIT_WRITE)
    _report_failures(result.failures)
    for warning in result.warnings:
        click.echo(f"cyberlex: {one_line(warning.path)}: warning: {one_line(warning.reason)}", err=True)
    counts = result.counts
    if result.up_to_date:
        click.echo(f"up to date: no input changed since the last build into {out_dir}; its figures:")
    click.echo(f"documents: {result.documents} read, {len(result.failures)} failed")
    if result.from_cache:
        click.echo(f"from the build cache: {result.from_cache}")
    for name in ("instruments", "clauses", "citations", "bodies", "triples"):
        click.echo(f"{name}: {counts.get(name, 0)}")
    if result.violations is not None:
        click.echo(f"violations: {result.violations}")
    for kind, path in result.written.items():
        click.echo(f"wrote {kind}: {path}")
    if result.violations:
        sys.exit(EXIT_VIOLATIONS)
    if result.failures:
        sys.exit(EXIT_INPUT_FAILURES)


@main.command()
@click.argument("graphs", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--shapes", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Folder of SHACL shapes (default: the shapes of cyberlex).")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "junit"]), default="text",
              show_default=True,
              help="Report for people (text), for scripts (json: the results with focusNode, resultPath, value, "
                   "sourceShape, severity, message) or for CI systems (junit: JUnit XML, a failed test case per "
                   "result).")
@click.option("--engine", type=click.Choice(["auto", "pyshacl"]), default="auto", show_default=True,
              help="SHACL engine: auto runs cyberlex's own engine (cyberlex.shacl: pySHACL's results, several times "
                   "faster) where it evaluates every shape, pySHACL otherwise; pyshacl runs pySHACL, the "
                   "reference, to cross-check.")
def validate(graphs: tuple[Path, ...], shapes: Path | None, output_format: str, engine: str) -> None:
    """Validate RDF files against the shapes; print a report; exit 1 on violations."""
    import time

    from rdflib import Dataset

    from cyberlex.jsonld import remote_contexts
    from cyberlex.validate_parts import validate_by_graph

    started = time.perf_counter()
    data = Dataset()
    for path in graphs:
        if path.suffix.lower() in (".jsonld", ".json"):
            remote = remote_contexts(path.read_bytes())
            if remote:  # rdflib would fetch it: validation reads files, it fetches nothing
                raise InputError(f"{path}: a JSON-LD context to fetch from {remote[0]}: cyberlex validate fetches "
                                 "nothing from the network (put the context in the file)")
        try:
            data.parse(path)
        except Exception as exc:  # any parse error: name the file, no traceback
            raise InputError(f"{path}: not readable RDF: {exc}") from exc
    report = validate_by_graph(data, shapes_dir=shapes, engine=engine)  # each named graph alone, then what they share
    if output_format == "json":
        click.echo(report.to_json(), nl=False)
    elif output_format == "junit":
        name = "cyberlex validate " + " ".join(str(path) for path in graphs)
        click.echo(report.to_junit(name=name, seconds=time.perf_counter() - started), nl=False)
    else:
        click.echo(report.to_text())
    if not report.conforms:
        sys.exit(EXIT_VIOLATIONS)



# -- release: dumps, dataset description, documentation, linked-data pages ---------------------------

@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("dist"), show_default=True,
              help="Folder of the release (replaced as a whole when the release is complete).")
@click.option("--base", default=DEFAULT_BASE, show_default=True, help="Base IRI of the data (and of the site).")
@click.option("--previous", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="The folder of the previous release, to list what changed.")
@click.option("--endpoint", default=None, metavar="URL", help="SPARQL endpoint to describe as a dcat:DataService.")
@click.option("--date", default=None, metavar="YYYY-MM-DD",
              help="Release date (default: $SOURCE_DATE_EPOCH, else the latest adoption date in the graph).")
@click.option("--download-url", default=None, metavar="URL",
              help="Where the release's files will be downloadable (default: <base without id/>release/<version>/).")
@click.option("--site-url", default=None, metavar="URL",
              help="Where the static site will be hosted, for the w3id.org rules in publish/.")
@click.option("--licence", type=click.Choice(sorted(["CC-BY-4.0", "CC0-1.0", "ODbL-1.0"])), default="CC-BY-4.0",
              show_default=True, help="Licence of the data.")
@click.option("--publisher", default=None, help="Name of the publisher (default: cyberlex project).")
@click.option("--no-site", is_flag=True, help="Do not write the linked-data pages (site/).")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder of a build cache to build through (as for build --cache); none by default, so that "
                   "nothing is written outside --out.")
@DASK_OPTION
def release(paths: tuple[Path, ...], out_dir: Path, base: str, previous: Path | None, endpoint: str | None,
            date: str | None, download_url: str | None, site_url: str | None, licence: str, publisher: str | None,
            no_site: bool, cache_dir: Path | None, dask: str | None) -> None:
    """Build PATHS and write a versioned release: dumps in four formats, ontology, shapes, DCAT and VoID
    description, release notes, ontology documentation and the linked-data pages."""
    from cyberlex.build import NothingBuilt, WriteError
    from cyberlex.cluster import ClusterError
    from cyberlex.release import ReleaseError
    from cyberlex.release import release as run_release
    from cyberlex.release.describe import LICENCES
    from cyberlex.site.pages import UnsafePagePath

    inputs, count = _inputs(paths)
    try:
        with _progress(count) as bar:
            result = run_release(inputs, out_dir, base=base, previous=previous, endpoint=endpoint, date=date,
                                 download_url=download_url, licence=LICENCES[licence], publisher=publisher,
                                 site_url=site_url, with_site=not no_site, progress=lambda _path: bar.advance(),
                                 cache_dir=cache_dir, dask=dask)
    except ReleaseError as exc:
        raise click.UsageError(str(exc)) from None
    except ClusterError as exc:
        _stop(str(exc), ExitCode.USAGE if exc.missing else EXIT_ENDPOINT)
    except UnsafePagePath as exc:  # nothing was written outside --out, and --out is left as it was
        _stop(f"release refused: {exc}", EXIT_INPUT_FAILURES)
    except NothingBuilt as exc:
        _report_failures(exc.result.failures)
        _stop(f"nothing was built: {exc.why}; no release was written, {out_dir} is as it was", EXIT_INPUT_FAILURES)
    except WriteError as exc:
        _stop(str(exc), EXIT_WRITE)
    built = result.build
    _report_failures(built.failures)
    for warning in built.warnings:
        click.echo(f"cyberlex: {one_line(warning.path)}: warning: {one_line(warning.reason)}", err=True)
    click.echo(f"release {result.version} in {result.out}")
    click.echo(f"documents: {built.documents} read, {len(built.failures)} failed")
    click.echo(f"triples: {built.counts.get('triples', 0)}")
    if built.violations is not None:
        click.echo(f"violations: {built.violations}")
    for facts in result.files:
        click.echo(f"wrote {facts.name}: {facts.size} bytes")
    if result.added is not None:
        click.echo(f"since the previous release: {result.added} triples added, {result.removed} removed")
    if not no_site:
        click.echo(f"wrote site: {result.pages} pages")
    click.echo("seconds: " + ", ".join(f"{stage} {took:.1f}" for stage, took in result.seconds.items()))
    click.echo("CPU seconds of this process: "
               + ", ".join(f"{stage} {took:.1f}" for stage, took in result.cpu_seconds.items()))
    if built.violations:
        sys.exit(EXIT_VIOLATIONS)
    if built.failures:
        sys.exit(EXIT_INPUT_FAILURES)

# -- SPARQL: query, serve, publish ------------------------------------------------------------------

# 2 (usage) also covers a query that cannot be read or parsed, or that is past the query limits
# (--max-query-bytes, --max-query-depth); 4: an endpoint that cannot be reached,
# refuses the request or does not answer in time (and a query that times out in-process);
# 5: `publish` sent the graph but the endpoint does not hold what was sent;
# 7: `query --endpoint` printed an answer the server probably cut short (a row cap).
EXIT_NOT_VERIFIED = ExitCode.NOT_VERIFIED
EXIT_TRUNCATED = ExitCode.TRUNCATED  # `query --endpoint`: the answer is probably cut by a row cap (--all)


class QueryUsageError(click.UsageError):
    """A query that cannot be read or parsed: one line (no usage text), exit code 2."""

    def show(self, file: object = None) -> None:
        """One line on stderr, no usage text."""
        click.echo(f"cyberlex: {one_line(self.format_message())}", err=True)


class EndpointFailure(click.ClickException):
    """An endpoint that cannot be reached, refuses or times out: one line, exit code 4."""

    exit_code = EXIT_ENDPOINT

    def show(self, file: object = None) -> None:
        """One line on stderr, no usage text."""
        click.echo(f"cyberlex: {one_line(self.format_message())}", err=True)


def credential_options(command: Callable[..., None]) -> Callable[..., None]:
    """--user, --password, --digest and --token, for commands that talk to an endpoint."""
    for option in reversed([
        click.option("--user", default=None, envvar="CYBERLEX_USER", help="User name for HTTP authentication "
                     "(or $CYBERLEX_USER)."),
        click.option("--password", default=None, envvar="CYBERLEX_PASSWORD",
                     help="Password for --user (or $CYBERLEX_PASSWORD; asked for when missing on a terminal)."),
        click.option("--digest", is_flag=True, help="HTTP digest authentication instead of basic (Virtuoso)."),
        click.option("--token", default=None, envvar="CYBERLEX_TOKEN",
                     help="Bearer token sent as 'Authorization: Bearer …' (or $CYBERLEX_TOKEN)."),
    ]):
        command = option(command)
    return command


def make_credentials(user: str | None, password: str | None, digest: bool, token: str | None) -> Credentials:
    """Credentials from the options; the password is asked for on a terminal when a user has none."""
    from cyberlex.sparql.query import Credentials

    if user is not None and password is None and sys.stdin.isatty():
        password = click.prompt(f"Password for {user}", hide_input=True, err=True)
    return Credentials(user=user, password=password, token=token, digest=digest)


def query_limit_options(command: Callable[..., None]) -> Callable[..., None]:
    """--max-query-bytes and --max-query-depth, for commands that run or serve queries."""
    from cyberlex.sparql.query import DEFAULT_MAX_QUERY_BYTES, DEFAULT_MAX_QUERY_DEPTH

    for option in reversed([
        click.option("--max-query-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_QUERY_BYTES,
                     show_default=True, help="Refuse a query longer than this (bytes of UTF-8)."),
        click.option("--max-query-depth", type=click.IntRange(min=1), default=DEFAULT_MAX_QUERY_DEPTH,
                     show_default=True, help="Refuse a query whose brackets { } ( ) [ ] nest deeper than this."),
    ]):
        command = option(command)
    return command


@main.command(epilog=EXIT_CODES)
@click.argument("query_text", metavar="QUERY")
@click.option("--data", type=click.Path(path_type=Path), default=Path("out"), show_default=True,
              help="Build folder (its graph.trig with evidence.trig, else graph.ttl) or RDF file to query in-process.")
@click.option("--endpoint", default=None, metavar="URL",
              help="Query this SPARQL 1.1 endpoint instead of the built graph.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json"]), default=None,
              help="SELECT and ASK answers: a table for people (default), or SPARQL CSV, TSV or JSON results. "
                   "CONSTRUCT and DESCRIBE always give Turtle.")
@click.option("--timeout", type=float, default=60.0, show_default=True,
              help="Seconds to wait for the answer (in-process: until every row is written; remote: for each read).")
@click.option("--max-width", type=int, default=60, show_default=True,
              help="Cut table cells longer than this (0: never).")
@click.option("--all", "all_rows", is_flag=True,
              help="With --endpoint: page through a SELECT (LIMIT/OFFSET; the query needs an ORDER BY, one that "
                   "leaves no ties) so that no server cap on rows cuts the answer.")
@query_limit_options
@credential_options
def query(query_text: str, data: Path, endpoint: str | None, fmt: str | None, timeout: float, max_width: int,
          all_rows: bool, max_query_bytes: int, max_query_depth: int, user: str | None, password: str | None,
          digest: bool, token: str | None) -> None:
    """Run a SPARQL query (a .rq file or inline text) on the built graph or on an endpoint.

    In-process the query sees the union of the named graphs. Prefixes of cyberlex (clx:, dcterms:,
    skos:, …) that the query uses without declaring are declared for it. A query past the limits
    (--max-query-bytes, --max-query-depth) is refused before it is parsed (exit code 2).
    """
    from cyberlex.sparql.query import (
        Answer,
        EndpointError,
        GraphResult,
        GuardedOutput,
        OutputError,
        QueryError,
        QueryLimits,
        SelectResult,
        SelectStream,
        check_limits,
        load_store,
        read_query,
        run_remote_all,
        stream_local,
        stream_remote,
        truncation_of,
        write_result,
    )

    if all_rows and endpoint is None:
        raise click.UsageError("--all pages through an endpoint's answer; give --endpoint")
    limits = QueryLimits(max_bytes=max_query_bytes, max_depth=max_query_depth)
    out = GuardedOutput(sys.stdout)

    def write(result: Answer) -> None:  # the rows are written as the engine or the endpoint gives them
        if isinstance(result, GraphResult) and fmt not in (None, "table"):
            raise QueryError(f"--format {fmt} is for SELECT and ASK; a CONSTRUCT or DESCRIBE gives Turtle")
        write_result(result, out, fmt or "table", max_width)
        out.flush()

    streamed: list[int | None] = []  # rows written and the row cap the endpoint said it applied

    def counted(inner: Callable[[Answer], None]) -> Callable[[Answer], None]:
        """write(), counting the rows of a SELECT as they go, for the truncation check afterwards."""

        def write_counting(result: Answer) -> None:
            if isinstance(result, SelectStream | SelectResult):
                count = [0]

                def rows(source: Iterable[list[Any]]) -> Iterator[list[Any]]:
                    for row in source:
                        count[0] += 1
                        yield row

                result.rows = rows(result.rows) if isinstance(result, SelectStream) else result.rows
                inner(result)
                streamed[:] = [count[0] if isinstance(result, SelectStream) else len(result.rows),
                               result.server_cap]
                return
            inner(result)

        return write_counting

    try:
        text = read_query(query_text)
        check_limits(text, limits)  # before the graph is loaded
        if endpoint is not None and all_rows:
            write(run_remote_all(endpoint, text, timeout=timeout,
                                 credentials=make_credentials(user, password, digest, token), limits=limits))
        elif endpoint is not None:
            stream_remote(endpoint, text, counted(write), timeout=timeout,
                          credentials=make_credentials(user, password, digest, token), limits=limits)
        else:
            stream_local(load_store(data), text, write, timeout=timeout, limits=limits)
    except QueryError as exc:
        raise QueryUsageError(str(exc)) from None
    except EndpointError as exc:
        raise EndpointFailure(str(exc)) from None
    except OutputError as exc:
        if isinstance(exc.__cause__, BrokenPipeError):  # `| head`: the reader has what it wanted
            sys.stdout = None  # type: ignore[assignment]  # nothing more to flush at exit
            sys.exit(0)
        click.echo(f"cyberlex: could not write the results: {one_line(exc)}", err=True)
        sys.exit(EXIT_WRITE)
    if endpoint is not None and not all_rows and streamed:
        reason = truncation_of(streamed[0] or 0, streamed[1], text)
        if reason is not None:  # the answer is printed; the warning and the exit code say it is probably cut
            click.echo(f"cyberlex: warning: {reason}", err=True)
            sys.exit(EXIT_TRUNCATED)


@main.command(epilog=EXIT_CODES)
@click.option("--data", type=click.Path(path_type=Path), default=Path("out"), show_default=True,
              help="Build folder (its graph.trig with evidence.trig, else graph.ttl) or RDF file to serve.")
@click.option("--empty", is_flag=True, help="Serve an empty store (with --writable, to publish into).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on (loopback by default; 0.0.0.0 opens it to the network).")
@click.option("--port", type=int, default=7878, show_default=True, help="Port (0: any free port).")
@click.option("--writable", is_flag=True,
              help="Accept SPARQL updates and Graph Store Protocol writes (default: read-only).")
@click.option("--location", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Keep the server's store in this folder (default: a temporary folder, removed on stop).")
@click.option("--query-timeout", type=click.FloatRange(min=0, min_open=True), default=60.0, show_default=True,
              help="Seconds a query or update may run on the server; past it, it is stopped (the server "
                   "is restarted to stop it) and answered 504.")
@query_limit_options
@click.option("--allow-service", is_flag=True,
              help="Run queries with SERVICE (sent on to any other endpoint); refused by default (403).")
@click.option("--pages", "pages_port", type=int, default=None, metavar="PORT",
              help="Also serve the linked-data pages of the graph on this port (0: any free port): every IRI "
                   "answers with HTML, Turtle or JSON-LD by content negotiation.")
def serve(data: Path, empty: bool, host: str, port: int, writable: bool, location: Path | None,
          query_timeout: float, max_query_bytes: int, max_query_depth: int, allow_service: bool,
          pages_port: int | None) -> None:
    """Serve the built graph as a SPARQL 1.1 endpoint (the Oxigraph server) until interrupted.

    The default graph is the union of the named graphs. Stop with Ctrl-C (or SIGTERM). The Oxigraph
    server listens on a private loopback port behind a guard that refuses queries past the limits
    (413 or 400) and SERVICE (403), stops queries past --query-timeout, and restarts the server if it
    stops by itself (saying so on stderr).
    """
    import signal

    from cyberlex.sparql.query import QueryError, QueryLimits
    from cyberlex.sparql.serve import OxigraphServer, ServerError

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    if pages_port is not None and empty:
        raise click.UsageError("--pages serves the pages of --data; it cannot be used with --empty")
    server = OxigraphServer(None if empty else data, host=host, port=port, writable=writable, location=location,
                            timeout_s=query_timeout,
                            limits=QueryLimits(max_query_bytes, max_query_depth, allow_service=allow_service))
    try:
        server.start()
    except QueryError as exc:
        raise QueryUsageError(str(exc)) from None
    except ServerError as exc:
        raise EndpointFailure(str(exc)) from None
    pages_server = None
    if pages_port is not None:  # linked-data pages beside the endpoint (cyberlex.site.pages)
        from cyberlex.site.pages import PagesServer, load_index

        try:
            pages_server = PagesServer(load_index(data), host=host, port=pages_port).start()
        except (OSError, FileNotFoundError) as exc:
            server.stop()
            raise EndpointFailure(f"the linked-data pages could not be served: {exc}") from None
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        if pages_server is not None:
            click.echo(f"linked-data pages: {pages_server.url} (IRIs under {pages_server.app.index.base})")
        mode = "read-write" if writable else "read-only"
        click.echo(f"serving {'an empty store' if empty else data} ({mode}), until Ctrl-C")
        click.echo(f"limits: queries of at most {max_query_bytes} bytes, brackets nested at most {max_query_depth} "
                   f"deep, {query_timeout:g} s each; SERVICE {'allowed' if allow_service else 'refused'}")
        click.echo(f"SPARQL query endpoint: {server.query_url}")
        if writable:
            click.echo(f"SPARQL update endpoint: {server.update_url}")
        click.echo(f"Graph Store Protocol: {server.store_url}")
        sys.stdout.flush()
        code = server.wait()
        raise EndpointFailure(f"the oxigraph server stopped by itself and could not be kept running "
                              f"(exit code {code})")
    except KeyboardInterrupt:
        click.echo("stopping the server", err=True)
    finally:
        signal.signal(signal.SIGTERM, previous)
        if pages_server is not None:
            pages_server.stop()
        server.stop()


@main.command(epilog=EXIT_CODES)
@click.option("--endpoint", required=True, metavar="URL",
              help="SPARQL 1.1 Graph Store Protocol endpoint (Oxigraph …/store, Fuseki …/ds/data, "
                   "Virtuoso …/sparql-graph-crud-auth).")
@click.option("--data", type=click.Path(path_type=Path), default=Path("out"), show_default=True,
              help="Build folder (its graph.trig with evidence.trig) or RDF file to publish.")
@click.option("--graph", "graph_iri", default=None, metavar="IRI",
              help="Publish the whole dataset as this one named graph (default: one per source document).")
@click.option("--replace", is_flag=True, help="Replace each graph (PUT) instead of adding to it (POST).")
@click.option("--sparql", "query_endpoint", default=None, metavar="URL",
              help="Query endpoint used to verify the counts (default: guessed from --endpoint).")
@click.option("--no-verify", is_flag=True, help="Do not count the triples after the push.")
@click.option("--timeout", type=float, default=120.0, show_default=True, help="Seconds to wait for each request.")
@click.option("--atomic", is_flag=True,
              help="Send all the graphs as one SPARQL update (one transaction: all new or none) instead of one "
                   "Graph Store Protocol request per graph.")
@click.option("--update", "update_endpoint", default=None, metavar="URL",
              help="SPARQL update endpoint for --atomic (default: guessed from --endpoint, e.g. …/store → …/update).")
@click.option("--resume", is_flag=True,
              help="Skip the graphs that already hold as many triples as would be sent (counted first), "
                   "to finish a publish that was interrupted.")
@click.option("--prune", is_flag=True,
              help="Afterwards delete the named graphs at the endpoint in the dataset's namespaces (…/id/source/, "
                   "…/id/graph/) that the build no longer has (documents that left the corpus).")
@click.option("--dry-run", is_flag=True, help="With --prune: list the graphs it would delete; send nothing.")
@click.option("--also-default-graph", is_flag=True,
              help="Also replace the default graph with the union of the named graphs, for stores whose default "
                   "graph is not that union (plain Oxigraph server, Fuseki without unionDefaultGraph).")
@credential_options
def publish(endpoint: str, data: Path, graph_iri: str | None, replace: bool, query_endpoint: str | None,
            no_verify: bool, timeout: float, atomic: bool, update_endpoint: str | None, resume: bool, prune: bool,
            dry_run: bool, also_default_graph: bool, user: str | None, password: str | None, digest: bool,
            token: str | None) -> None:
    """Push the graph to a Graph Store Protocol endpoint and verify the triple counts.

    Each named graph is one request: if one fails, the graphs sent before it are new at the endpoint and
    the others as they were; the error line says how far it got (exit code 4), and a rerun with
    --resume sends only the graphs that do not yet hold what would be sent. With --atomic, all the graphs
    are one SPARQL update, one transaction where the store makes it one (Oxigraph, Fuseki). --prune then
    deletes the graphs of documents that left the corpus (--dry-run lists them).
    """
    from cyberlex.publish import VerificationError
    from cyberlex.publish import publish as run_publish
    from cyberlex.sparql.query import EndpointError, QueryError

    if atomic and resume:
        raise click.UsageError("--resume is for a publish one graph at a time; --atomic sends all or nothing")
    if dry_run and not prune:
        raise click.UsageError("--dry-run is for --prune")
    if prune and graph_iri is not None:
        raise click.UsageError("--prune removes graphs of documents; with --graph there is only one graph")
    if dry_run:
        prune_graphs(data, endpoint, make_credentials(user, password, digest, token), query_endpoint, timeout,
                     dry_run=True)
        return
    try:
        report = run_publish(data, endpoint, graph=graph_iri, replace=replace,
                             credentials=make_credentials(user, password, digest, token),
                             query_endpoint=query_endpoint, timeout=timeout, verify=not no_verify,
                             resume=resume, atomic=atomic, update_endpoint=update_endpoint,
                             progress=_publish_progress if sys.stderr.isatty() else None)
    except QueryError as exc:
        raise QueryUsageError(str(exc)) from None
    except EndpointError as exc:
        raise EndpointFailure(str(exc)) from None
    except VerificationError as exc:
        click.echo(f"cyberlex: {one_line(exc)}", err=True)
        sys.exit(EXIT_NOT_VERIFIED)
    finally:
        if sys.stderr.isatty():
            click.echo("", err=True)  # end the progress line
    verb = "replaced" if replace else "added to"
    if report.skipped:
        click.echo(f"skipped {len(report.skipped)} named graph{'s' if len(report.skipped) != 1 else ''} that "
                   f"already hold what would be sent (--resume)")
    click.echo(f"{verb} {len(report.graphs)} named graph{'s' if len(report.graphs) != 1 else ''} at {endpoint} "
               f"({report.method}): {report.triples} triples")
    if not no_verify:
        click.echo(f"verified at {report.query_endpoint}: "
                   f"{sum(g.counted or 0 for g in report.graphs)} triples in those graphs")
    if prune or also_default_graph:
        credentials = make_credentials(user, password, digest, token)
        if prune:
            prune_graphs(data, endpoint, credentials, query_endpoint, timeout, dry_run=False)
        if also_default_graph:
            fill_default_graph(data, endpoint, credentials, timeout)


def prune_graphs(data: Path, endpoint: str, credentials: Credentials, query_endpoint: str | None, timeout: float,
                 dry_run: bool) -> None:
    """publish --prune [--dry-run]: delete (or list) the dataset's graphs the build no longer has."""
    from cyberlex.publish import prune
    from cyberlex.sparql.query import EndpointError, QueryError

    try:
        report = prune(data, endpoint, credentials=credentials, query_endpoint=query_endpoint, timeout=timeout,
                       dry_run=dry_run)
    except QueryError as exc:
        raise QueryUsageError(str(exc)) from None
    except EndpointError as exc:
        raise EndpointFailure(str(exc)) from None
    verb = "would delete" if dry_run else "deleted"
    click.echo(f"prune: {verb} {len(report.stale)} named graph{'s' if len(report.stale) != 1 else ''} under "
               f"{', '.join(report.namespaces)} that the build no longer has")
    for name in report.stale:
        click.echo(f"  {name}")


def fill_default_graph(data: Path, endpoint: str, credentials: Credentials, timeout: float) -> None:
    """publish --also-default-graph: the union of the named graphs into the default graph."""
    from cyberlex.publish import default_graph_url, publish_default_graph
    from cyberlex.sparql.query import EndpointError

    try:
        sent = publish_default_graph(data, endpoint, credentials=credentials, timeout=timeout)
    except EndpointError as exc:
        raise EndpointFailure(str(exc)) from None
    if sent is None:
        click.echo("default graph: left as it is (Virtuoso's default graph is the union of the named graphs)")
    else:
        click.echo(f"replaced the default graph at {default_graph_url(endpoint)} (PUT): {sent} triples, the union")


def _publish_progress(_graph: str, done: int, total: int) -> None:
    """How many graphs were sent, on one line of the terminal that is rewritten."""
    click.echo(f"\rcyberlex: publish: {done} of {total} graphs sent", err=True, nl=False)
