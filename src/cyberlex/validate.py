"""Validate a cyberlex graph against the SHACL shapes in ``shapes/``, on Oxigraph.

The engine is :mod:`cyberlex.shacl` where it evaluates every shape (cyberlex's own shapes: it gives
pySHACL's results, several times faster), pySHACL otherwise or when asked for (``engine="pyshacl"``).

Speed of pySHACL (these figures predate cyberlex.shacl), measured with ``benchmarks/bench_validate.py``
on the 2-core dev machine (busy with other
work, so CPU seconds): 153,952 quads = 600 resolutions x 40 clauses, 3,000 evidence nodes, 601
named graphs.

- pyshacl on the rdflib graph: 75 s with the shapes as they are now; the first draft took 6.9 s
  at a tenth of the size, 4.8 s of it in one SPARQL query per instrument (80 ms each in rdflib).
- pyshacl on a pyoxigraph Store with the first draft of the shapes: over 130 s at a tenth of the size,
  because pyshacl counts the whole store (``len()``) for every result it builds, the discarded
  inner results of sh:or / sh:xone included; 2,000 violations at full size: stopped after 12 min.
- now: 6.0-6.5 s in all. Copying the data into a pyoxigraph Store takes 1.4 s from an rdflib
  Dataset, 1.0 s from an oxrdflib-backed one; pyshacl takes 4.6-5.3 s there, because property
  shapes carry their own targets (pyshacl evaluates each once for all focus nodes, not once per
  focus node and property), per-value sh:or / sh:xone became one SPARQL query per instrument or
  source document, and the store is wrapped so that its truth value does not count it (2,000
  violations: 5.4 s).

Oxigraph stores every integer-derived datatype (xsd:nonNegativeInteger, xsd:int...) as xsd:integer;
the shapes for oa:start / oa:end accept both.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import pyshacl
from lxml import etree
from pyshacl.graph_abstraction import OxigraphDataGraph
from pyshacl.pytypes import SHACLExecutor
from pyshacl.shapes_graph import ShapesGraph
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import PROV, RDF, SH, NamespaceManager
from rdflib.term import Node

from cyberlex import shacl
from cyberlex.evidence import document_graph
from cyberlex.resources import data_path
from cyberlex.shacl import Finding
from cyberlex.vocab import CLX, CLXSH, compact, prefixes


@dataclass(frozen=True)
class ValidationResult:
    """One sh:ValidationResult, with the input file(s) its focus node was read from."""

    severity: str  # local name of sh:resultSeverity: "Violation", "Warning" or "Info"
    focus_node: Node
    path: str | None  # SPARQL property path, e.g. "clx:ordinal" or "^clx:hasClause"
    value: Node | None
    message: str
    source_shape: Node
    constraint: str  # local name of sh:sourceConstraintComponent, e.g. "MinCountConstraintComponent"
    source_files: tuple[str, ...] = ()
    values: tuple[Node, ...] = ()  # the focus node's values on a simple path when no value is named
    path_iris: str | None = None  # the same path with full IRIs, e.g. "^<https://w3id.org/cyberlex/ontology#hasClause>"


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of :func:`validate`."""

    conforms: bool
    results: list[ValidationResult]

    def to_text(self) -> str:
        """Render the report for a person: one block per result, IRIs as CURIEs."""
        if self.conforms:
            return "Conforms: the graph satisfies every shape.\n"
        blocks = [f"Does not conform: {len(self.results)} result(s).", *(_block(r) for r in self.results)]
        return "\n\n".join(blocks) + "\n"

    def to_json(self) -> str:
        """Render the report for scripts: ``{"conforms": ..., "results": [...]}``, full IRIs.

        Each result has focusNode, resultPath, value, sourceShape, severity and message (the keys of
        sh:ValidationResult), and sourceConstraintComponent and sourceFiles. Terms are written as in
        N-Triples without the angle brackets of IRIs: an IRI as itself, a blank node as ``_:label``, a
        literal as ``"text"@lang`` or ``"3"^^<datatype>``; a path as a SPARQL property path.
        """
        results = [
            {
                "focusNode": _term(r.focus_node),
                "resultPath": r.path_iris,
                "value": _term(r.value) if r.value is not None else None,
                "sourceShape": _term(r.source_shape),
                "severity": r.severity,
                "message": r.message,
                "sourceConstraintComponent": str(SH[r.constraint]),
                "sourceFiles": list(r.source_files),
            }
            for r in self.results
        ]
        return json.dumps({"conforms": self.conforms, "results": results}, ensure_ascii=False, indent=2) + "\n"

    def to_junit(self, name: str = "cyberlex validate", seconds: float = 0.0) -> str:
        """Render the report as JUnit XML (the Ant format CI systems read): one failed test case per result.

        The test case's class name is the shape, its name the focus node (and path), the failure's
        type the constraint component, its message the shape's message and its text the whole result
        as :meth:`to_text` writes it (severity, focus node, path, value, shape, source files). A graph
        that conforms gives one passing test case, so that the CI system shows the check ran.
        """
        failures = len(self.results)  # any result, as for `conforms` (a warning too)
        suites = etree.Element("testsuites", name=name, tests=str(max(1, len(self.results))),
                               failures=str(failures), errors="0", time=f"{seconds:.3f}")
        suite = etree.SubElement(
            suites, "testsuite", name="shacl", package="cyberlex", id="0",
            timestamp=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"), hostname=socket.gethostname() or "localhost",
            tests=str(max(1, len(self.results))), failures=str(failures), errors="0", skipped="0",
            time=f"{seconds:.3f}",
        )
        etree.SubElement(suite, "properties")
        if not self.results:
            etree.SubElement(suite, "testcase", name="the graph conforms to every shape", classname="cyberlex.shapes",
                             time="0")
        for r in self.results:
            case_name = _show(r.focus_node) + (f" {r.path}" if r.path else "")
            case = etree.SubElement(suite, "testcase", name=_xml(case_name), classname=_show(r.source_shape), time="0")
            failure = etree.SubElement(case, "failure", message=_xml(_compact_text(r.message)),
                                       type=r.constraint or r.severity)
            failure.text = _xml(_block(r))
        etree.SubElement(suite, "system-out").text = ""
        etree.SubElement(suite, "system-err").text = ""
        xml: bytes = etree.tostring(suites, xml_declaration=True, encoding="UTF-8", pretty_print=True)
        return xml.decode("utf-8")


