"""Validation in parts: each document alone where that gives the union's verdict, the union for the rest.

`cyberlex.validate.validate` checks the union of all named graphs at once. Most of what it checks is
about nodes that one document alone describes (its source document, evidence, clauses, instrument),
and for those the document's own quads give the same results: :func:`validate_document` checks them
in the extraction worker, and returns plain data that can be cached with the file.
:func:`validate_parts` then checks on the union only the nodes whose verdict other documents can
change, and merges both into the report the union gives.

Why the parts give the union's report (with the ontology mixed into every part, as in `validate`):

- A node is *shared* when more than one document states something about it (as subject, or as an
  object other than of rdf:type). A node that is not shared has all the triples that mention it in
  its one document, so its targets and its values on every path of the shapes (a predicate, its
  inverse, alternatives of them, rdf:type/rdfs:subClassOf) are the same there as in the union.
- Shapes may read more than the triples that mention the focus node: sh:class and clxsh:Source-mentions
  read the types of a value. More types only ever satisfy them, so a document that passes passes in
  the union too; a result on a shared value is checked again on the union.
- The other SHACL-SPARQL shapes read the triples of some neighbours (:data:`NEIGHBOUR_READS`): a
  focus node with a shared such neighbour is checked on the union.
- Everything else (nested shapes, longer paths, an unknown SHACL-SPARQL shape, blank nodes, subclass
  axioms in the data) is not split: the union is validated whole, as `validate` does.

The union part validates, for the nodes to check again, only the triples that mention them or their
neighbours (every triple a shape reads for them is one of those), and keeps the results on them.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node
from rdflib.util import from_n3

from cyberlex.evidence import document_graph
from cyberlex.serialise import sorted_unique_lines
from cyberlex.shacl import Finding
from cyberlex.validate import (
    CLX,
    CLXSH,
    ValidationReport,
    ValidationResult,
    _iri,
    _local,
    _objects,
    load_shapes,
    ontology_quads,
    prepare,
    report_result,
    result_message,
    result_order,
    result_path,
    shape_findings,
    source_files,
    validate,
)
from cyberlex.validate import (
    _ox_quad as _ox_triple,
)

# SHACL-SPARQL shapes whose query reads triples of a neighbour of the focus node (not only the triples
# that mention the focus node): the predicate that leads to the neighbour, and whether the focus node
# is its subject ("out") or its object ("in"). A shape of sparql.ttl missing here is not split.
NEIGHBOUR_READS: dict[URIRef, tuple[URIRef, str]] = {
    URIRef(CLXSH.ClauseIriShape): (URIRef(CLX.hasClause), "out"),  # ?value a ?kind ; clx:ordinal ?ordinal
    URIRef(CLXSH.ClauseOrdinalUniqueShape): (URIRef(CLX.hasClause), "out"),  # the same, for ?value and ?other
    URIRef(CLXSH.ReservationSameInstrumentShape): (URIRef(CLX.concerns), "in"),  # ?instrument clx:hasReservation
}
# SHACL-SPARQL shapes that read only the types of their values, as sh:class does.
VALUE_TYPE_READS: frozenset[URIRef] = frozenset({URIRef(CLXSH["Source-mentions"])})

# Constructs with which a shape reads further than a focus node's triples and its values' types.
_NESTED = (SH.node, SH.property, SH.qualifiedValueShape, SH["or"], SH["and"], SH["not"], SH.xone)


@dataclass(frozen=True)
class DocumentResult:
    """One result of a document's validation, as plain strings (terms in N-Triples form)."""

    severity: str
    focus_node: str
    path: str | None
    path_iris: str | None
    path_predicate: str | None  # the path when it is one predicate: the report lists the focus node's values on it
    value: str | None
    message: str
    source_shape: str
    constraint: str


