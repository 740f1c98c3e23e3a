"""Integrity of ontology/cyberlex.ttl and its agreement with the shapes, one test per rule."""

from __future__ import annotations

import re

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS

from cyberlex.resources import data_path

CLX = "https://w3id.org/cyberlex/ontology#"
ONTOLOGY_IRI = URIRef("https://w3id.org/cyberlex/ontology")
ONTOLOGY = Graph().parse(data_path("ontology") / "cyberlex.ttl", format="turtle")
SHAPES_DIR = data_path("shapes")
SHAPES = Graph()
for _path in sorted(SHAPES_DIR.glob("*.ttl")):
    SHAPES.parse(_path, format="turtle")
SHAPES_TEXT = "\n".join(p.read_text(encoding="utf-8") for p in sorted(SHAPES_DIR.glob("*.ttl")))

TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)


def clx_subjects(cls: URIRef) -> set[URIRef]:
    """The clx: terms typed ``cls`` in the ontology."""
    return {s for s in ONTOLOGY.subjects(RDF.type, cls) if isinstance(s, URIRef) and s.startswith(CLX)}


DECLARED = set().union(*(clx_subjects(t) for t in TERM_TYPES))
CLASSES = sorted(s for s in DECLARED if (s, RDF.type, OWL.Class) in ONTOLOGY)
PROPERTIES = sorted(DECLARED - set(CLASSES))


def clx_terms(graph: Graph) -> set[URIRef]:
    return {t for triple in graph for t in triple if isinstance(t, URIRef) and str(t).startswith(CLX)}


def clx_terms_in_sparql() -> set[URIRef]:
    """clx: terms written as CURIEs inside the SHACL-SPARQL queries."""
    queries = " ".join(str(q) for q in SHAPES.objects(None, SH.select))
    return {URIRef(CLX + name) for name in re.findall(r"\bclx:([A-Za-z]\w*)", queries)}


def superclasses(cls: URIRef) -> set[URIRef]:
    return {c for c in ONTOLOGY.transitive_objects(cls, RDFS.subClassOf) if isinstance(c, URIRef)}


def test_ontology_header() -> None:
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ONTOLOGY
    from cyberlex import __version__  # the one place the version is written (pyproject reads it too)

    assert ONTOLOGY.value(ONTOLOGY_IRI, OWL.versionIRI) == URIRef(str(ONTOLOGY_IRI) + "/" + __version__)
    assert ONTOLOGY.value(ONTOLOGY_IRI, OWL.versionInfo) == Literal(__version__)
    assert ONTOLOGY.value(ONTOLOGY_IRI, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.creator):
        assert ONTOLOGY.value(ONTOLOGY_IRI, prop) is not None, f"the ontology has no {prop}"


@pytest.mark.parametrize(
    "term", sorted(clx_terms(ONTOLOGY) | clx_terms(SHAPES) | clx_terms_in_sparql()), ids=lambda t: t.removeprefix(CLX)
)
def test_term_is_declared_labelled_defined(term: URIRef) -> None:
    assert term in DECLARED, f"{term} is used but not declared as a class or property in the ontology"
    for prop in (RDFS.label, SKOS.definition):
        values = list(ONTOLOGY.objects(term, prop))
        assert any(isinstance(v, Literal) and v.language == "en" for v in values), f"{term}: no {prop} in English"
    assert ONTOLOGY.value(term, RDFS.isDefinedBy) == ONTOLOGY_IRI


@pytest.mark.parametrize("cls", CLASSES, ids=lambda t: t.removeprefix(CLX))
def test_class_is_targeted_by_a_shape(cls: URIRef) -> None:
    targeted = set(SHAPES.objects(None, SH.targetClass))
    assert ({cls} | superclasses(cls)) & targeted, f"no shape targets {cls} or a superclass"


@pytest.mark.parametrize("prop", PROPERTIES, ids=lambda t: t.removeprefix(CLX))
def test_property_has_domain_range_and_a_shape(prop: URIRef) -> None:
    assert ONTOLOGY.value(prop, RDFS.domain) is not None, f"{prop} has no rdfs:domain"
    assert ONTOLOGY.value(prop, RDFS.range) is not None, f"{prop} has no rdfs:range"
    assert prop in clx_terms(SHAPES) | clx_terms_in_sparql(), f"no shape checks {prop}"


@pytest.mark.parametrize("prop", sorted(clx_subjects(OWL.FunctionalProperty)), ids=lambda t: t.removeprefix(CLX))
def test_functional_property_has_max_count_one(prop: URIRef) -> None:
    shapes = set(SHAPES.subjects(SH.path, prop))
    assert any(SHAPES.value(s, SH.maxCount) == Literal(1) for s in shapes), f"no shape says {prop} maxCount 1"


@pytest.mark.parametrize("prop", sorted(clx_subjects(OWL.InverseFunctionalProperty)), ids=lambda t: t.removeprefix(CLX))
def test_inverse_functional_property_has_inverse_max_count_one(prop: URIRef) -> None:
    paths = set(SHAPES.subjects(SH.inversePath, prop))
    shapes = {s for p in paths for s in SHAPES.subjects(SH.path, p)}
    assert any(SHAPES.value(s, SH.maxCount) == Literal(1) for s in shapes), f"no shape says ^{prop} maxCount 1"


def test_every_instrument_kind_is_an_instrument() -> None:
    kinds = (
        "Resolution",
        "Decision",
        "Convention",
        "Protocol",
        "Declaration",
        "Document",
        "Report",
        "Note",
        "PresidentialStatement",
        "Statement",
        "Programme",
        "Norms",
    )
    for kind in kinds:
        assert URIRef(CLX + "Instrument") in superclasses(URIRef(CLX + kind)), kind


def test_on_report_is_not_a_citation() -> None:
    supers = set(ONTOLOGY.transitive_objects(URIRef(CLX + "onReport"), RDFS.subPropertyOf))
    assert URIRef(CLX + "cites") not in supers


def test_endorses_is_a_citation() -> None:
    assert (URIRef(CLX + "endorses"), RDFS.subPropertyOf, URIRef(CLX + "cites")) in ONTOLOGY


def test_ontology_has_no_instances_of_its_classes() -> None:
    """The evaluation reads the ontology with the graph: an individual here would count as an entity."""
    typed = {s for s, o in ONTOLOGY.subject_objects(RDF.type) if str(o).startswith(CLX)}
    assert not typed
