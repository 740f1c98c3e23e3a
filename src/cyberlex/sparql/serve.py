"""A real SPARQL 1.1 endpoint over the graph: the Oxigraph server, started and stopped by cyberlex.

The server is the `oxigraph` command of the `oxigraph` package on PyPI (a dependency of cyberlex),
run as a child process: the built graph is loaded into a store folder with `oxigraph load`, then
served with `oxigraph serve-read-only` (or `oxigraph serve` when writing is asked for), bound to the
loopback interface unless told otherwise. The default graph is the union of the named graphs, as
`cyberlex query` sees it in-process: a read-only server gets the union loaded into its default graph
(each triple once; the build's graph.ttl), a read-write server, whose named graphs may change, runs
with Oxigraph's `--union-default-graph` (where a triple sits once per graph holding it). The
endpoints are Oxigraph's:

    http://HOST:PORT/query   SPARQL 1.1 Protocol, queries
    http://HOST:PORT/update  SPARQL 1.1 Protocol, updates (read-write servers only)
    http://HOST:PORT/store   SPARQL 1.1 Graph Store Protocol (writes on read-write servers only)
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from cyberlex import scratch
from cyberlex.evidence import with_evidence
from cyberlex.sparql.guard import GuardConfig, GuardServer
from cyberlex.sparql.query import ENGINE_STACK_BYTES, QueryLimits, graph_file


class ServerError(Exception):
    """The server could not be started (no binary, port taken, data not loadable). One line."""


def oxigraph_binary() -> str:
    """The `oxigraph` command: $CYBERLEX_OXIGRAPH, else the one installed beside this Python (the
    virtual environment's bin folder, which need not be on PATH), else the one on PATH."""
    configured = os.environ.get("CYBERLEX_OXIGRAPH")
    if configured:
        return configured
    beside = Path(sys.executable).parent / ("oxigraph.exe" if os.name == "nt" else "oxigraph")
    if beside.is_file():
        return str(beside)
    found = shutil.which("oxigraph")
    if found:
        return found
    raise ServerError("the oxigraph server is not installed: `pip install oxigraph` (a dependency of cyberlex)")


def _die_with_parent() -> None:
    """In the child, before exec: on Linux, ask for SIGTERM when the parent dies, so that a cyberlex
    killed without cleaning up (SIGKILL, an unhandled SIGTERM) never leaves a server behind."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on now (the OS picks it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


# A server that stops this many times within RESTART_WINDOW seconds is given up on.
MAX_RESTARTS = 5
# The temporary store of a server without --location: <tmp>/cyberlex-oxigraph-*/store (cyberlex.scratch).
TEMPORARY_PREFIX = "cyberlex-oxigraph-"
RESTART_WINDOW = 60.0


class OxigraphServer:
    """An Oxigraph server process over a built graph (or an empty store), behind the guard
    (cyberlex.sparql.guard), as a context manager.

    data: a build folder (its graph.trig or graph.ttl) or an RDF file to load; None for an empty store.
    port: 0 picks a free port. writable: `serve` instead of `serve-read-only`. location: a store folder
    to keep (by default a temporary one, removed on stop). timeout_s: the time a query may run (the
    guard stops it by restarting the server). limits: what the guard refuses (by default the query
    limits of cyberlex.sparql.query, and SERVICE). notify: told, in one line, when the server is restarted
    (default: stderr).

    The Oxigraph server listens on a private port on 127.0.0.1; the guard listens on host:port. When
    the server stops by itself (a crash), it is restarted on the same store; after MAX_RESTARTS within
    RESTART_WINDOW seconds it is given up, and wait() returns.
    """

    def __init__(self, data: Path | None = None, host: str = "127.0.0.1", port: int = 0, writable: bool = False,
                 location: Path | None = None, timeout_s: float | None = None, startup_timeout: float = 60.0,
                 log: Path | None = None, limits: QueryLimits | None = None,
                 notify: Callable[[str], None] | None = None) -> None:
        self.data = data
        self.host = host
        self.port = port
        self.writable = writable
        self.location = location
        self.timeout_s = timeout_s
        self.startup_timeout = startup_timeout
        self.log_path = log
        self.limits = limits or QueryLimits(allow_service=False)
        self.notify = notify or (lambda line: print(f"cyberlex: {line}", file=sys.stderr, flush=True))
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self._temporary: Path | None = None
        self._log_handle: object | None = None
        self._command: list[str] = []
        self._log_file: Path | None = None
        self._backend_port = 0
        self._guard: GuardServer | None = None
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._done = threading.Event()
        self._exit_code = 0
        self._restart_times: list[float] = []
        self._supervisor: threading.Thread | None = None

    # -- addresses ---------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """http://host:port"""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def query_url(self) -> str:
        """The SPARQL 1.1 Protocol query endpoint."""
        return self.base_url + "/query"

    @property
    def update_url(self) -> str:
        """The SPARQL 1.1 Protocol update endpoint (read-write servers only)."""
        return self.base_url + "/update"

    @property
    def store_url(self) -> str:
        """The SPARQL 1.1 Graph Store Protocol endpoint."""
        return self.base_url + "/store"

    # -- life ---------------------------------------------------------------------------------
    def start(self) -> OxigraphServer:
        """Load the data, start the server and wait until it answers queries."""
        binary = oxigraph_binary()
        if self.location is None:  # a store of its own, removed on stop; those of killed servers before it
            scratch.clean(TEMPORARY_PREFIX)
            self._temporary = scratch.make(TEMPORARY_PREFIX)
            location = self._temporary / "store"
        else:
            location = self.location
        location.mkdir(parents=True, exist_ok=True)
        log_path = self.log_path or (self._temporary or location) / "oxigraph.log"
        try:
            if self.data is not None:
                file = graph_file(self.data)
                for part in with_evidence(file):  # a build's graph.trig: its evidence.trig too
                    self._load(binary, location, part)
                if not self.writable:
                    self._load_union(binary, location, file)
            elif not self.writable and not (location / "CURRENT").exists():
                self._initialise(binary, location)  # serve-read-only needs an existing store, even empty
            self._command = [binary, "serve" if self.writable else "serve-read-only", "--location", str(location)]
            if self.writable:
                self._command.append("--union-default-graph")
            if self.timeout_s is not None:
                self._command += ["--timeout-s", f"{self.timeout_s:g}"]
            self._log_file = log_path
            if not self._spawn():
                raise ServerError(f"the oxigraph server did not start: {_tail(log_path) or 'no message'}")
            try:
                self._guard = GuardServer(self.host, self.port, GuardConfig(
                    backend=self._backend, on_timeout=self._stop_late_queries, limits=self.limits,
                    timeout_s=self.timeout_s)).start()
            except OSError as exc:
                raise ServerError(f"cannot listen on {self.host}:{self.port}: {exc.strerror or exc}") from exc
            self.port = self._guard.port
            self._supervisor = threading.Thread(target=self._supervise, name="cyberlex-supervisor", daemon=True)
            self._supervisor.start()
            return self
        except BaseException:
            self.stop()
            raise

    def _spawn(self) -> bool:
        """Start the Oxigraph server on a free loopback port and wait until it answers."""
        assert self._log_file is not None
        for _attempt in range(3):  # a port picked free may be taken before it is bound
            self._backend_port = free_port("127.0.0.1")
            command = [*self._command, "--bind", f"127.0.0.1:{self._backend_port}"]
            log = open(self._log_file, "ab")  # noqa: SIM115 (kept open for the child's lifetime)
            self._log_handle = log
            # a large stack for the server's threads: its parser recurses (see cyberlex.sparql.query)
            env = {**os.environ, "RUST_MIN_STACK": os.environ.get("RUST_MIN_STACK", str(ENGINE_STACK_BYTES))}
            # its own session: a Ctrl-C on the terminal reaches cyberlex, which stops the server in order
            self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env,
                                            start_new_session=True,
                                            preexec_fn=_die_with_parent if sys.platform == "linux" else None)
            if self._wait_ready():
                return True
            self._reap()
        return False

    def _backend(self) -> tuple[str, int] | None:
        """Where the guard sends requests; None while the server restarts."""
        if not self._lock.acquire(timeout=0.5):
            return None
        try:
            if self.process is None or self.process.poll() is not None:
                return None
            return "127.0.0.1", self._backend_port
        finally:
            self._lock.release()

    def _restart(self, why: str) -> None:
        """Stop the server if it still runs and start it again on the same store; after MAX_RESTARTS
        within RESTART_WINDOW seconds, give up (wait() returns)."""
        with self._lock:
            if self._stopping.is_set():
                return
            code = self.process.poll() if self.process is not None else None
            self._reap()
            now = time.monotonic()
            self._restart_times = [t for t in self._restart_times if now - t < RESTART_WINDOW] + [now]
            if len(self._restart_times) > MAX_RESTARTS:
                self.notify(f"{why}; it stopped {MAX_RESTARTS + 1} times within {RESTART_WINDOW:g} s: given up")
                self._exit_code = code if code is not None else 1
                self._done.set()
                return
            started = self._spawn()
            self.restarts += 1
            if started:
                self.notify(f"{why}; restarted it (restart {self.restarts})")
            else:
                self.notify(f"{why}; it did not start again: {_tail(self._log_file) if self._log_file else ''}")
                self._exit_code = code if code is not None else 1
                self._done.set()

    def _stop_late_queries(self, timeout_s: float) -> None:
        self._restart(f"a query ran past the limit of {timeout_s:g} s (--query-timeout): the oxigraph server "
                      f"was stopped to stop it")

    def _supervise(self) -> None:
        while not self._stopping.wait(0.2) and not self._done.is_set():
            with self._lock:
                process = self.process
                code = process.poll() if process is not None else None
            if code is not None and not self._stopping.is_set():
                self._restart(f"the oxigraph server stopped by itself (exit code {code})")

    def _load(self, binary: str, location: Path, file: Path) -> None:
        done = subprocess.run([binary, "load", "--location", str(location), "--file", str(file)],
                              stdin=subprocess.DEVNULL, capture_output=True, check=False,
                              env={**os.environ, "RUST_BACKTRACE": "0"})  # the error, not a backtrace
        if done.returncode != 0:
            message = " ".join(done.stderr.decode("utf-8", "replace").split())
            message = message.split(f"Error while loading file {file}: ", 1)[-1]  # the parser's own words
            message = message.removesuffix(" Error: One or more files failed to load")[:300]
            raise ServerError(f"oxigraph could not load {file}: {message or 'exit code ' + str(done.returncode)}")

    def _load_union(self, binary: str, location: Path, file: Path) -> None:
        """The union of the named graphs into the default graph: the build's graph.ttl beside its
        graph.trig (and the union of its evidence.trig's graphs), else computed here (nothing to do for a
        file without named graphs)."""
        if file.suffix.lower() not in (".trig", ".nq"):
            return
        from pyoxigraph import DefaultGraph, RdfFormat, Store, serialize

        union = file.with_name("graph.ttl")
        if file.name != "graph.trig" or not union.is_file():
            from cyberlex.sparql.query import load_store

            union = (self._temporary or location) / "union.nt"
            load_store(file).dump(str(union), format=RdfFormat.N_TRIPLES, from_graph=DefaultGraph())
            self._load(binary, location, union)
            return
        self._load(binary, location, union)
        for evidence in with_evidence(file)[1:]:  # the facts' union is graph.ttl; the evidence's is made here
            store = Store()
            store.bulk_load(path=str(evidence), format=RdfFormat.TRIG)
            evidence_union = (self._temporary or location) / "evidence-union.nt"
            evidence_union.write_bytes(serialize((q.triple for q in store), format=RdfFormat.N_TRIPLES) or b"")
            self._load(binary, location, evidence_union)

    def _initialise(self, binary: str, location: Path) -> None:
        done = subprocess.run([binary, "update", "--location", str(location), "--update", "CLEAR DEFAULT"],
                              stdin=subprocess.DEVNULL, capture_output=True, check=False)
        if done.returncode != 0:
            message = " ".join(done.stderr.decode("utf-8", "replace").split())[-300:]
            raise ServerError(f"oxigraph could not create a store in {location}: {message}")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + self.startup_timeout
        probe = f"http://127.0.0.1:{self._backend_port}/query?" + urllib.parse.urlencode({"query": "ASK {}"})
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(probe, timeout=2) as answer:
                    if answer.status == 200:
                        return True
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.05)
        return False

    def _reap(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self._log_handle is not None:
            self._log_handle.close()  # type: ignore[attr-defined]
            self._log_handle = None

    def stop(self) -> None:
        """Stop the guard and the server (SIGTERM, then SIGKILL after 10 s); remove its temporary store."""
        self._stopping.set()
        if self._guard is not None:
            self._guard.stop()
            self._guard = None
        if self._supervisor is not None and self._supervisor is not threading.current_thread():
            self._supervisor.join(5)
        with self._lock:
            self._reap()
        if self._temporary is not None:
            shutil.rmtree(self._temporary, ignore_errors=True)
            self._temporary = None
        self._done.set()

    def wait(self) -> int:
        """Block until the server is given up (it kept stopping, or did not start again) or stopped; the
        exit code of its last run."""
        while not self._done.wait(0.5):  # a timed wait, so that signals (Ctrl-C, SIGTERM) get through
            pass
        return self._exit_code

    def __enter__(self) -> OxigraphServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()


def _tail(path: Path, lines: int = 3) -> str:
    """The server's error line from its log ('Error: …'), else its last lines."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    errors = [line for line in text.splitlines() if line.startswith("Error")]
    if errors:
        return " ".join(errors[-1].split())
    return " ".join(" ".join(text.strip().splitlines()[-lines:]).split())