@dataclass(frozen=True)
class DocumentValidation:
    """What :func:`validate_document` found in one document: plain data, picklable and cacheable.

    `nodes` are the IRIs the document states something about (to tell shared nodes); `neighbours`
    the pairs (focus node, neighbour) whose neighbour's triples a shape of :data:`NEIGHBOUR_READS`
    reads; `splittable` is False when the document's verdicts may depend on other documents in ways
    the parts do not follow (blank nodes, subclass axioms): then the union is validated whole.
    """

    results: tuple[DocumentResult, ...]
    nodes: frozenset[str]
    neighbours: tuple[tuple[str, str], ...]
    splittable: bool = True

    def as_data(self) -> dict[str, Any]:
        """As JSON data (lists, strings, booleans), for the build cache: :meth:`from_data` reads it back."""
        return {"results": [list(vars(r).values()) for r in self.results], "nodes": sorted(self.nodes),
                "neighbours": [list(pair) for pair in self.neighbours], "splittable": self.splittable}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> DocumentValidation:
        """Read back what :meth:`as_data` wrote."""
        return cls(tuple(DocumentResult(*fields) for fields in data["results"]), frozenset(data["nodes"]),
                   tuple((focus, neighbour) for focus, neighbour in data["neighbours"]), bool(data["splittable"]))


def validate_document(nquads: bytes | Sequence[ox.Quad], shapes_dir: Path | None = None,
                      own_namespaces: bool = False, engine: str = "auto") -> DocumentValidation:
    """Validate one document's quads (N-Quads, or the quads themselves; all its graphs as one, with the
    ontology) against the shapes.

    With `own_namespaces` (a document of a cyberlex build, whose graphs' IRIs name it alone), the IRIs
    under its graphs' IRIs (`<graph>/…`: its evidence's spans and statements, most of its nodes) are left
    out of `nodes`: no other document of the build states anything about them, so they are never shared,
    and the union part need not count them (their number grows with the corpus)."""
    quads = list(ox.parse(nquads, format=ox.RdfFormat.N_QUADS)) if isinstance(nquads, bytes) else nquads
    mentioned, splittable = _mentioned(quads)
    own = tuple({q.graph_name.value + "/" for q in quads if isinstance(q.graph_name, ox.NamedNode)}) \
        if own_namespaces else ()
    nodes = frozenset(n.value for n in mentioned if not (own and n.value.startswith(own)))
    neighbours = tuple(sorted(_neighbour_pairs(quads)))
    store = ox.Store()  # extend, not bulk_extend: faster for a document's few thousand quads
    store.extend([ox.Quad(q.subject, q.predicate, q.object) for q in quads])
    store.extend(ontology_quads())
    results = tuple(_document_result(finding) for finding in shape_findings(store, shapes_dir, engine=engine))
    return DocumentValidation(results, nodes, neighbours, splittable)


# The nodes checked again on the union are validated this many at a time, so that the triples copied
# into pySHACL's store for them are bounded by the batch rather than by the number of shared nodes, which
# grows with the corpus. A node's results depend only on the triples around it (`splittable_shapes`), so
# batches give the same results as one pass. (Measured: it did not lower the validating process's peak
# at 2,500 synthetic files, 1.34 GB: the growth there is elsewhere.)
UNION_BATCH = 2_000


def validate_parts(documents: Iterable[DocumentValidation], union: Graph | Dataset, store: ox.Store | None = None,
                   shapes_dir: Path | None = None, engine: str = "auto") -> ValidationReport:
    """Merge the documents' validations and check on the union the nodes they cannot decide alone.

    `documents` may be a log on disk (cyberlex.build's ValidationLog): it is read a few times, one document
    at a time.
    `union` is the data of all documents (for the report's values and source files, and for the
    union checks); `store`, when given, holds the same quads in Oxigraph (faster to read). The
    report is the one :func:`cyberlex.validate.validate` gives on `union` (with the same `engine`).
    """
    if not all(d.splittable for d in documents) or not splittable_shapes(shapes_dir):
        return validate(union, shapes_dir=shapes_dir, engine=engine)
    shared = _shared_nodes(documents)
    again = set(shared)
    for d in documents:
        again.update(focus for focus, neighbour in d.neighbours if neighbour in shared)
        for r in d.results:
            if r.value is not None and r.value.startswith("<") and r.value[1:-1] in shared:
                again.add(r.focus_node[1:-1])
    kept: list[DocumentResult] = []
    literal_focus: set[DocumentResult] = set()  # a literal is reported alike by every document that has it
    for d in documents:
        for r in d.results:
            if r.focus_node.startswith("<") and r.focus_node[1:-1] in again:
                continue
            if r.focus_node.startswith('"'):
                if r in literal_focus:
                    continue
                literal_focus.add(r)
            kept.append(r)
    results = [_union_result(r, union) for r in kept]
    if again:
        quads = store if store is not None else _store_of_quads(union)
        ordered = sorted(again)
        for start in range(0, len(ordered), UNION_BATCH):
            batch = ordered[start:start + UNION_BATCH]
            checked = _union_store(quads, set(batch), shapes_dir)  # with the ontology: ready to validate
            findings = shape_findings(checked, shapes_dir, [URIRef(node) for node in batch], engine)
            results += [report_result(finding, union) for finding in findings]
    results.sort(key=result_order)
    return ValidationReport(conforms=not results, results=results)


