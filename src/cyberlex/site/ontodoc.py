"""Documentation of the ontology as one HTML page: an anchor per class and property.

Why not pyLODE: the newest pyLODE that installs on Python 3.11 (3.4.1) fails at import (it reads a
pyproject.toml that its wheel does not ship); 3.3.4 runs with rdflib 7, but its output changes from
run to run (the members of an owl:unionOf are ordered by random blank-node ids), which breaks
byte-identical releases, and it brings httpx, dominate, markdown, html5lib and tqdm. This page is
made from the same sources pyLODE reads (labels, skos:definition, domains, ranges, sub-class and
sub-property axioms, characteristics, close matches), sorted, with the look of the linked-data
pages (templates/ontology.html extends their layout), and no JavaScript.
``https://w3id.org/cyberlex/ontology#Instrument`` is ``#Instrument`` here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from cyberlex.site.html import Term
from cyberlex.site.templating import html_template
from cyberlex.vocab import CLX, compact, vocabulary_prefixes


def _curie(node: object) -> str:
    text = str(node)
    return compact(text, vocabulary_prefixes(), unknown=str)


def _text(graph: Graph, node: Any, prop: URIRef) -> str:
    values = sorted(graph.objects(node, prop), key=lambda v: (getattr(v, "language", None) != "en", str(v)))
    return str(values[0]) if values else ""


def _ref(node: object, graph: Graph) -> list[Term]:
    """A term as links: in-page for our terms, out for others; a union as its members ('A or B')."""
    if isinstance(node, BNode):
        members = next(graph.objects(node, OWL.unionOf), None)
        if members is not None:
            return [term for member in Collection(graph, members) for term in _ref(member, graph)]
        return [Term("(anonymous)")]
    if str(node).startswith(CLX.iri):
        return [Term(_curie(node), "#" + str(node)[len(CLX.iri):])]
    return [Term(_curie(node), str(node))]


def _order(ref: list[Term]) -> list[tuple[int, str]]:
    """Where a reference goes in a list: unnamed ones first, then our terms, then others; each by name."""
    return [(0 if term.href is None else 1 if term.href.startswith("#") else 2, term.href or "") for term in ref]


def _refs(nodes: Sequence[object], graph: Graph) -> list[list[Term]]:
    return sorted((_ref(n, graph) for n in nodes), key=_order)


def render(path: Path) -> str:
    """The HTML documentation of the ontology in a Turtle file."""
    graph = Graph().parse(path, format="turtle")
    ontology = next((s for s in graph.subjects(RDF.type, OWL.Ontology) if isinstance(s, URIRef)), None)
    metadata = []
    if ontology is not None:
        for name, prop in (("Version IRI", OWL.versionIRI), ("Version", OWL.versionInfo),
                           ("Licence", DCTERMS.license), ("Creator", DCTERMS.creator), ("See also", RDFS.seeAlso)):
            values = sorted(graph.objects(ontology, prop), key=str)
            if values:
                metadata.append((name, [Term(str(v)) if isinstance(v, Literal) else Term(str(v), str(v))
                                        for v in values]))
    classes = _terms(graph, OWL.Class)
    object_props = _terms(graph, OWL.ObjectProperty)
    data_props = _terms(graph, OWL.DatatypeProperty)
    properties = object_props + data_props
    kinds = [(heading, anchor, [_ref(t, graph) for t in terms],
              [_section(graph, t, classes, properties) for t in terms])
             for heading, anchor, terms in (("Classes", "classes", classes),
                                            ("Object properties", "object-properties", object_props),
                                            ("Datatype properties", "datatype-properties", data_props))]
    return html_template("ontology.html").render(
        title=_text(graph, ontology, DCTERMS.title) or "Ontology", ontology=ontology, metadata=metadata,
        namespace=CLX.iri, description=_text(graph, ontology, DCTERMS.description), kinds=kinds)


def _terms(graph: Graph, kind: URIRef) -> list[URIRef]:
    """The clx: terms of one kind, sorted."""
    return sorted(s for s in graph.subjects(RDF.type, kind) if isinstance(s, URIRef) and str(s).startswith(CLX.iri))


def _section(graph: Graph, term: URIRef, classes: list[URIRef], properties: list[URIRef]) -> dict[str, Any]:
    """What the section of one term shows: rows of text (a str) or of references (a list)."""
    local = str(term)[len(CLX.iri):]
    rows: list[tuple[str, str | list[list[Term]]]] = []
    definition = _text(graph, term, SKOS.definition) or _text(graph, term, RDFS.comment)
    if definition:
        rows.append(("Definition", definition))
    rows.append(("Type", ", ".join(sorted(_curie(t) for t in graph.objects(term, RDF.type)))))
    for name, prop in (("Sub-class of", RDFS.subClassOf), ("Sub-property of", RDFS.subPropertyOf),
                       ("Domain", RDFS.domain), ("Range", RDFS.range), ("Disjoint with", OWL.disjointWith),
                       ("Close match", SKOS.closeMatch)):
        values = list(graph.objects(term, prop))
        if values:
            rows.append((name, _refs(values, graph)))
    if term in classes:
        subclasses = [c for c in classes if (c, RDFS.subClassOf, term) in graph]
        if subclasses:
            rows.append(("Super-class of", _refs(subclasses, graph)))

        def mentions(prop: URIRef, where: URIRef) -> bool:
            for value in graph.objects(prop, where):
                if value == term:
                    return True
                union = next(graph.objects(value, OWL.unionOf), None) if isinstance(value, BNode) else None
                if union is not None and term in list(Collection(graph, union)):
                    return True
            return False

        in_domain = [p for p in properties if mentions(p, RDFS.domain)]
        in_range = [p for p in properties if mentions(p, RDFS.range)]
        if in_domain:
            rows.append(("In the domain of", _refs(in_domain, graph)))
        if in_range:
            rows.append(("In the range of", _refs(in_range, graph)))
    else:
        subproperties = [p for p in properties if (p, RDFS.subPropertyOf, term) in graph]
        if subproperties:
            rows.append(("Super-property of", _refs(subproperties, graph)))
    return {"iri": str(term), "local": local, "label": _text(graph, term, RDFS.label) or local, "rows": rows}
