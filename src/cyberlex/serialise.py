"""Stage 7, serialise: quads become files, deterministic and written atomically.

Triples are sorted before writing, so the same inputs give byte-identical files; each file is
written to a temporary name beside its target and renamed into place, so a crash never leaves a
half-written graph. The sort is an external merge sort of N-Triples/N-Quads lines (chunks spilled to
temporary files) and the sorted lines are parsed back and serialised as a stream, so memory does not
grow with the store.
"""

from __future__ import annotations

import contextlib
import heapq
import io
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import BlankNode, DefaultGraph, NamedNode, Quad, RdfFormat, Store, Triple, parse, serialize

from cyberlex.evidence import EVIDENCE_FILE
from cyberlex.evidence import is_evidence_graph as _is_evidence_iri
from cyberlex.vocab import vocabulary_prefixes

FORMATS = {"turtle": RdfFormat.TURTLE, "trig": RdfFormat.TRIG, "nt": RdfFormat.N_TRIPLES,
           "nq": RdfFormat.N_QUADS}

# Lines held in memory by the sort at a time (a few hundred bytes each); more are sorted in chunks spilled
# to temporary files and merged, so serialising never holds the whole store.
CHUNK_LINES = 500_000

GraphName = NamedNode | BlankNode | DefaultGraph


def is_evidence_graph(graph: GraphName) -> bool:
    """Whether a named graph holds evidence (its IRI ends in /evidence): written to evidence.trig only."""
    return isinstance(graph, NamedNode) and _is_evidence_iri(graph.value)


def _graph_lines(store: Store, graphs: Iterable[GraphName], with_graph: bool) -> Iterator[bytes]:
    """The N-Triples lines of each graph in turn (with `with_graph`, as N-Quads lines: the graph's name
    added, as the store's own N-Quads dump writes it), one graph in memory at a time."""
    for graph in graphs:
        buffer = io.BytesIO()
        store.dump(buffer, format=RdfFormat.N_TRIPLES, from_graph=graph)
        suffix = b" " + str(graph).encode("utf-8") + b" ." if with_graph and not isinstance(graph, DefaultGraph) \
            else b""
        for line in buffer.getvalue().splitlines():
            yield line[:-2] + suffix if suffix else line  # "<s> <p> <o> ." -> "<s> <p> <o> <g> ."


def _all_graphs(store: Store) -> Iterator[GraphName]:
    yield DefaultGraph()
    yield from store.named_graphs()


def sorted_unique_lines(lines: Iterable[bytes], spill_dir: Path, chunk_lines: int = CHUNK_LINES) -> Iterator[bytes]:
    """`lines` sorted (as bytes) and without duplicates: an external merge sort, each chunk of `chunk_lines`
    sorted in memory and spilled to a temporary file in `spill_dir`, then the chunks merged."""
    chunks: list[Path] = []
    chunk: set[bytes] = set()
    try:
        for line in lines:
            chunk.add(line)
            if len(chunk) >= chunk_lines:
                chunks.append(_spill(sorted(chunk), spill_dir))
                chunk = set()
        if not chunks:  # it all fitted in one chunk
            yield from sorted(chunk)
            return
        if chunk:
            chunks.append(_spill(sorted(chunk), spill_dir))
        del chunk
        with contextlib.ExitStack() as files:
            readers = [(line.rstrip(b"\n") for line in files.enter_context(path.open("rb"))) for path in chunks]
            previous = None
            for line in heapq.merge(*readers):
                if line != previous:
                    yield line
                    previous = line
    finally:
        for path in chunks:
            path.unlink(missing_ok=True)


def _spill(lines: list[bytes], spill_dir: Path) -> Path:
    handle, name = tempfile.mkstemp(prefix=".sort-", dir=spill_dir)
    with os.fdopen(handle, "wb") as stream:
        for line in lines:
            stream.write(line)
            stream.write(b"\n")
    return Path(name)


@dataclass(frozen=True)
class GraphFile:
    """One output file: its name, its format (a key of FORMATS), the named graphs that go in it, and
    whether it holds their union (triples, each once) or their quads (each in its named graph)."""

    kind: str  # its key in BuildResult.written
    name: str
    format: str
    graphs: Callable[[GraphName], bool]
    union: bool
    optional: bool = False  # not written when it would hold nothing (and an earlier one is removed)


def _not_evidence(graph: GraphName) -> bool:
    return not is_evidence_graph(graph)


GRAPH_OUTPUTS = (
    GraphFile("turtle", "graph.ttl", "turtle", _not_evidence, union=True),
    GraphFile("trig", "graph.trig", "trig", _not_evidence, union=False),
    GraphFile("evidence", EVIDENCE_FILE, "trig", is_evidence_graph, union=False, optional=True),
)
GRAPH_FILES = {output.kind: output.name for output in GRAPH_OUTPUTS}


def _sorted_statement_lines(store: Store, output: GraphFile, spill_dir: Path,
                            chunk_lines: int = CHUNK_LINES) -> Iterator[bytes]:
    graphs = (graph for graph in _all_graphs(store) if output.graphs(graph))
    return sorted_unique_lines(_graph_lines(store, graphs, with_graph=not output.union), spill_dir, chunk_lines)