def _shared_nodes(documents: Iterable[DocumentValidation]) -> set[str]:
    """The nodes that more than one document states something about. The candidates grow with the corpus
    (every document's clauses are among them), so they are counted by an external sort rather than in a
    dictionary: memory holds one chunk of them at a time, and the shared ones, which are few."""
    lines = (f"{node}\t{index}".encode() for index, d in enumerate(documents) for node in d.nodes)
    shared: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="cyberlex-shared-") as spill:
        # An IRI holds no tab, so each node's lines ("<node>\t<document>", each once) come together.
        for node, group in itertools.groupby(sorted_unique_lines(lines, Path(spill)),
                                             key=lambda line: line.partition(b"\t")[0]):
            if sum(1 for _ in itertools.islice(group, 2)) > 1:
                shared.add(node.decode())
    return shared


@cache
def splittable_shapes(shapes_dir: Path | None = None) -> bool:
    """Whether every shape reads no further than :func:`validate_parts` follows (see the module's doc)."""
    sg = load_shapes(shapes_dir)
    if any(p in _NESTED for p in sg.predicates()):
        return False
    for shape in set(sg.subjects(SH.sparql, None)):
        if shape not in NEIGHBOUR_READS and shape not in VALUE_TYPE_READS:
            return False
    simple_path_types = {SH.inversePath, SH.alternativePath}
    for path in sg.objects(None, SH.path):
        if isinstance(path, URIRef):
            continue
        if (path, RDF.first, None) in sg and list(sg.items(path)) == [RDF.type, RDFS.subClassOf]:
            continue
        keys = {p for p, _ in sg.predicate_objects(path)}
        alternatives = sg.value(path, SH.alternativePath)
        steps = [sg.value(path, SH.inversePath)] if SH.inversePath in keys else list(
            sg.items(alternatives)) if alternatives is not None else []
        if not keys <= simple_path_types or not all(isinstance(s, URIRef) for s in steps):
            return False
    return True


_SUBCLASS = ox.NamedNode(str(RDFS.subClassOf))
_TYPE = ox.NamedNode(str(RDF.type))


def _mentioned(quads: Iterable[ox.Quad]) -> tuple[set[ox.NamedNode], bool]:
    """The IRIs a document states something about (subjects, and objects other than classes), and
    whether it is free of blank nodes and subclass axioms (else it is validated with the union)."""
    found: set[ox.NamedNode] = set()
    splittable = True
    for q in quads:
        subject, obj = q.subject, q.object
        if isinstance(subject, ox.NamedNode):
            found.add(subject)
        else:
            splittable = False
        if isinstance(obj, ox.NamedNode):
            if q.predicate != _TYPE:
                found.add(obj)
        elif isinstance(obj, ox.BlankNode):
            splittable = False
        if q.predicate == _SUBCLASS:
            splittable = False
    return found, splittable


def _neighbour_pairs(quads: Iterable[ox.Quad]) -> set[tuple[str, str]]:
    leads = {(ox.NamedNode(str(p)), direction) for p, direction in NEIGHBOUR_READS.values()}
    pairs = set()
    for q in quads:
        if not (isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode)):
            continue
        if (q.predicate, "out") in leads:
            pairs.add((q.subject.value, q.object.value))
        if (q.predicate, "in") in leads:
            pairs.add((q.object.value, q.subject.value))
    return pairs