def _block(r: ValidationResult) -> str:
    """One result for a person: message, focus node, path, value(s), shape, source files."""
    lines = [f"{r.severity}: {_compact_text(r.message)}", f"  focus node: {_show(r.focus_node)}"]
    if r.path is not None:
        lines.append(f"  path:       {r.path}")
    if r.value is not None:
        lines.append(f"  value:      {_show(r.value)}")
    elif r.values:
        lines.append(f"  values:     {', '.join(_show(v) for v in r.values)}")
    lines.append(f"  shape:      {_show(r.source_shape)} ({r.constraint})")
    lines.append(f"  source:     {', '.join(r.source_files) or '(unknown)'}")
    return "\n".join(lines)


# What XML 1.0 cannot hold (control characters other than tab, newline and carriage return, such as
# the form feeds of text read from PDF files, and lone surrogates): U+FFFD in the JUnit report.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


ENGINES = ("auto", "pyshacl")  # auto: cyberlex.shacl where it evaluates the shapes, pySHACL otherwise


def validate(
    data_graph: Graph | Dataset | ox.Store, shapes_dir: Path | None = None, ontology: Path | None = None,
    data_for_report: Graph | Dataset | None = None, focus_nodes: Iterable[URIRef] | None = None,
    engine: str = "auto",
) -> ValidationReport:
    """Validate ``data_graph`` (all its named graphs as one; an rdflib graph or a pyoxigraph Store)
    against ``shapes_dir/*.ttl``.

    The ontology (default ``ontology/cyberlex.ttl``) is added to a copy of the data so that
    sh:targetClass and sh:class see its rdfs:subClassOf axioms; the data graph is not changed.
    The results name the values and source files found in ``data_for_report`` (default: the data
    graph; cyberlex.validate_parts validates a part of the data and reports from the whole), and with
    ``focus_nodes`` only the results on those nodes (an empty collection: none) are looked for.
    ``engine`` "pyshacl" runs pySHACL even where :mod:`cyberlex.shacl` gives the same results faster.
    """
    if isinstance(data_graph, ox.Store):
        from oxrdflib import OxigraphStore

        data_graph = Dataset(store=OxigraphStore(store=data_graph))
    if focus_nodes is not None:
        focus_nodes = list(focus_nodes)
        if not focus_nodes:  # pyshacl would take an empty list for "every node"
            return ValidationReport(conforms=True, results=[])
    store = _copy_to_store(data_graph, ontology_quads(ontology))
    findings = shape_findings(store, shapes_dir, focus_nodes, engine)
    whole = data_for_report if data_for_report is not None else data_graph
    results = [report_result(finding, whole) for finding in findings]
    results.sort(key=result_order)
    return ValidationReport(conforms=not results, results=results)