def _sorted_lines(store: Store, union: bool, chunk_lines: int = CHUNK_LINES) -> list[bytes]:
    with tempfile.TemporaryDirectory(prefix="cyberlex-sort-") as spill:
        return list(sorted_unique_lines(_graph_lines(store, _all_graphs(store), with_graph=not union),
                                        Path(spill), chunk_lines))


def count_unique_triples(store: Store, chunk_lines: int = CHUNK_LINES) -> int:
    """The number of distinct triples of the union of all graphs (the evidence graphs too), counted
    through the external sort."""
    with tempfile.TemporaryDirectory(prefix="cyberlex-sort-") as spill:
        lines = sorted_unique_lines(_graph_lines(store, _all_graphs(store), with_graph=False), Path(spill), chunk_lines)
        return sum(1 for _ in lines)


def sorted_union_lines(store: Store, evidence: bool) -> list[bytes]:
    """The N-Triples lines of the union of the store's evidence graphs (``evidence``) or of all its other
    graphs (the facts: graph.ttl's triples), sorted, each once: what sorted_triples gives of the store that
    split_evidence makes, read from the store itself, without copying its graphs into another."""
    output = GraphFile("union", "", "nt", is_evidence_graph if evidence else _not_evidence, union=True)
    with tempfile.TemporaryDirectory(prefix="cyberlex-sort-") as spill:
        return list(_sorted_statement_lines(store, output, Path(spill)))


def sorted_quads(store: Store) -> list[Quad]:
    """All quads of the store, sorted (as N-Quads lines: sorting text is much faster than sorting terms)."""
    return list(parse(b"\n".join(_sorted_lines(store, union=False)), format=RdfFormat.N_QUADS))


def sorted_triples(store: Store) -> list[Triple]:
    """The union of all graphs of the store, without duplicates, sorted."""
    return list(parse(b"\n".join(_sorted_lines(store, union=True)), format=RdfFormat.N_TRIPLES))


def to_bytes(statements: Iterable[Triple] | Iterable[Quad], fmt: str) -> bytes:
    """Statements serialised in a format, with the declared prefixes."""
    rdf_format = FORMATS[fmt]
    # Data IRIs are written in full: their paths ("…/A-RES-73-187/op/2") read badly as prefixed names.
    use_prefixes = vocabulary_prefixes() if fmt in ("turtle", "trig") else None
    data = serialize(statements, format=rdf_format, prefixes=use_prefixes)
    assert data is not None
    return data


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def new_file_mode() -> int:
    """The mode a new file gets: 0666 less the umask."""
    return 0o666 & ~_umask()


def write_all_atomic(files: dict[Path, bytes | Path]) -> None:
    """Write several files: every one to a temporary file first, then all renamed into place, so a
    failure while writing leaves the previous files untouched. A file given as a Path is a temporary
    written already (stage_graph), only renamed. The files get the mode a new file gets (0666 less the
    umask: 0644 as a rule), not the 0600 of a temporary file. Every temporary is gone afterwards."""
    temporaries: dict[Path, str] = {path: str(data) for path, data in files.items() if isinstance(data, Path)}
    mode = new_file_mode()
    try:
        for path, data in files.items():
            if isinstance(data, Path):
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
            temporaries[path] = temporary
            os.fchmod(handle, mode)
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
        for path, temporary in temporaries.items():
            os.replace(temporary, path)
    finally:
        for temporary in temporaries.values():
            Path(temporary).unlink(missing_ok=True)


@dataclass
class StagedGraph:
    """The graph's files written to temporaries beside their targets, to be renamed into place together
    (write_files), and how many statements each holds (graph.ttl's: the unique triples of the graph)."""

    files: dict[str, Path] = field(default_factory=dict)  # file name -> its temporary
    statements: dict[str, int] = field(default_factory=dict)  # file name -> triples or quads written
    # the distinct triples of all graphs, the evidence's too (stage_graph with its default outputs)
    triples: int | None = None

    def discard(self) -> None:
        """Remove the temporaries not renamed into place (after a failure, or once written)."""
        for temporary in self.files.values():
            temporary.unlink(missing_ok=True)


