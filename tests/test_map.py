"""Stage 5, map: an Extraction becomes quads: IRIs from keys, no blank nodes, evidence for every fact."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, Quad

from cyberlex import vocab
from cyberlex.map import Mapper
from cyberlex.models import Extraction, Segments, SourceText
from cyberlex.vocab import DEFAULT_BASE, prefixes

Document = tuple[SourceText, Segments, Extraction]

RDF = prefixes()["rdf"]
XSD = prefixes()["xsd"]
OA = prefixes()["oa"]
PROV = prefixes()["prov"]
DCTERMS = prefixes()["dcterms"]
TYPE = NamedNode(RDF + "type")
VOCABULARIES = tuple(iri for name, iri in prefixes().items() if name != "id")

RESERVATION = """\
United Nations

A/RES/75/240

General Assembly

Resolution adopted by the General Assembly on 31 December 2020

75/240. An invented question

The General Assembly,

Recalling its resolution 73/266 of 22 December 2018,

1. Decides to remain seized of the matter.

50th plenary meeting
31 December 2020

The delegation of India expressed reservations on operative paragraph 25.
"""


def clx(name: str) -> NamedNode:
    return NamedNode(vocab.CLX[name])  # a misspelt term fails here rather than finding nothing


def objects(quads: list[Quad], subject: NamedNode, predicate: NamedNode) -> list:
    """The objects, once each (a store holds a quad once however often the mapper yields it)."""
    return list(dict.fromkeys(q.object for q in quads if q.subject == subject and q.predicate == predicate))


def subjects_of_type(quads: list[Quad], cls: NamedNode) -> set[NamedNode]:
    return {q.subject for q in quads if q.predicate == TYPE and q.object == cls}


@pytest.fixture
def ga_quads(ga_document: Document) -> list[Quad]:
    return Mapper().map(ga_document[2])


def test_iris_follow_the_design(ga_quads: list[Quad]) -> None:
    base = "https://w3id.org/cyberlex/id/"
    op2 = NamedNode(base + "A-RES-73-187/op/2")
    assert clx("OperativeClause") in objects(ga_quads, op2, TYPE)
    assert op2 in objects(ga_quads, NamedNode(base + "A-RES-73-187"), clx("hasClause"))
    assert clx("PreambularClause") in objects(ga_quads, NamedNode(base + "A-RES-73-187/pre/1"), TYPE)
    assert clx("Resolution") in objects(ga_quads, NamedNode(base + "A-RES-73-187"), TYPE)
    assert clx("Body") in objects(ga_quads, NamedNode(base + "body/unga"), TYPE)
    assert NamedNode(base + "source/a-res-73-187-en-txt") in subjects_of_type(ga_quads, clx("SourceDocument"))
    assert NamedNode(base + "A-RES-65-230") in objects(ga_quads, NamedNode(base + "A-RES-73-187/pre/1"),
                                                       clx("cites"))


def test_no_blank_nodes_anywhere(ga_quads: list[Quad]) -> None:
    for quad in ga_quads:
        assert not isinstance(quad.subject, BlankNode), quad
        assert not isinstance(quad.object, BlankNode), quad
        assert isinstance(quad.graph_name, NamedNode), quad


def test_every_clause_has_one_ordinal_and_one_owner(ga_quads: list[Quad]) -> None:
    clauses = subjects_of_type(ga_quads, clx("PreambularClause")) | subjects_of_type(ga_quads, clx("OperativeClause"))
    assert len(clauses) == 6
    for node in clauses:
        ordinals = objects(ga_quads, node, clx("ordinal"))
        assert len(ordinals) == 1, node
        assert isinstance(ordinals[0], Literal)
        assert ordinals[0].datatype == NamedNode(XSD + "integer")
        assert int(ordinals[0].value) >= 1
        assert node.value.endswith(f"/{ordinals[0].value}")
        owners = {q.subject for q in ga_quads if q.predicate == clx("hasClause") and q.object == node}
        assert len(owners) == 1, node
        texts = objects(ga_quads, node, clx("text"))
        assert len(texts) == 1 and texts[0].language == "en"


def test_evidence_spans_and_statements(ga_document: Document, ga_quads: list[Quad]) -> None:
    """One clx:Evidence node per span (source, offsets, quote); one reified statement per fact, linked to
    its span; all in the document's evidence graph, none in the document's graph of facts."""
    source = ga_document[0]
    source_iri = NamedNode(DEFAULT_BASE + "source/a-res-73-187-en-txt")
    evidence_graph = NamedNode(source_iri.value + "/evidence")
    spans = subjects_of_type(ga_quads, clx("Evidence"))
    assert spans
    for node in spans:
        (start,) = objects(ga_quads, node, NamedNode(OA + "start"))
        (end,) = objects(ga_quads, node, NamedNode(OA + "end"))
        assert node.value == f"{evidence_graph.value}/{start.value}-{end.value}"
        assert objects(ga_quads, node, NamedNode(PROV + "wasDerivedFrom")) == [source_iri]
        assert start.datatype == end.datatype == NamedNode(XSD + "nonNegativeInteger")
        assert 0 <= int(start.value) < int(end.value) <= len(source.text)
        (exact,) = objects(ga_quads, node, NamedNode(OA + "exact"))
        assert exact.value == " ".join(source.text[int(start.value):int(end.value)].split())[:300]
    facts = {(q.subject, q.predicate, q.object) for q in ga_quads if q.graph_name == source_iri}
    statements = {q.subject for q in ga_quads if q.predicate == clx("evidence")}
    assert {o for q in ga_quads if q.predicate == clx("evidence") for o in [q.object]} == spans  # no span unused
    for node in statements:
        (span,) = objects(ga_quads, node, clx("evidence"))
        assert node.value.startswith(span.value + "/")  # …/evidence/<start>-<end>/<property>/<n>
        (subject,) = objects(ga_quads, node, NamedNode(RDF + "subject"))
        (predicate,) = objects(ga_quads, node, NamedNode(RDF + "predicate"))
        (obj,) = objects(ga_quads, node, NamedNode(RDF + "object"))
        assert (subject, predicate, obj) in facts, "evidence for a statement the graph does not make"
    evidence_quads = [q for q in ga_quads if q.subject in spans | statements]
    assert {q.graph_name for q in evidence_quads} == {evidence_graph}
    assert not [q for q in ga_quads if q.graph_name == evidence_graph and q not in evidence_quads]


def test_every_fact_read_from_the_samples_has_a_statement_with_its_span_and_quote() -> None:
    """Traceability: for every statement, mention, clause and reservation extracted from the samples, the
    graph has a reified statement of that fact linked to a span with the offsets and quote it was read from."""
    from pathlib import Path

    from cyberlex.extract import extract
    from cyberlex.read import read
    from cyberlex.segment import segment

    samples = Path(__file__).resolve().parents[1] / "samples"
    checked = 0
    for path in sorted(samples.glob("*.*")):
        if path.name == "README.md":
            continue
        source = read(path)
        extraction = extract(segment(source))
        quads = Mapper().map(extraction)
        quote_of = {(int(objects(quads, q.subject, NamedNode(OA + "start"))[0].value),
                     int(objects(quads, q.subject, NamedNode(OA + "end"))[0].value)):
                    objects(quads, q.subject, NamedNode(OA + "exact")) for q in quads
                    if q.predicate == TYPE and q.object == clx("Evidence")}
        traced: set[tuple[str, str, str, int, int]] = set()
        for q in quads:
            if q.predicate != clx("evidence"):
                continue
            (start,) = objects(quads, q.object, NamedNode(OA + "start"))
            (end,) = objects(quads, q.object, NamedNode(OA + "end"))
            for s in objects(quads, q.subject, NamedNode(RDF + "subject")):
                for p in objects(quads, q.subject, NamedNode(RDF + "predicate")):
                    for o in objects(quads, q.subject, NamedNode(RDF + "object")):
                        traced.add((str(s), str(p), str(o), int(start.value), int(end.value)))
        spans = [s.span for s in extraction.statements] + list(extraction.mentions.values()) \
            + [c.span for c in extraction.clauses if c.span is not None and c.text is not None] \
            + [r.span for r in extraction.reservations]
        for span in spans:
            expected = " ".join(source.text[span.start:span.end].split())[:300]
            assert quote_of[(span.start, span.end)] == ([Literal(expected)] if expected else []), (path.name, span)
            checked += 1
        for statement in extraction.statements:
            assert any(s == str(Mapper().iri(statement.subject.key)) and (start, end) == (
                statement.span.start, statement.span.end) for s, _p, _o, start, end in traced), (path.name, statement)
    assert checked > 100  # every sample has facts


def test_evidence_of_a_citation_quotes_it(ga_quads: list[Quad]) -> None:
    cites = [q for q in ga_quads if q.predicate == NamedNode(RDF + "object")
             and q.object == NamedNode(DEFAULT_BASE + "A-RES-55-63")]
    quotes = {objects(ga_quads, span, NamedNode(OA + "exact"))[0].value for q in cites
              if objects(ga_quads, q.subject, NamedNode(RDF + "predicate")) == [clx("cites")]
              for span in objects(ga_quads, q.subject, clx("evidence"))}
    assert quotes == {"55/63"}


def test_source_document(ga_document: Document, ga_quads: list[Quad]) -> None:
    source = ga_document[0]
    node = NamedNode(DEFAULT_BASE + "source/a-res-73-187-en-txt")
    assert objects(ga_quads, node, clx("fileName")) == [Literal("A-RES-73-187.en.txt")]
    assert objects(ga_quads, node, clx("sha256")) == [Literal(source.sha256)]
    assert objects(ga_quads, node, NamedNode(DCTERMS + "language")) == [
        Literal("en", datatype=NamedNode(XSD + "language"))]
    assert objects(ga_quads, node, NamedNode(DCTERMS + "format")) == [Literal("text/plain")]
    records = objects(ga_quads, node, clx("records"))
    assert NamedNode(DEFAULT_BASE + "A-RES-73-187") in records
    assert all(r.value.startswith(DEFAULT_BASE + "A-RES-73-187") for r in records)  # its annexes, if any
    assert NamedNode(DEFAULT_BASE + "body/ccpcj") in objects(ga_quads, node, clx("mentions"))


def test_named_graphs(ga_quads: list[Quad]) -> None:
    graphs = {q.graph_name for q in ga_quads}
    assert graphs == {NamedNode(DEFAULT_BASE + "source/a-res-73-187-en-txt"),
                      NamedNode(DEFAULT_BASE + "source/a-res-73-187-en-txt/evidence"),
                      NamedNode(DEFAULT_BASE + "graph/gazetteer")}
    reference = [q for q in ga_quads if q.graph_name == NamedNode(DEFAULT_BASE + "graph/gazetteer")]
    assert any(q.subject == NamedNode(DEFAULT_BASE + "body/unga")
               and q.predicate == NamedNode(prefixes()["owl"] + "sameAs") for q in reference)


def test_typed_metadata(ga_quads: list[Quad]) -> None:
    record = NamedNode(DEFAULT_BASE + "A-RES-73-187")
    assert objects(ga_quads, record, clx("adoptionDate")) == [
        Literal("2018-12-17", datatype=NamedNode(XSD + "date"))]
    assert objects(ga_quads, record, NamedNode(DCTERMS + "identifier")) == [Literal("A/RES/73/187")]
    (title,) = objects(ga_quads, record, NamedNode(DCTERMS + "title"))
    assert title.language == "en"
    assert objects(ga_quads, record, clx("onReport")) == [NamedNode(DEFAULT_BASE + "A-73-589")]


def test_custom_base_iri(ga_document: Document) -> None:
    base = "https://example.org/kg/"
    quads = Mapper(base).map(ga_document[2])
    op2 = NamedNode(base + "A-RES-73-187/op/2")
    assert clx("OperativeClause") in objects(quads, op2, TYPE)
    for quad in quads:
        for term in (quad.subject, quad.predicate, quad.object, quad.graph_name):
            if isinstance(term, NamedNode):
                assert not term.value.startswith(DEFAULT_BASE), quad
                assert term.value.startswith((base, *VOCABULARIES)), quad


def test_mapping_is_deterministic(ga_document: Document) -> None:
    assert Mapper().map(ga_document[2]) == Mapper().map(ga_document[2])


def test_reservation_and_reference_only_clause(run_pipeline: Callable[..., Document]) -> None:
    _, _, extraction = run_pipeline(RESERVATION, "res.txt")
    quads = Mapper().map(extraction)
    record = NamedNode(DEFAULT_BASE + "A-RES-75-240")
    node = NamedNode(DEFAULT_BASE + "A-RES-75-240/reservation/ind/op/25")
    target = NamedNode(DEFAULT_BASE + "A-RES-75-240/op/25")
    assert objects(quads, record, clx("hasReservation")) == [node]
    assert objects(quads, node, TYPE) == [clx("Reservation")]
    assert objects(quads, node, clx("madeBy")) == [NamedNode(DEFAULT_BASE + "state/ind")]
    assert objects(quads, node, clx("concerns")) == [target]
    assert len(objects(quads, node, clx("text"))) == 1
    assert objects(quads, target, clx("ordinal")) == [Literal("25", datatype=NamedNode(XSD + "integer"))]
    assert objects(quads, target, clx("text")) == []  # a reference only
    assert target in objects(quads, record, clx("hasClause"))
    assert clx("State") in objects(quads, NamedNode(DEFAULT_BASE + "state/ind"), TYPE)