def shape_findings(store: ox.Store, shapes_dir: Path | None = None, focus_nodes: Iterable[URIRef] | None = None,
                   engine: str = "auto", every_graph: bool = False) -> list[Finding]:
    """Validate the default graph of ``store`` (the data with the ontology) against the shapes: with
    :mod:`cyberlex.shacl` when it evaluates them all (it gives pySHACL's results, some ten times
    faster), else (or with ``engine`` "pyshacl") with pySHACL. The shapes are read and compiled once
    per process. With ``focus_nodes`` (a non-empty collection), only the results on those nodes.

    With ``every_graph``, the union of the store's graphs is validated as its default graph: read so by
    cyberlex.shacl, copied into the default graph first for pySHACL (the store is then changed)."""
    if engine not in ENGINES:
        raise ValueError(f"unknown SHACL engine {engine!r}: one of {', '.join(ENGINES)}")
    shapes = _shapes(shapes_dir)
    if engine == "auto" and shapes.compiled is not None:
        return shacl.run(shapes.compiled, store, set(focus_nodes) if focus_nodes is not None else None,
                         every_graph=every_graph)
    if every_graph:  # by Oxigraph, with no Python object per triple
        store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }; DROP NAMED")
    options = {"inference": "none", "advanced": True, "inplace": True,
               "focus_nodes": list(focus_nodes) if focus_nodes is not None else None}
    validator = _Validator(_StoreGraph(store), shacl_graph=shapes.graph, options=options)
    validator.shacl_graph = shapes.for_pyshacl()  # compiled once (pySHACL would compile them on every run)
    _conforms, report, text = validator.run()
    if not isinstance(report, Graph):  # a ValidationFailure: the shapes themselves are broken
        raise ValueError(text)
    return [_finding(report, node) for node in report.subjects(RDF.type, SH.ValidationResult)]


@dataclass
class _Shapes:
    """The shapes of a folder, as each engine takes them."""

    graph: Graph
    compiled: shacl.CompiledShapes | None  # None: outside what cyberlex.shacl evaluates
    _pyshacl: ShapesGraph | None = None

    def for_pyshacl(self) -> ShapesGraph:
        if self._pyshacl is None:
            self._pyshacl = ShapesGraph(self.graph)
        return self._pyshacl


@cache
def _shapes(shapes_dir: Path | None) -> _Shapes:
    graph = load_shapes(shapes_dir)
    return _Shapes(graph, shacl.compile_shapes(graph))


@cache
def _default_ontology() -> tuple[ox.Quad, ...]:
    return _read_ontology(data_path("ontology") / "cyberlex.ttl")


def _read_ontology(path: Path) -> tuple[ox.Quad, ...]:
    triples = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
    return tuple(ox.Quad(t.subject, t.predicate, t.object) for t in triples)


def ontology_quads(ontology: Path | None = None) -> tuple[ox.Quad, ...]:
    """The triples of the ontology (default: cyberlex's, read once per process), to mix into the data."""
    return _default_ontology() if ontology is None else _read_ontology(ontology)


def prepare(shapes_dir: Path | None = None) -> None:
    """Read and compile the shapes and read the ontology now (before worker processes fork, which then
    share them)."""
    _shapes(shapes_dir)
    _default_ontology()


def result_order(r: ValidationResult) -> tuple[str, ...]:
    """The order of a report: by focus node, shape and value, then by what else tells two results apart
    (so that the order does not depend on the order in which pySHACL found them)."""
    return (str(r.focus_node), str(r.source_shape), str(r.value), r.constraint, r.path_iris or "", r.message)


def load_shapes(shapes_dir: Path | None = None) -> Graph:
    """Read every ``*.ttl`` file of ``shapes_dir`` (default: cyberlex's shapes) into one graph."""
    folder = shapes_dir or data_path("shapes")
    files = sorted(folder.glob("*.ttl"))
    if not files:
        raise FileNotFoundError(f"no shapes (*.ttl) in {folder}")
    g = Graph()
    for f in files:
        g.parse(f, format="turtle")
    return g


