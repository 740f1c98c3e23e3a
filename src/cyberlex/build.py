"""The main job: files in, a validated graph out (read → segment → extract → map → validate → serialise).

One bad file never stops the build: it is reported with its reason and the rest is built.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import NamedNode, Store

from cyberlex.extract import extract
from cyberlex.given import given_quads, merge_given, segments_of
from cyberlex.map import DEFAULT_BASE, Mapper, prefixes
from cyberlex.read import ReadError, read
from cyberlex.resources import data_path
from cyberlex.segment import segment
from cyberlex.serialise import write_graph


@dataclass(frozen=True)
class Failure:
    """A file that could not be built, and why."""

    path: str
    reason: str


@dataclass
class BuildResult:
    """What a build produced: the store, the files written, the counts, the failures."""

    store: Store
    documents: int = 0
    failures: list[Failure] = field(default_factory=list)
    warnings: list[Failure] = field(default_factory=list)  # built, but something in the file looked wrong
    counts: dict[str, int] = field(default_factory=dict)
    written: dict[str, Path] = field(default_factory=dict)
    violations: int | None = None
    report_text: str = ""


def sample_corpus() -> Path:
    """The small corpus bundled with cyberlex, written by the project for the demo."""
    return data_path("samples")


# Files in a folder that describe the folder rather than being documents of it.
NOT_DOCUMENTS = re.compile(r"^(?:README|LICENSE|LICENCE|NOTICE|CHANGELOG|COPYING)(?:\.\w+)?$", re.IGNORECASE)


def collect_inputs(paths: Iterable[Path]) -> list[Path]:
    """Files named, and files in folders named (recursively; hidden files and a folder's README or
    LICENSE left out), sorted, once each."""
    found: dict[Path, None] = {}
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                parts = child.relative_to(path).parts
                if child.is_file() and not any(p.startswith(".") for p in parts) and not NOT_DOCUMENTS.match(
                        child.name):
                    found.setdefault(child, None)
        else:
            found.setdefault(path, None)
    return list(found)


def build_store(files: list[Path], base: str = DEFAULT_BASE,
                progress: Callable[[Path], None] | None = None) -> BuildResult:
    """Read, segment, extract and map every file into one Oxigraph store."""
    store = Store()
    result = BuildResult(store)
    mapper = Mapper(base)
    for path in files:
        if progress is not None:
            progress(path)
        try:
            source = read(path)
            extraction = merge_given(extract(segments_of(source) or segment(source)))
        except ReadError as exc:
            result.failures.append(Failure(str(path), str(exc)))
            continue
        except RecursionError as exc:  # pathological input; report it like any other bad file
            result.failures.append(Failure(str(path), f"could not be segmented: {exc}"))
            continue
        if not extraction.records and not extraction.mentions:
            result.failures.append(Failure(str(path), "no recognisable structure: no instrument, body or "
                                                      "citation found"))
            continue
        result.warnings.extend(Failure(str(path), warning) for warning in extraction.warnings)
        store.extend(mapper.map(extraction))
        store.extend(given_quads(extraction, mapper))
        result.documents += 1
    result.counts = count(store)
    return result


def count(store: Store) -> dict[str, int]:
    """Summary figures: documents, instruments, clauses, citations, bodies, triples."""
    clx = prefixes()["clx"]
    rdf_type = NamedNode(prefixes()["rdf"] + "type")
    nodes_by_class: dict[str, set[str]] = {}
    for quad in store.quads_for_pattern(None, rdf_type, None, None):
        nodes_by_class.setdefault(str(quad.object), set()).add(str(quad.subject))
    instrument_classes = {"Instrument", "Resolution", "Decision", "Convention", "Protocol", "Declaration",
                          "Document", "Report", "Note", "PresidentialStatement", "Statement", "Programme", "Norms"}
    body_classes = {"Body", "State"}

    def nodes(classes: set[str]) -> int:
        return len(set().union(*(nodes_by_class.get(f"<{clx}{c}>", set()) for c in classes)))

    citations = {(q.subject, q.object) for q in store.quads_for_pattern(None, NamedNode(clx + "cites"), None, None)}
    distinct = store.query("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }")
    triples = int(next(iter(distinct))["n"].value)  # type: ignore[arg-type,index,union-attr]
    return {
        "documents": nodes({"SourceDocument"}),
        "instruments": nodes(instrument_classes),
        "clauses": nodes({"PreambularClause", "OperativeClause"}),
        "citations": len(citations),
        "bodies": nodes(body_classes),
        "triples": triples,
    }


def build(paths: list[Path], out_dir: Path, base: str = DEFAULT_BASE, run_validation: bool = True,
          progress: Callable[[Path], None] | None = None) -> BuildResult:
    """The whole job: build the store, validate it, write graph.ttl, graph.trig and the report."""
    result = build_store(collect_inputs(paths), base, progress)
    if run_validation:
        from oxrdflib import OxigraphStore
        from rdflib import Dataset

        from cyberlex.validate import validate

        report = validate(Dataset(store=OxigraphStore(store=result.store)))
        result.violations = sum(1 for r in report.results if r.severity == "Violation")
        result.report_text = report.to_text()
    extra = {"validation.txt": result.report_text.encode("utf-8")} if run_validation else None
    result.written = write_graph(result.store, out_dir, extra)
    if run_validation:
        result.written["report"] = result.written.pop("validation.txt")
    return result
