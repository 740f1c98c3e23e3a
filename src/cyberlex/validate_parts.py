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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
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
    stated_in,
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
# Of a neighbour that a shape of NEIGHBOUR_READS reaches "out" by a predicate listed here, the shapes read
# only the triples of these predicates (a predicate not listed: every triple of the neighbour). An
# instrument's clauses are read for their kind and ordinal: their texts, most of the bytes, are left out of
# the union part (at 2,500 synthetic files they were 200 MB of its 400 MB).
NEIGHBOUR_PREDICATES_READ: dict[URIRef, frozenset[URIRef]] = {
    URIRef(CLX.hasClause): frozenset({RDF.type, URIRef(CLX.ordinal)}),
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
    `own_quads_read` is True when the union part may read the document's quads about its own nodes
    (:func:`own_lines_last`): only then must they be in the store it is given (:func:`validate_parts`).
    """

    results: tuple[DocumentResult, ...]
    nodes: frozenset[str]
    neighbours: tuple[tuple[str, str], ...]
    splittable: bool = True
    own_quads_read: bool = True
    namespaces: tuple[str, ...] = ()  # of its own nodes (own_namespaces_of), in a build

    def as_data(self) -> dict[str, Any]:
        """As JSON data (lists, strings, booleans), for the build cache: :meth:`from_data` reads it back."""
        return {"results": [list(vars(r).values()) for r in self.results], "nodes": sorted(self.nodes),
                "neighbours": [list(pair) for pair in self.neighbours], "splittable": self.splittable,
                "own_quads_read": self.own_quads_read, "namespaces": list(self.namespaces)}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> DocumentValidation:
        """Read back what :meth:`as_data` wrote."""
        return cls(tuple(DocumentResult(*fields) for fields in data["results"]), frozenset(data["nodes"]),
                   tuple((focus, neighbour) for focus, neighbour in data["neighbours"]), bool(data["splittable"]),
                   bool(data.get("own_quads_read", True)), tuple(data.get("namespaces", ())))


def validate_document(nquads: bytes | Sequence[ox.Quad], shapes_dir: Path | None = None,
                      own_namespaces: bool = False, engine: str = "auto",
                      store: ox.Store | None = None) -> DocumentValidation:
    """Validate one document's quads (N-Quads, or the quads themselves; all its graphs as one, with the
    ontology) against the shapes.

    `store`, when given, holds these quads and nothing else (as the build's worker makes it for the
    document's graph files in pieces): they are validated in it instead of being put into a new store. The
    ontology is added to its default graph.

    With `own_namespaces` (a document of a cyberlex build, whose graphs' IRIs name it alone), the IRIs
    under its graphs' IRIs (`<graph>/…`: its evidence's spans and statements, most of its nodes) are left
    out of `nodes`: no other document of the build states anything about them, so they are never shared,
    and the union part need not count them (their number grows with the corpus)."""
    quads = list(ox.parse(nquads, format=ox.RdfFormat.N_QUADS)) if isinstance(nquads, bytes) else nquads
    if store is None:
        store = ox.Store()  # extend, not bulk_extend: faster for a document's few thousand quads
        store.extend(quads)
    own = own_namespaces_in(store) if own_namespaces else ()
    mentioned, splittable, own_quad_read = _read_quads(quads, own, shapes_dir)
    nodes = frozenset(n for n in mentioned if not (own and n.startswith(own)))
    neighbours = tuple(sorted(_neighbour_pairs(store)))
    store.extend(ontology_quads())
    # all its graphs and the ontology read as one default graph, where they are (copying the graphs into the
    # default graph took 1.7 ms of a UN document's 15)
    results = tuple(_document_result(finding)
                    for finding in shape_findings(store, shapes_dir, engine=engine, every_graph=True))
    own_read = bool(own) and (own_quad_read or any(
        r.focus_node.startswith("<") and r.focus_node[1:-1].startswith(own) for r in results) or any(
        focus.startswith(own) for focus, _ in neighbours))
    return DocumentValidation(results, nodes, neighbours, splittable, own_read, own)


def own_namespaces_in(store: ox.Store) -> tuple[str, ...]:
    """The namespaces of the own nodes of a build's document, whose quads `store` holds alone: `<graph>/…` for
    each of its named graphs (its evidence's spans and statements), which no other document of the build states
    anything about."""
    return tuple(sorted(g.value + "/" for g in store.named_graphs() if isinstance(g, ox.NamedNode)))


def own_lines_last(nquads: bytes, own: tuple[str, ...]) -> tuple[bytes, int]:
    """A build's document's N-Quads (one quad a line, as Oxigraph writes them) with the lines about its own
    nodes (whose subject is in a namespace of `own`: its evidence, about 70 % of its quads) last, and where
    those begin, made on the lines, with no Python object per quad. The union part reads those lines only for
    a document whose validation says so (`own_quads_read`), so a build may leave them out of the store it
    validates (cyberlex.build), and load them only when the union part asks (`complete`)."""
    if not own:
        return nquads, len(nquads)
    subjects = tuple(b"<" + namespace.encode() for namespace in own)
    lines = nquads.splitlines(keepends=True)
    rest = b"".join([line for line in lines if not line.startswith(subjects)])
    return rest + b"".join([line for line in lines if line.startswith(subjects)]), len(rest)


# The nodes checked again on the union are validated this many at a time, so that the triples copied
# into pySHACL's store for them are bounded by the batch rather than by the number of shared nodes, which
# grows with the corpus. A node's results depend only on the triples around it (`splittable_shapes`), so
# batches give the same results as one pass. (Measured: it did not lower the validating process's peak
# at 2,500 synthetic files, 1.34 GB: the growth there is elsewhere.)
UNION_BATCH = 2_000


def validate_parts(documents: Iterable[DocumentValidation], union: Graph | Dataset, store: ox.Store | None = None,
                   shapes_dir: Path | None = None, engine: str = "auto",
                   complete: Callable[[], None] | None = None) -> ValidationReport:
    """Merge the documents' validations and check on the union the nodes they cannot decide alone.

    `documents` may be a log on disk (cyberlex.build's ValidationLog): it is read a few times, one document
    at a time.
    `union` is the data of all documents (for the report's values and source files, and for the
    union checks); `store`, when given, holds the same quads in Oxigraph (faster to read). The
    report is the one :func:`cyberlex.validate.validate` gives on `union` (with the same `engine`).

    `complete`, when given, says that `union` lacks the quads about the documents' own nodes
    (:func:`own_lines_last`) of the documents whose `own_quads_read` is False, and loads them into it: it is
    called when the report needs them after all (the union validated whole; a result whose source files
    only the evidence names).
    """
    return validate_parts_kept(documents, union, store, shapes_dir, engine, complete, keep=False)[0]


@dataclass(frozen=True)
class NodeCheck:
    """What the union part found on one node (its results, as the report gives them), and the nodes (N3) a
    triple must name to change that: the node, its values and neighbours, the nodes pointing to it."""

    footprint: frozenset[str]
    results: tuple[ValidationResult, ...]


@dataclass(frozen=True)
class UnionState:
    """What the union part of a build found, node by node, kept for the next build (cyberlex.build): a rebuild
    takes over the results on every node whose footprint no changed triple names (:class:`Rebuild`).
    `converted`: the documents' own results on nodes not checked on the union, with the values and source
    files the union gave them, by focus node. `types`: the classes (N3) of the values whose types the checks
    read (a body that every document names and types), for a rebuild to give them without loading every
    document that names them."""

    checked: dict[str, NodeCheck]
    converted: dict[str, tuple[tuple[DocumentResult, ValidationResult], ...]]
    types: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def as_data(self) -> dict[str, Any]:
        """As JSON data, for a file: :meth:`from_data` reads it back. Each node is written once, in `nodes`,
        and named elsewhere by its place there (a footprint names the same bodies thousands of times)."""
        nodes = sorted({*self.checked, *self.types, *(n for check in self.checked.values() for n in check.footprint),
                        *(c for classes in self.types.values() for c in classes)})
        place = {node: index for index, node in enumerate(nodes)}
        return {"nodes": nodes,
                "checked": [[place[node], sorted(place[n] for n in check.footprint),
                             [_result_data(r) for r in check.results]]
                            for node, check in sorted(self.checked.items())],
                "converted": [[node, [[list(vars(kept).values()), _result_data(result)] for kept, result in pairs]]
                              for node, pairs in sorted(self.converted.items())],
                "types": [[place[node], [place[c] for c in classes]] for node, classes in sorted(self.types.items())]}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> UnionState:
        """Read back what :meth:`as_data` wrote (ValueError, KeyError, IndexError or TypeError if it is not that)."""
        nodes = [str(node) for node in data["nodes"]]
        return cls({nodes[node]: NodeCheck(frozenset(nodes[n] for n in footprint), tuple(map(_result_of, results)))
                    for node, footprint, results in data["checked"]},
                   {str(node): tuple((DocumentResult(*kept), _result_of(result)) for kept, result in pairs)
                    for node, pairs in data["converted"]},
                   {nodes[node]: tuple(nodes[c] for c in classes) for node, classes in data["types"]})


@dataclass(frozen=True)
class Rebuild:
    """What a rebuild gives the union part to take over the last build's findings: that build's state, the
    nodes (N3) named by a triple that one build has and the other has not (of the documents added, removed or
    changed since), and how to load documents into the store, which starts empty: `load_documents(indices,
    whole)`, the documents (by their index in `documents`) as far as the union part reads them (without their
    own quads, :func:`own_lines_last`, unless their `own_quads_read`), or `whole`."""

    previous: UnionState
    touched: frozenset[str]
    load_documents: Callable[[list[int], bool], None]


def _result_data(r: ValidationResult) -> list[Any]:
    return [r.severity, r.focus_node.n3(), r.path, r.value.n3() if r.value is not None else None, r.message,
            r.source_shape.n3(), r.constraint, list(r.source_files), [v.n3() for v in r.values], r.path_iris]


def _result_of(data: list[Any]) -> ValidationResult:
    severity, focus, path, value, message, shape, constraint, files, values, path_iris = data
    return ValidationResult(severity, _node(focus), path, _node(value) if value is not None else None, message,
                            _node(shape), constraint, tuple(files), tuple(map(_node, values)), path_iris)


def validate_parts_kept(documents: Iterable[DocumentValidation], union: Graph | Dataset, store: ox.Store | None = None,
                        shapes_dir: Path | None = None, engine: str = "auto",
                        complete: Callable[[], None] | None = None,
                        rebuild: Rebuild | None = None,
                        keep: bool = True) -> tuple[ValidationReport, UnionState | None]:
    """:func:`validate_parts`, and what it found node by node (None when the union was validated whole, or
    not asked to `keep` it), for the next build. With `rebuild`, the store starts empty, the results on nodes
    whose footprint no touched triple names are taken over from the last build's, and only the documents that
    the other nodes need are loaded into the store."""
    everything = list(range(len(documents))) if rebuild is not None else []  # type: ignore[arg-type]

    def load_everything() -> None:
        if rebuild is not None:
            rebuild.load_documents(everything, True)
        elif complete is not None:
            complete()

    if not all(d.splittable for d in documents) or not splittable_shapes(shapes_dir):
        load_everything()
        return validate(union, shapes_dir=shapes_dir, engine=engine), None
    again, kept = _partition(documents)
    previous = rebuild.previous if rebuild is not None else UnionState({}, {})
    touched = rebuild.touched if rebuild is not None else frozenset()

    def unchanged(node: str, footprint: frozenset[str]) -> bool:  # a literal (N3 forms differ) is checked again
        return rebuild is not None and node.startswith("<") and node not in touched and footprint.isdisjoint(touched)

    checked: dict[str, NodeCheck] = {}
    for node in again:
        before = previous.checked.get(f"<{node}>")
        if before is not None and unchanged(f"<{node}>", before.footprint):
            checked[f"<{node}>"] = before
    converted: dict[str, list[tuple[DocumentResult, ValidationResult]]] = {}
    to_convert: list[DocumentResult] = []
    for r in kept:
        before_pairs = dict(previous.converted.get(r.focus_node, ()))
        if r in before_pairs and unchanged(r.focus_node, frozenset()):
            converted.setdefault(r.focus_node, []).append((r, before_pairs[r]))
        else:
            to_convert.append(r)
    to_check = sorted(node for node in again if f"<{node}>" not in checked)
    loader = _Loader(documents, rebuild) if rebuild is not None else None
    if loader is not None:
        loader.load({f"<{node}>" for node in to_check} | {r.focus_node for r in to_convert})
    findings: list[Finding] = []
    footprints: dict[str, frozenset[str]] = {}
    types: dict[str, tuple[str, ...]] = {}
    if to_check:
        quads = store if store is not None else _store_of_quads(union)
        for start in range(0, len(to_check), UNION_BATCH):
            batch = to_check[start:start + UNION_BATCH]
            checked_store = _union_store(quads, set(batch), shapes_dir)  # with the ontology: ready to validate
            # a rebuild: load what the checks read, until they read nothing more (a value's types are given from
            # the last build's where no changed triple names the value)
            given: set[str] = set()
            while loader is not None and _load_for(checked_store, batch, previous.types, touched, quads, loader, given):
                checked_store = _union_store(quads, set(batch), shapes_dir)  # what the documents loaded add
            findings += shape_findings(checked_store, shapes_dir, [URIRef(node) for node in batch], engine)
            for node in batch:
                if not keep:
                    footprints[f"<{node}>"] = frozenset()  # its results are all that is wanted
                    continue
                footprint = _footprint(checked_store, node)
                footprints[f"<{node}>"] = footprint
                for value in footprint - _read_whole(checked_store, node):
                    types[value] = tuple(sorted(str(q.object) for q in checked_store.quads_for_pattern(
                        ox.NamedNode(value[1:-1]), _TYPE, None, None)))
    # a result whose source files the evidence alone names (source_files): the evidence is read, and the result
    # is not kept for the next build (whose touched nodes leave the evidence out: incremental.touched_nodes)
    unstated = {node.n3() for node in {_node(r.focus_node) for r in to_convert} | {f.focus_node for f in findings}
                if not stated_in(union, node)}
    if unstated and (complete is not None or rebuild is not None):
        load_everything()
    fresh: dict[str, list[ValidationResult]] = {}
    for finding in findings:
        fresh.setdefault(finding.focus_node.n3(), []).append(report_result(finding, union))
    for node, footprint in footprints.items():
        checked[node] = NodeCheck(footprint, tuple(fresh.get(node, ())))
    for r in to_convert:
        converted.setdefault(r.focus_node, []).append((r, _union_result(r, union)))
    results = [result for check in checked.values() for result in check.results] + [
        result for pairs in converted.values() for _, result in pairs]
    results.sort(key=result_order)
    if not keep:
        return ValidationReport(conforms=not results, results=results), None
    kept_checks = {node: check for node, check in checked.items() if node not in unstated}
    # the types of the values the kept checks read: the last build's where no change names the value, else new
    read = {value for check in kept_checks.values() for value in check.footprint}
    known = {**{node: classes for node, classes in previous.types.items() if node not in touched}, **types}
    state = UnionState(kept_checks, {node: tuple(pairs) for node, pairs in converted.items() if node not in unstated},
                       {node: classes for node, classes in known.items() if node in read})
    return ValidationReport(conforms=not results, results=results), state


def _partition(documents: Iterable[DocumentValidation]) -> tuple[set[str], list[DocumentResult]]:
    """The nodes to check on the union (IRIs), and the documents' results on the others (each result on a
    literal once)."""
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
    return again, kept


def _footprint(checked: ox.Store, node: str) -> frozenset[str]:
    """The nodes (N3) whose triples the union part read for `node` in `checked` (what _union_store selected):
    the node, the nodes its triples point to (values, neighbours, whose types and triples were read) and
    those pointing to it. A triple the selection would add or lose names one of them."""
    focus = ox.NamedNode(node)
    found = {f"<{node}>"}
    # IRIs only: the data has no blank node (else the union is validated whole); the ontology's, in lists
    # naming a property that is a focus node, never change (cyberlex's version keys the state)
    for q in checked.quads_for_pattern(focus, None, None, None):
        if isinstance(q.object, ox.NamedNode):
            found.add(str(q.object))
    for q in checked.quads_for_pattern(None, None, focus, None):
        if isinstance(q.subject, ox.NamedNode):
            found.add(str(q.subject))
    return frozenset(found)


def _read_whole(checked: ox.Store, node: str) -> set[str]:
    """The nodes (N3) of a focus node's footprint whose own triples the checks read (the node itself, its
    neighbours of NEIGHBOUR_READS: every triple, or those of NEIGHBOUR_PREDICATES_READ, whose documents a
    rebuild loads all the same); of the other nodes, its values, they read the types."""
    focus = ox.NamedNode(node)
    whole = {f"<{node}>"}
    for predicate, direction in NEIGHBOUR_READS.values():
        if direction == "out":
            whole.update(str(q.object) for q in checked.quads_for_pattern(focus, ox.NamedNode(predicate), None, None))
        else:
            whole.update(str(q.subject) for q in checked.quads_for_pattern(None, ox.NamedNode(predicate), focus, None))
    return whole


_TYPES_GIVEN = ox.NamedNode("urn:cyberlex:types-of-the-last-build")


def _load_for(checked: ox.Store, batch: list[str], known_types: dict[str, tuple[str, ...]],
              touched: frozenset[str], store: ox.Store, loader: _Loader, given: set[str]) -> bool:
    """Load into a rebuild's `store` what its checks of `batch` read and `checked` lacks: the documents stating
    something about the nodes whose triples they read, and about the values whose types the last build did
    not record or a changed triple names; the recorded types of the other values, in a graph of their own
    (which names no source document), once (`given`). Whether anything was added."""
    wanted: set[str] = set()
    added = False
    for node in batch:
        whole = _read_whole(checked, node)
        wanted |= whole
        for value in _footprint(checked, node) - whole:
            classes = known_types.get(value)
            if classes is None or value in touched or not value.startswith("<"):
                wanted.add(value)
            elif value not in given:
                given.add(value)
                added = True
                subject = ox.NamedNode(value[1:-1])
                store.extend(ox.Quad(subject, _TYPE, _node_of(c), _TYPES_GIVEN) for c in classes)
    return loader.load(wanted) or added


def _node_of(n3: str) -> ox.NamedNode:
    assert n3.startswith("<") and n3.endswith(">"), n3
    return ox.NamedNode(n3[1:-1])


class _Loader:
    """Loads into a rebuild's store the documents that state something about given nodes, each once."""

    def __init__(self, documents: Iterable[DocumentValidation], rebuild: Rebuild) -> None:
        self.documents = list(documents)
        self.rebuild = rebuild
        self.loaded: set[int] = set()
        self.by_node: dict[str, list[int]] = {}
        self.by_namespace: dict[str, int] = {}
        for index, d in enumerate(self.documents):
            for iri in d.nodes:
                self.by_node.setdefault(iri, []).append(index)
            for namespace in d.namespaces:
                self.by_namespace[namespace] = index

    def load(self, nodes: Iterable[str]) -> bool:
        """Load the documents stating something about `nodes` (N3); whether any was not loaded yet."""
        wanted: set[int] = set()
        for node in nodes:
            wanted.update(self._stating(node))
        new = sorted(wanted - self.loaded)
        if new:
            self.rebuild.load_documents(new, False)
        self.loaded.update(new)
        return bool(new)

    def _stating(self, node: str) -> Iterable[int]:
        if not node.startswith("<"):  # a literal: any document may state it
            return range(len(self.documents))
        iri = node[1:-1]
        found = list(self.by_node.get(iri, ()))
        cut = iri.find("/")
        while cut != -1:  # the document whose own node it is (its namespace, `<graph>/`)
            owner = self.by_namespace.get(iri[:cut + 1])
            if owner is not None:
                found.append(owner)
            cut = iri.find("/", cut + 1)
        return found


def _shared_nodes(documents: Iterable[DocumentValidation], in_memory_up_to: int = 200_000) -> set[str]:
    """The nodes that more than one document states something about. The candidates grow with the corpus
    (every document's clauses are among them): up to `in_memory_up_to` of them they are counted in a
    dictionary, past that by an external sort, with memory holding one chunk of them at a time, and the
    shared ones, which are few."""
    counted: dict[str, int] = {}
    for d in documents:
        for node in d.nodes:  # a document names a node once (its nodes are a set)
            counted[node] = counted.get(node, 0) + 1
        if len(counted) > in_memory_up_to:
            break
    else:
        return {node for node, times in counted.items() if times > 1}
    del counted
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


def _read_quads(quads: Iterable[ox.Quad], own: tuple[str, ...],
                shapes_dir: Path | None) -> tuple[set[str], bool, bool]:
    """What validate_document reads from a document's quads, in one pass (each term is read once: reading
    one makes a Python object): the IRIs it states something about (subjects, and objects other than
    classes); whether it is free of blank nodes and subclass axioms (else it is validated with the union);
    and whether the union part may read a quad about one of its own nodes (namespaces `own`) while checking
    a node of other documents: a quad from an own node to another node by a predicate read backwards (an
    inverse path, sh:targetObjectsOf, a SHACL-SPARQL shape's neighbour), or one from another node to an
    own node (whose types, triples or evidence would be read as a value's or a neighbour's)."""
    every_one, one_suffices = _read_backwards(shapes_dir)
    backwards = every_one | one_suffices
    found: set[str] = set()
    splittable = True
    own_read = False
    for q in quads:
        subject, predicate, obj = q.subject, q.predicate, q.object
        subject_own = False
        if isinstance(subject, ox.NamedNode):
            subject_iri = subject.value
            found.add(subject_iri)
            subject_own = subject_iri.startswith(own)
        else:
            splittable = False
        if isinstance(obj, ox.NamedNode):
            object_iri = obj.value
            if predicate != _TYPE:
                found.add(object_iri)
            object_own = object_iri.startswith(own)
            if object_own != subject_own and (object_own or predicate in backwards):
                own_read = True
        elif isinstance(obj, ox.BlankNode):
            splittable = False
        if predicate == _SUBCLASS:
            splittable = False
    return found, splittable, own_read


def _neighbour_pairs(store: ox.Store) -> set[tuple[str, str]]:
    """The pairs (focus node, neighbour) of the graphs of `store` whose neighbour's triples a shape of
    NEIGHBOUR_READS reads: found by the predicate that leads to it, with the store's index."""
    pairs = set()
    for p, direction in set(NEIGHBOUR_READS.values()):  # two shapes read by one predicate
        for q in store.quads_for_pattern(None, ox.NamedNode(str(p)), None, None):
            subject, obj = q.subject, q.object
            if isinstance(subject, ox.NamedNode) and isinstance(obj, ox.NamedNode):
                pairs.add((subject.value, obj.value) if direction == "out" else (obj.value, subject.value))
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
    forwards = {ox.NamedNode(str(p)): _neighbour_predicates(p) for p, direction in NEIGHBOUR_READS.values()
                if direction == "out"}
    backwards = {ox.NamedNode(str(p)) for p, direction in NEIGHBOUR_READS.values() if direction == "in"}
    # Reading a term of a quad makes a new Python object, and making a Quad costs more: each is done once
    # per quad read (a node's triple is often in several documents' graphs: the dict keeps one of each).
    triples: dict[ox.Quad, None] = {}
    values: set[Any] = set()
    read_from: dict[Any, frozenset[ox.NamedNode] | None] = {}  # a neighbour: the predicates read of it (None: all)
    pointed_to: set[Any] = set()
    for node in focus:
        for predicate, obj in _predicate_objects(store, node, triples):
            if isinstance(obj, ox.Literal):
                continue  # no triple's subject: nothing to read from it
            if predicate in forwards:
                read_from[obj] = _read_also(read_from.get(obj, frozenset()), forwards[predicate])
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
    for node, predicates in read_from.items():
        if node in focus:
            continue
        if predicates is None:
            _predicate_objects(store, node, triples)
            continue
        for predicate in predicates:
            for q in store.quads_for_pattern(node, predicate, None, None):
                triples.setdefault(ox.Quad(node, predicate, q.object), None)
    for node in pointed_to:
        for q in store.quads_for_pattern(None, None, node, None):
            triples.setdefault(ox.Quad(q.subject, q.predicate, node), None)
    out = ox.Store()
    out.bulk_extend(triples)
    out.bulk_extend(ontology_quads())  # as validate mixes it into the data
    return out


def _neighbour_predicates(predicate: URIRef) -> frozenset[ox.NamedNode] | None:
    """The predicates read of a neighbour reached by `predicate` (NEIGHBOUR_PREDICATES_READ; None: all)."""
    read = NEIGHBOUR_PREDICATES_READ.get(predicate)
    return frozenset(ox.NamedNode(str(p)) for p in read) if read is not None else None


def _read_also(read: frozenset[ox.NamedNode] | None,
               more: frozenset[ox.NamedNode] | None) -> frozenset[ox.NamedNode] | None:
    """The predicates read of a neighbour that two predicates lead to (None: all of its triples)."""
    return None if read is None or more is None else read | more


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