def prepare_document_validation(shapes_dir: Path | None = None) -> None:
    """Compile the shapes and read the ontology now (before worker processes fork, which then share them)."""
    prepare(shapes_dir)


def _document_result(f: Finding) -> DocumentResult:
    return DocumentResult(
        severity=_local(f.severity),
        focus_node=f.focus_node.n3(),
        path=result_path(f),
        path_iris=result_path(f, _iri),
        path_predicate=str(f.path) if isinstance(f.path, URIRef) else None,
        value=f.value.n3() if f.value is not None else None,
        message=result_message(f),
        source_shape=f.source_shape.n3(),
        constraint=_local(f.constraint),
    )


def _union_result(r: DocumentResult, union: Graph) -> ValidationResult:
    """A document's result as `validate` gives it on the union: with the values and source files there."""
    focus = _node(r.focus_node)
    values = sorted(_objects(union, focus, URIRef(r.path_predicate)), key=str) if (
        r.value is None and r.path_predicate is not None) else []
    return ValidationResult(
        severity=r.severity, focus_node=focus, path=r.path, value=_node(r.value) if r.value is not None else None,
        message=r.message, source_shape=_node(r.source_shape), constraint=r.constraint,
        source_files=tuple(sorted(source_files(union, focus))), values=tuple(dict.fromkeys(values)),
        path_iris=r.path_iris,
    )


def _node(n3: str) -> Node:
    node = from_n3(n3)
    assert isinstance(node, (URIRef, BNode, Literal)), n3
    return node


def _union_store(store: ox.Store, nodes: set[str], shapes_dir: Path | None = None) -> ox.Store:
    """What the shapes read about `nodes` in the union, in one graph: the triples they are the subject of,
    those pointing to them that a shape reads (by an inverse path or a SHACL-SPARQL shape that follows its
    predicate backwards: all of them; by sh:targetObjectsOf alone: one, which makes the node a target),
    the types of their values (sh:class, clxsh:Source-mentions), and the triples of the neighbours that a
    shape of :data:`NEIGHBOUR_READS` reads. No shape reads more (:func:`splittable_shapes` allows no nested
    shape, path or other). The other triples pointing to a node, such as every citation of a resolution
    or every statement of the evidence about a body, are left out: their number grows with the corpus."""
    every_one, one_suffices = _read_backwards(shapes_dir)
    focus = {ox.NamedNode(n) for n in nodes}
    forwards = {ox.NamedNode(str(p)) for p, direction in NEIGHBOUR_READS.values() if direction == "out"}
    backwards = {ox.NamedNode(str(p)) for p, direction in NEIGHBOUR_READS.values() if direction == "in"}
    # Reading a term of a quad makes a new Python object, and making a Quad costs more: each is done once
    # per quad read (a node's triple is often in several documents' graphs: the dict keeps one of each).
    triples: dict[ox.Quad, None] = {}
    values: set[Any] = set()
    read_from: set[Any] = set()
    pointed_to: set[Any] = set()
    for node in focus:
        for predicate, obj in _predicate_objects(store, node, triples):
            if isinstance(obj, ox.Literal):
                continue  # no triple's subject: nothing to read from it
            if predicate in forwards:
                read_from.add(obj)
            elif predicate != _TYPE:
                values.add(obj)
        # Only the predicates a shape reads backwards, each read with its predicate bound: a node such as
        # the General Assembly has every statement of the evidence and every adoption pointing to it.
        for predicate in every_one:
            for q in store.quads_for_pattern(None, predicate, node, None):
                subject = q.subject
                triples.setdefault(ox.Quad(subject, predicate, node), None)
                values.add(subject)  # the value of an inverse path
                if predicate in backwards:
                    pointed_to.add(subject)
        for predicate in one_suffices:
            for q in store.quads_for_pattern(None, predicate, node, None):
                triples.setdefault(ox.Quad(q.subject, predicate, node), None)
                break
    # A focus node's types and triples are among those taken above already.
    for node in values - focus:
        for q in store.quads_for_pattern(node, _TYPE, None, None):
            triples.setdefault(ox.Quad(node, _TYPE, q.object), None)
    for node in read_from - focus:
        _predicate_objects(store, node, triples)
    for node in pointed_to:
        for q in store.quads_for_pattern(None, None, node, None):
            triples.setdefault(ox.Quad(q.subject, q.predicate, node), None)
    out = ox.Store()
    out.bulk_extend(triples)
    out.bulk_extend(ontology_quads())  # as validate mixes it into the data
    return out


