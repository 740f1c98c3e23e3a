"""Stage 7, serialise: quads become files, deterministic and written atomically.

Triples are sorted before writing, so the same inputs give byte-identical files; each file is
written to a temporary name beside its target and renamed into place, so a crash never leaves a
half-written graph.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from pyoxigraph import DefaultGraph, Quad, RdfFormat, Store, Triple, parse, serialize

from cyberlex.evidence import EVIDENCE_FILE, split_evidence
from cyberlex.vocab import vocabulary_prefixes

FORMATS = {"turtle": RdfFormat.TURTLE, "trig": RdfFormat.TRIG, "nt": RdfFormat.N_TRIPLES,
           "nq": RdfFormat.N_QUADS}


def _sorted_lines(store: Store) -> list[bytes]:
    """The store as sorted, unique N-Quads lines (sorting text lines is much faster than sorting terms)."""
    dumped = store.dump(format=RdfFormat.N_QUADS)
    assert dumped is not None
    return sorted(set(dumped.splitlines()))


def sorted_quads(store: Store) -> list[Quad]:
    """All quads of the store, sorted."""
    return list(parse(b"\n".join(_sorted_lines(store)), format=RdfFormat.N_QUADS))


def sorted_triples(store: Store) -> list[Triple]:
    """The union of all graphs of the store, without duplicates, sorted."""
    lines: set[bytes] = set()
    for graph in [DefaultGraph(), *store.named_graphs()]:
        dumped = store.dump(format=RdfFormat.N_TRIPLES, from_graph=graph)
        if dumped:
            lines.update(dumped.splitlines())
    return list(parse(b"\n".join(sorted(lines)), format=RdfFormat.N_TRIPLES))


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


def write_all_atomic(files: dict[Path, bytes]) -> None:
    """Write several files: every one to a temporary file first, then all renamed into place, so a
    failure while writing leaves the previous files untouched. The files get the mode a new file gets
    (0666 less the umask: 0644 as a rule), not the 0600 of a temporary file."""
    temporaries: dict[Path, str] = {}
    mode = 0o666 & ~_umask()
    try:
        for path, data in files.items():
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


GRAPH_FILES = {"turtle": "graph.ttl", "trig": "graph.trig", "evidence": EVIDENCE_FILE}


def serialise_graph(store: Store) -> dict[str, bytes]:
    """graph.ttl (the union of the facts), graph.trig (one named graph of facts per source document) and
    evidence.trig (the evidence graphs, those whose IRI ends with /evidence), as bytes by file name."""
    facts, evidence = split_evidence(store)
    return {GRAPH_FILES["turtle"]: to_bytes(sorted_triples(facts), "turtle"),
            GRAPH_FILES["trig"]: to_bytes(sorted_quads(facts), "trig"),
            GRAPH_FILES["evidence"]: to_bytes(sorted_quads(evidence), "trig")}


def write_files(out_dir: Path, files: dict[str, bytes]) -> dict[str, Path]:
    """Files (name -> content) written together into out_dir; returns their paths by kind (turtle,
    trig, or the file name for others)."""
    kinds = {name: kind for kind, name in GRAPH_FILES.items()}
    written = {kinds.get(name, name): out_dir / name for name in files}
    write_all_atomic({out_dir / name: data for name, data in files.items()})
    return written


def write_graph(store: Store, out_dir: Path | str, extra: dict[str, bytes] | None = None) -> dict[str, Path]:
    """graph.ttl and graph.trig in out_dir, with any extra files (name -> content), replaced together."""
    return write_files(Path(out_dir), {**serialise_graph(store), **(extra or {})})