def source_files(data: Graph, node: Node) -> set[str]:
    """Name the input file(s) ``node`` was read from, by the first of these that names any.

    The source documents whose named graph (or evidence graph) states something about ``node`` (or
    ``node`` itself); those of the spans (clx:Evidence) of the statements about ``node`` (or of ``node``,
    if it is a span or a statement); the source documents whose named graph points to ``node``.
    """
    names = _stated_sources(data, node)
    if not names:
        spans = {node} | set(_objects(data, node, URIRef(CLX.evidence)))
        for statement in _subjects(data, RDF.subject, node):
            spans |= set(_objects(data, statement, URIRef(CLX.evidence)))
        names = _file_names(data, {source for span in spans for source in _objects(data, span, PROV.wasDerivedFrom)})
    if not names:
        names = _file_names(data, _documents(_graphs(data, None, node)))
    return names


def stated_in(data: Graph, node: Node) -> bool:
    """Whether source_files names ``node``'s files by its first rule (the documents stating something about
    it), which reads no evidence."""
    return bool(_stated_sources(data, node))


def _stated_sources(data: Graph, node: Node) -> set[str]:
    return _file_names(data, _documents(_graphs(data, node, None)) | {node})


def _documents(graphs: set[Node]) -> set[Node]:
    """The source documents of named graphs: an evidence graph's is the graph it is beside."""
    return {URIRef(document_graph(str(g))) if isinstance(g, URIRef) else g for g in graphs}


class _StoreGraph(OxigraphDataGraph):
    """pyshacl's view of a pyoxigraph Store, always true.

    pyshacl writes ``datagraph or shapes_graph`` for every result it builds, and the truth value of
    its Oxigraph graph is ``len()``, a count of the whole store.
    """

    def __bool__(self) -> bool:
        return True


class _Validator(pyshacl.Validator):
    """pyshacl's Validator, with the focus nodes asked for looked up in a set (pyshacl looks in a list,
    once per focus node of every shape)."""

    def make_executor(self) -> SHACLExecutor:
        executor = super().make_executor()
        if executor.focus_nodes:
            executor.focus_nodes = _Members(executor.focus_nodes)
        return executor


class _Members(list[URIRef]):
    """A list whose membership test is a set's."""

    def __init__(self, items: Iterable[URIRef]) -> None:
        super().__init__(items)
        self._set = frozenset(self)

    def __contains__(self, item: object) -> bool:
        return item in self._set


def _copy_to_store(data: Graph, ontology: Iterable[ox.Quad]) -> ox.Store:
    """Copy every triple of ``data`` (all named graphs) and the ``ontology`` into one default graph."""
    store = ox.Store()
    inner = getattr(data.store, "_inner", None)  # an oxrdflib store wraps a pyoxigraph one
    if isinstance(inner, ox.Store):
        store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object) for q in inner)
    else:
        triples = ((s, p, o) for s, p, o, _ in data.quads()) if isinstance(data, Dataset) else iter(data)
        store.bulk_extend(_ox_quad(s, p, o) for s, p, o in triples)
    store.bulk_extend(ontology)
    return store


def _ox_quad(s: Node, p: Node, o: Node) -> ox.Quad:
    subject, predicate = shacl.ox_term(s), shacl.ox_term(p)
    if isinstance(subject, ox.Literal) or not isinstance(predicate, ox.NamedNode):
        raise TypeError(f"not an RDF triple: {s!r} {p!r} {o!r}")
    return ox.Quad(subject, predicate, shacl.ox_term(o))




def _finding(report: Graph, node: Node) -> Finding:
    """A result of pySHACL's report graph."""
    focus = report.value(node, SH.focusNode)
    assert focus is not None, "pyshacl results always have a focus node"
    severity = report.value(node, SH.resultSeverity)
    constraint = report.value(node, SH.sourceConstraintComponent)
    return Finding(
        severity=severity if isinstance(severity, URIRef) else SH.Violation, focus_node=focus,
        path=report.value(node, SH.resultPath), value=report.value(node, SH.value),
        messages=tuple(str(m) for m in report.objects(node, SH.resultMessage)),
        source_shape=report.value(node, SH.sourceShape) or BNode(),
        constraint=constraint if isinstance(constraint, URIRef) else URIRef(""), path_graph=report,
    )


def result_path(f: Finding, show: Callable[[Node], str] | None = None) -> str | None:
    """A finding's path as a SPARQL property path (CURIEs; full IRIs with ``show=_iri``), or None."""
    return _path(f.path_graph, f.path, show) if f.path is not None else None


def result_message(f: Finding) -> str:
    """A finding's messages as one text (in a stable order), as the report shows it."""
    return " ".join(sorted(f.messages)) or "(no message)"


