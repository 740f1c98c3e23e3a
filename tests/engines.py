"""A second SHACL engine for the shape tests: pyrudof (rudof, in Rust), independent of pySHACL.

`verdicts` runs one engine and gives what the engines must agree on: whether the graph conforms, and
which focus nodes each shape reports (blank nodes all as "_:", since each engine names them its own
way). Both engines get the same data: the graph's triples (all named graphs as one) and the ontology,
copied into one Oxigraph store as `cyberlex.validate` does, so pyrudof reads the integers Oxigraph
writes (xsd:integer: see shapes/evidence.ttl).
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pyrudof
from rdflib import BNode, Graph

from cyberlex.validate import _copy_to_store, load_shapes, ontology_quads, validate

Verdicts = tuple[bool, frozenset[tuple[str, str]]]


def pyshacl_verdicts(data: Graph, shapes_dir: Path | None = None) -> Verdicts:
    """cyberlex.validate (cyberlex.shacl, which gives pySHACL's results): conforms, and {(shape, focus node)}."""
    report = validate(data, shapes_dir=shapes_dir)
    pairs = {(_local(str(r.source_shape)), _node(r.focus_node)) for r in report.results}
    return report.conforms, frozenset(pairs)


def rudof_verdicts(data: Graph, shapes_dir: Path | None = None) -> Verdicts:
    """pyrudof's native engine on the same triples and shapes."""
    conforms, results = rudof_validate(data, shapes_dir)
    return conforms, frozenset((_local(e.source_shape or ""), _focus(e.focus_node)) for e in results)


def rudof_validate(data: Graph, shapes_dir: Path | None = None) -> tuple[bool, list[pyrudof.ShaclValidationEntry]]:
    """Validate ``data`` (with the ontology mixed in) against the shapes with pyrudof."""
    store = _copy_to_store(data, ontology_quads())
    triples = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    rudof.read_data(triples.decode("utf-8"), format=pyrudof.RDFFormat.NTriples)
    rudof.read_shacl(load_shapes(shapes_dir).serialize(format="turtle"))
    report = rudof.validate_shacl()
    return bool(report.conforms), list(report.violations)


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1]


def _node(node: object) -> str:
    return "_:" if isinstance(node, BNode) else str(node)


def _focus(text: str) -> str:
    """pyrudof gives IRIs bare and blank nodes as _:label (or a bare label)."""
    return text if text.startswith(("http://", "https://", "urn:")) else "_:"