def _predicate_objects(store: ox.Store, node: ox.NamedNode, triples: dict[ox.Quad, None]) -> set[tuple[Any, Any]]:
    """The predicates and objects of `node`'s triples in any graph, its triples added to `triples`. A triple
    in several graphs is made once: making a Quad costs more than reading one."""
    found: set[tuple[Any, Any]] = set()
    for q in store.quads_for_pattern(node, None, None, None):
        pair = (q.predicate, q.object)
        if pair not in found:
            found.add(pair)
            triples.setdefault(ox.Quad(node, *pair), None)
    return found


@cache
def _read_backwards(shapes_dir: Path | None) -> tuple[frozenset[ox.NamedNode], frozenset[ox.NamedNode]]:
    """The predicates whose triples pointing to a focus node the shapes read: every one (an inverse path, a
    SHACL-SPARQL shape reading its neighbour backwards), and one only (sh:targetObjectsOf: one makes a target)."""
    shapes = load_shapes(shapes_dir)
    every_one = {ox.NamedNode(str(p)) for p in shapes.objects(None, SH.inversePath) if isinstance(p, URIRef)}
    every_one |= {ox.NamedNode(str(p)) for p, direction in NEIGHBOUR_READS.values() if direction == "in"}
    targets = {ox.NamedNode(str(p)) for p in shapes.objects(None, SH.targetObjectsOf) if isinstance(p, URIRef)}
    return frozenset(every_one), frozenset(targets - every_one)


def validate_by_graph(data: Graph | Dataset, shapes_dir: Path | None = None, engine: str = "auto") -> ValidationReport:
    """Validate ``data`` as `validate` does, one document per named graph (with its evidence graph,
    ``<graph>/evidence``, which describes nodes of that document alone: its spans and statements), and
    the default graph."""
    store = _store_of_quads(data)
    by_document: dict[str, list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph]] = {}
    for graph in sorted(store.named_graphs(), key=str):
        by_document.setdefault(document_graph(graph.value) if isinstance(graph, ox.NamedNode) else str(graph),
                               []).append(graph)
    parts: list[list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph]] = [*by_document.values(), [ox.DefaultGraph()]]
    documents = [validate_document(b"".join(ox.serialize(store.quads_for_pattern(None, None, None, graph),
                                                         format=ox.RdfFormat.N_QUADS) or b"" for graph in graphs),
                                   shapes_dir, engine=engine)
                 for graphs in parts]
    return validate_parts(documents, data, store, shapes_dir, engine)


def _store_of_quads(data: Graph) -> ox.Store:
    """``data`` in a pyoxigraph Store with its named graphs (a Graph: its triples in the default graph)."""
    inner = getattr(data.store, "_inner", None)
    if isinstance(inner, ox.Store):
        return inner
    store = ox.Store()
    if isinstance(data, Dataset):
        store.bulk_extend(_ox_quad(s, p, o, g) for s, p, o, g in data.quads())
    else:
        store.bulk_extend(_ox_quad(s, p, o, None) for s, p, o in data)
    return store


def _ox_quad(s: Node, p: Node, o: Node, g: Node | None) -> ox.Quad:
    triple = _ox_triple(s, p, o)
    graph = ox.NamedNode(str(g)) if isinstance(g, URIRef) and g != DATASET_DEFAULT_GRAPH_ID else ox.DefaultGraph()
    return ox.Quad(triple.subject, triple.predicate, triple.object, graph)