def report_result(f: Finding, data: Graph) -> ValidationResult:
    """A finding as the report gives it, with the values and source files found in `data`."""
    values = sorted(_objects(data, f.focus_node, f.path), key=str) if (
        f.value is None and isinstance(f.path, URIRef)) else []
    return ValidationResult(
        severity=_local(f.severity),
        focus_node=f.focus_node,
        path=result_path(f),
        path_iris=result_path(f, _iri),
        value=f.value,
        message=result_message(f),
        source_shape=f.source_shape,
        constraint=_local(f.constraint),
        source_files=tuple(sorted(source_files(data, f.focus_node))),
        values=tuple(dict.fromkeys(values)),  # each once, though several named graphs may state it
    )


def _graphs(data: Graph, s: Node | None, o: Node | None) -> set[Node]:
    """The names of the graphs of a Dataset that hold a triple (s, ?, o); none for a Graph."""
    if not isinstance(data, Dataset):
        return set()
    return {c for _, _, _, c in data.quads((s, None, o, None)) if c is not None}


def _objects(data: Graph, s: Node, p: Node) -> list[Node]:
    if isinstance(data, Dataset):
        return [o for _, _, o, _ in data.quads((s, p, None, None))]
    return list(data.objects(s, p))


def _subjects(data: Graph, p: Node, o: Node) -> list[Node]:
    if isinstance(data, Dataset):
        return [s for s, _, _, _ in data.quads((None, p, o, None))]
    return list(data.subjects(p, o))


def _file_names(data: Graph, nodes: set[Node]) -> set[str]:
    return {str(name) for n in nodes for name in _objects(data, n, URIRef(CLX.fileName))}


@cache
def _namespaces() -> NamespaceManager:
    nm = NamespaceManager(Graph(), bind_namespaces="none")
    for prefix, ns in _prefixes():
        nm.bind(prefix, ns)
    return nm


@cache
def _report_prefixes() -> dict[str, str]:
    """The declared prefixes and clxsh:."""
    return {**prefixes(), CLXSH.prefix: CLXSH.iri}


@cache
def _prefixes() -> tuple[tuple[str, str], ...]:
    """The prefixes of a report, longest namespace first."""
    return tuple(sorted(_report_prefixes().items(), key=lambda pair: -len(pair[1])))


def _compact_text(text: str) -> str:
    """Shorten every IRI of a declared namespace in a message (free text, where IRIs may be anywhere)
    to prefix:rest."""
    for prefix, ns in _prefixes():
        text = text.replace(ns, prefix + ":")
    return text


def _path(report: Graph, path: Node, show: Callable[[Node], str] | None = None) -> str:
    """Write a SHACL path (https://www.w3.org/TR/shacl/#property-paths) as a SPARQL property path."""
    show = show or _show
    if isinstance(path, URIRef):
        return show(path)
    if (path, RDF.first, None) in report:  # a sequence path: an RDF list
        return "/".join(_step(report, step, show) for step in Collection(report, path))
    alternatives = report.value(path, SH.alternativePath)
    if alternatives is not None:
        return "|".join(_step(report, step, show) for step in Collection(report, alternatives))
    for key, suffix in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = report.value(path, key)
        if inner is not None:
            return _step(report, inner, show) + suffix
    inverse = report.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _step(report, inverse, show)
    return show(path)


def _step(report: Graph, path: Node, show: Callable[[Node], str]) -> str:
    """A path inside another one: in parentheses unless it is a predicate or an inverse predicate."""
    text = _path(report, path, show)
    simple = isinstance(path, URIRef) or isinstance(report.value(path, SH.inversePath), URIRef)
    return text if simple else f"({text})"


def _iri(node: Node) -> str:
    return f"<{node}>" if isinstance(node, URIRef) else _term(node)


def _term(node: Node) -> str:
    """A term for JSON: an IRI as itself, a blank node as _:label, a literal in N-Triples."""
    if isinstance(node, URIRef):
        return str(node)
    if isinstance(node, BNode):
        return f"_:{node}"
    return node.n3() if isinstance(node, Literal) else str(node)


def _show(node: Node) -> str:
    if isinstance(node, URIRef):
        return compact(str(node), _report_prefixes())
    if isinstance(node, Literal):
        return node.n3(_namespaces())
    return node.n3() if isinstance(node, BNode) else str(node)


def _local(node: Node | None) -> str:
    return str(node or "").rsplit("#", 1)[-1].rsplit("/", 1)[-1]
