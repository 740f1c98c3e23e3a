"""The exit codes of cyberlex: one table for the code, `cyberlex --help` and the README.

The README's table (under "Exit codes, for scripts and CI") lists the same codes, in more words; a test
checks that it, the help text and this table agree.
"""

from __future__ import annotations

import textwrap
from enum import IntEnum


class ExitCode(IntEnum):
    """What a command's exit status means."""

    OK = 0
    VIOLATIONS = 1
    USAGE = 2
    INPUT = 3
    ENDPOINT = 4
    NOT_VERIFIED = 5
    WRITE = 6
    TRUNCATED = 7


# One line of meaning per code, for --help (the README says the same at more length).
MEANINGS: dict[ExitCode, str] = {
    ExitCode.OK: "done: every input built, the graph valid; the query, server or publication went through",
    ExitCode.VIOLATIONS: "the graph has SHACL violations (it is written, with the report)",
    ExitCode.USAGE: "usage: a bad option, a missing path, a query that cannot be parsed or that is refused "
                    "(--max-query-bytes, --max-query-depth); --dask where dask is not installed",
    ExitCode.INPUT: "input: some files failed, each named on one line (the rest is built and written); or nothing "
                    "could be built, and the previous graph is kept",
    ExitCode.ENDPOINT: "endpoint: unreachable, refused or timed out (a publish stopped part way says how far it "
                       "got: rerun with --resume); the --dask scheduler cannot be reached",
    ExitCode.NOT_VERIFIED: "publish: the endpoint does not hold what was sent",
    ExitCode.WRITE: "output: the graph could not be written (full disk, read-only folder); the previous graph is "
                    "kept; query results could not be written",
    ExitCode.TRUNCATED: "query --endpoint: the answer was printed but the server probably cut it at a row cap "
                        "(X-SPARQL-MaxRows or a usual cap); --all pages through every row",
}


def epilog() -> str:
    """The table as the epilog of `--help` (click keeps a paragraph after \\b as it is)."""
    lines = ["\b", "Exit codes:"]
    for code, meaning in MEANINGS.items():
        wrapped = textwrap.wrap(meaning, 72)
        lines.append(f"  {int(code)}  {wrapped[0]}")
        lines += [f"     {rest}" for rest in wrapped[1:]]
    return "\n".join(lines)
