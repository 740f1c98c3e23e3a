"""Validate a cyberlex graph against the SHACL shapes in ``shapes/``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyshacl
from rdflib import BNode, Dataset, Graph, Namespace, URIRef
from rdflib.namespace import PROV, RDF, SH, NamespaceManager
from rdflib.term import Node

from cyberlex.resources import data_path

CLX = Namespace("https://w3id.org/cyberlex/ontology#")
CLXSH = Namespace("https://w3id.org/cyberlex/shapes#")


@dataclass(frozen=True)
class ValidationResult:
    """One sh:ValidationResult, with the file its focus node was read from."""

    severity: str  # local name: Violation, Warning or Info
    focus_node: Node
    path: str | None  # SPARQL property path, e.g. "clx:ordinal" or "^clx:hasClause"
    value: Node | None
    message: str
    source_shape: Node
    constraint: str  # local name of the constraint component, e.g. "MinCountConstraintComponent"
    source_files: tuple[str, ...] = ()


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of :func:`validate`."""

    conforms: bool
    results: list[ValidationResult]
    namespaces: NamespaceManager | None = None

    def to_text(self) -> str:
        """Render the report for a person: one block per result."""
        nm = self.namespaces or NamespaceManager(Graph())
        if self.conforms:
            return "Conforms: the graph satisfies every shape.\n"
        blocks = [f"Does not conform: {len(self.results)} result(s).\n"]
        for r in self.results:
            lines = [
                f"{r.severity}: {r.message}",
                f"  focus node: {_show(r.focus_node, nm)}",
            ]
            if r.path is not None:
                lines.append(f"  path:       {r.path}")
            if r.value is not None:
                lines.append(f"  value:      {_show(r.value, nm)}")
            lines.append(f"  shape:      {_show(r.source_shape, nm)} ({r.constraint})")
            lines.append(f"  source:     {', '.join(r.source_files) or '(unknown)'}")
            blocks.append("\n".join(lines) + "\n")
        return "\n".join(blocks)


def validate(
    data_graph: Graph | Dataset, shapes_dir: Path | None = None, ontology: Path | None = None
) -> ValidationReport:
    """Validate ``data_graph`` against the shapes (default ``shapes/*.ttl``) with the ontology mixed in."""
    shapes = load_shapes(shapes_dir)
    ont = Graph().parse(ontology or data_path("ontology") / "cyberlex.ttl")
    _conforms, report, _text = pyshacl.validate(
        data_graph,
        shacl_graph=shapes,
        ont_graph=ont,
        inference="none",
        advanced=True,
    )
    assert isinstance(report, Graph)
    nm = _namespaces(data_graph)
    results = [_result(report, node, data_graph, nm) for node in report.subjects(RDF.type, SH.ValidationResult)]
    results.sort(key=lambda r: (str(r.focus_node), str(r.source_shape), str(r.value)))
    conforms = bool(report.value(predicate=RDF.type, object=SH.ValidationReport) and _conforms)
    return ValidationReport(conforms=conforms, results=results, namespaces=nm)


def load_shapes(shapes_dir: Path | None = None) -> Graph:
    """Read every ``*.ttl`` file of ``shapes_dir`` (default: the packaged shapes) into one graph."""
    folder = shapes_dir or data_path("shapes")
    files = sorted(folder.glob("*.ttl"))
    if not files:
        raise FileNotFoundError(f"no shapes (*.ttl) in {folder}")
    g = Graph()
    for f in files:
        g.parse(f, format="turtle")
    return g


def _result(report: Graph, node: Node, data: Graph, nm: NamespaceManager) -> ValidationResult:
    focus = report.value(node, SH.focusNode)
    assert focus is not None
    path = report.value(node, SH.resultPath)
    severity = report.value(node, SH.resultSeverity)
    component = report.value(node, SH.sourceConstraintComponent)
    shape = report.value(node, SH.sourceShape)
    messages = sorted(str(m) for m in report.objects(node, SH.resultMessage))
    return ValidationResult(
        severity=_local(severity),
        focus_node=focus,
        path=_path(report, path, nm) if path is not None else None,
        value=report.value(node, SH.value),
        message=" ".join(messages) or "(no message)",
        source_shape=shape if shape is not None else BNode(),
        constraint=_local(component),
        source_files=tuple(sorted(source_files(data, focus))),
    )


def source_files(data: Graph, node: Node) -> set[str]:
    """Name the input file(s) ``node`` was read from: by named graph, else by clx:Evidence."""
    graphs: Iterable[Node] = ()
    if isinstance(data, Dataset):
        graphs = {c for _s, _p, _o, c in data.quads((node, None, None, None))}
        if not graphs:
            graphs = {c for _s, _p, _o, c in data.quads((None, None, node, None))}
    else:
        graphs = set(data.objects(node, PROV.wasDerivedFrom))  # node is itself an Evidence
        for ev in data.subjects(RDF.subject, node):
            graphs |= set(data.objects(ev, PROV.wasDerivedFrom))
        graphs.add(node)  # node is itself a SourceDocument
    return {str(name) for g in graphs for name in data.objects(g, CLX.fileName)}


def _namespaces(data: Graph) -> NamespaceManager:
    nm = NamespaceManager(Graph(), bind_namespaces="core")
    for prefix, ns in data.namespace_manager.namespaces():
        nm.bind(prefix, ns, override=False)
    nm.bind("clx", CLX)
    nm.bind("clxsh", CLXSH)
    return nm


def _path(report: Graph, path: Node, nm: NamespaceManager) -> str:
    inverse = report.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _path(report, inverse, nm)
    return _show(path, nm)


def _show(node: Node, nm: NamespaceManager) -> str:
    if isinstance(node, URIRef):
        return node.n3(nm)
    return node.n3() if hasattr(node, "n3") else str(node)


def _local(node: Node | None) -> str:
    text = str(node or "")
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