def stage_graph(store: Store, out_dir: Path, chunk_lines: int = CHUNK_LINES,
                outputs: Iterable[GraphFile] = GRAPH_OUTPUTS) -> StagedGraph:
    """Each output file's statements sorted (an external sort, spilled beside the output) and streamed
    into a temporary file in out_dir: the store is never held whole in Python. An optional file with
    nothing in it (evidence.trig while no graph is an evidence graph) is not written. On failure no
    temporary is left."""
    staged = StagedGraph()
    mode = new_file_mode()
    out_dir.mkdir(parents=True, exist_ok=True)
    # the sorted lines of graph.ttl (every triple but the evidence's, once) and of evidence.trig, kept until
    # both are written, to count the distinct triples of all graphs from them (_distinct_triples) rather than
    # by sorting every graph's triples once more
    kept: dict[str, Path] = {}
    counting = tuple(outputs) == GRAPH_OUTPUTS
    try:
        for output in outputs:
            handle, name = tempfile.mkstemp(prefix=f".{output.name}.", dir=out_dir)
            temporary = Path(name)
            staged.files[output.name] = temporary
            os.fchmod(handle, mode)
            keep = counting and output.name in (GRAPH_FILES["turtle"], GRAPH_FILES["evidence"])
            written, lines = _write_sorted(store, output, out_dir, chunk_lines, handle, keep)
            if lines is not None:
                kept[output.name] = lines
            if written == 0 and output.optional:
                del staged.files[output.name]
                temporary.unlink()
                continue
            staged.statements[output.name] = written
        if counting:
            staged.triples = _distinct_triples(kept[GRAPH_FILES["turtle"]], staged.statements[GRAPH_FILES["turtle"]],
                                               kept[GRAPH_FILES["evidence"]])
    except BaseException:
        staged.discard()
        raise
    finally:
        for lines in kept.values():
            lines.unlink(missing_ok=True)
    return staged


def _write_sorted(store: Store, output: GraphFile, spill_dir: Path, chunk_lines: int, handle: int,
                  keep: bool = False) -> tuple[int, Path | None]:
    """The output's sorted lines gathered in a spill file, parsed back lazily and serialised into the
    file `handle` (flushed to disk); the number of statements written, and (with `keep`) the spill file, for
    the caller to remove."""
    rdf_format = FORMATS[output.format]
    prefixes = vocabulary_prefixes() if output.format in ("turtle", "trig") else None
    handle_lines, lines_name = tempfile.mkstemp(prefix=".sorted-", dir=spill_dir)
    written = 0
    try:
        with os.fdopen(handle_lines, "wb") as lines:
            for line in _sorted_statement_lines(store, output, spill_dir, chunk_lines):
                lines.write(line)
                lines.write(b"\n")
                written += 1
        with os.fdopen(handle, "wb") as stream, open(lines_name, "rb") as lines_in:
            line_format = RdfFormat.N_TRIPLES if output.union else RdfFormat.N_QUADS
            serialize(parse(lines_in, format=line_format), stream, format=rdf_format, prefixes=prefixes)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException:
        Path(lines_name).unlink(missing_ok=True)
        raise
    if not keep:
        Path(lines_name).unlink(missing_ok=True)
    return written, Path(lines_name) if keep else None


def _distinct_triples(facts: Path, facts_count: int, evidence: Path) -> int:
    """The distinct triples of the facts' and the evidence's graphs together: `facts` holds graph.ttl's
    sorted N-Triples lines (each triple once, `facts_count` of them), `evidence` evidence.trig's sorted N-Quads
    lines (a triple once per evidence graph). In both, a line is its triple, a space and the rest, so the
    triples come in the same order in both files: one merging pass counts those in both."""
    total, common = facts_count, 0
    with facts.open("rb") as facts_in, evidence.open("rb") as evidence_in:
        fact_triples = (line[:-3] for line in facts_in)  # "<s> <p> <o> .\n"
        fact = next(fact_triples, None)
        previous = None
        for line in evidence_in:
            triple = line[:line.rindex(b" <")]  # "<s> <p> <o> <graph> .\n": an evidence graph is an IRI
            if triple == previous:
                continue
            previous = triple
            total += 1
            while fact is not None and fact < triple:
                fact = next(fact_triples, None)
            if fact == triple:
                common += 1
    return total - common


def serialise_graph(store: Store) -> dict[str, bytes]:
    """graph.ttl (the union) and graph.trig (one named graph per source document), and evidence.trig
    where there are evidence graphs, as bytes by file name (for a small store: the bytes are in memory;
    a build streams them to disk with stage_graph)."""
    with tempfile.TemporaryDirectory(prefix="cyberlex-serialise-") as folder:
        staged = stage_graph(store, Path(folder))
        return {name: path.read_bytes() for name, path in staged.files.items()}


def write_files(out_dir: Path, files: dict[str, bytes | Path]) -> dict[str, Path]:
    """Files (name -> content, or a temporary in out_dir written already) written together into out_dir;
    returns their paths by kind (turtle, trig, evidence, or the file name for others). An optional graph
    file not among them (evidence.trig with no evidence) is removed, once the others are in place, so
    that none is left from an earlier build."""
    kinds = {name: kind for kind, name in GRAPH_FILES.items()}
    written = {kinds.get(name, name): out_dir / name for name in files}
    write_all_atomic({out_dir / name: data for name, data in files.items()})
    if GRAPH_FILES["turtle"] in files:
        for output in GRAPH_OUTPUTS:
            if output.optional and output.name not in files:
                (out_dir / output.name).unlink(missing_ok=True)
    return written


def write_graph(store: Store, out_dir: Path | str, extra: dict[str, bytes] | None = None) -> dict[str, Path]:
    """graph.ttl and graph.trig (and evidence.trig) in out_dir, with any extra files (name -> content),
    replaced together."""
    out = Path(out_dir)
    staged = stage_graph(store, out)
    try:
        return write_files(out, {**staged.files, **(extra or {})})
    finally:
        staged.discard()
