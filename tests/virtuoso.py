"""A throwaway Virtuoso (Debian's virtuoso-opensource 7) for the integration tests: its own virtuoso.ini
and database in a temporary folder, listening on loopback ports chosen free, stopped by its process id.

`make system-deps` installs the package where it is missing; where it cannot be had, the tests that need
it are skipped with that reason (they fail under CI=true, like the other system programs).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

VIRTUOSO = "/usr/bin/virtuoso-t"
ISQL = "/usr/bin/isql-vt"
HOSTING = "/usr/lib/x86_64-linux-gnu/virtuoso-opensource-7/hosting"
RESULT_SET_MAX_ROWS = 10000  # Virtuoso's default cap, kept so that the truncation checks meet it


def available() -> str:
    """'' where Virtuoso can be started here, else why not."""
    if not Path(VIRTUOSO).exists():
        return "Virtuoso is not installed (make system-deps installs Debian's virtuoso-opensource)"
    if not Path(ISQL).exists():
        return "isql-vt (virtuoso-opensource) is missing"
    return ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
MaxClientConnections = 10
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = ., {db}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 4

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
MaxClientConnections = 10
ServerThreads = 10
MaxKeepAlives = 10
KeepAliveTimeout = 10
Charset = UTF-8
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime = 0
"""


@dataclass
class Virtuoso:
    """A running Virtuoso: its HTTP base URL, the dba account, the SQL port for isql."""

    folder: Path
    http_port: int
    sql_port: int
    process: subprocess.Popen[bytes]
    user: str = "dba"
    password: str = "dba"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def sparql(self) -> str:
        return f"{self.base}/sparql"

    @property
    def store(self) -> str:
        return f"{self.base}/sparql-graph-crud-auth"

    def isql(self, *statements: str) -> str:
        """Run SQL statements with isql as dba; their output."""
        script = "".join(s.rstrip().rstrip(";") + ";\n" for s in statements)
        done = subprocess.run([ISQL, f"127.0.0.1:{self.sql_port}", self.user, self.password],
                              input=script, capture_output=True, text=True, timeout=300, check=False)
        if done.returncode != 0 or "*** Error" in done.stdout:
            raise RuntimeError(f"isql failed: {done.stdout[-500:]} {done.stderr[-500:]}")
        return done.stdout

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        shutil.rmtree(self.folder, ignore_errors=True)


def start(max_rows: int = RESULT_SET_MAX_ROWS, wait_s: float = 120.0) -> Virtuoso:
    """Start Virtuoso in the foreground (+foreground) on a new database in a temporary folder, and wait
    until its SPARQL endpoint answers. The caller stops it (Virtuoso.stop)."""
    folder = Path(tempfile.mkdtemp(prefix="cyberlex-virtuoso-"))
    http_port, sql_port = free_port(), free_port()
    (folder / "virtuoso.ini").write_text(INI.format(db=folder, sql_port=sql_port, http_port=http_port,
                                                    max_rows=max_rows))
    log = (folder / "stdout.log").open("wb")
    process = subprocess.Popen([VIRTUOSO, "+foreground", "+configfile", str(folder / "virtuoso.ini")],
                               cwd=folder, stdout=log, stderr=subprocess.STDOUT)
    server = Virtuoso(folder, http_port, sql_port, process)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            text = (folder / "virtuoso.log").read_text(errors="replace") if (folder / "virtuoso.log").exists() else ""
            server.stop()
            raise RuntimeError(f"Virtuoso stopped at start (exit {process.returncode}): {text[-800:]}")
        try:
            with urllib.request.urlopen(f"{server.sparql}?query=ASK%7B%7D", timeout=5) as answer:
                answer.read()
            return server
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    server.stop()
    raise RuntimeError(f"Virtuoso did not answer within {wait_s:g} s")
