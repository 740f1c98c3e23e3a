"""Validation in parts (cyberlex.validate_parts) gives the report of the union (cyberlex.validate.validate).

Every shape example is validated whole and cut into documents three ways (as it is; one document per
subject, so that every node something points to is shared; spread over three documents, some
triples in two): the reports must be the same, result for result (blank node labels aside, which
each parse names anew).
"""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH, XSD

from cyberlex import validate_parts as validate_parts_module
from cyberlex.build import ValidationLog, build, sample_corpus
from cyberlex.evidence import evidence_graph, is_evidence_graph
from cyberlex.validate import validate
from cyberlex.validate_parts import (
    DocumentValidation,
    _shared_nodes,
    own_lines_last,
    own_namespaces_in,
    splittable_shapes,
    validate_by_graph,
    validate_document,
    validate_parts,
)
from cyberlex.vocab import CLX as ONTOLOGY
from test_shapes import INVALID, VALID, load

ID = "https://w3id.org/cyberlex/id/"


class _Terms:
    """The ontology's terms as rdflib terms (a misspelt one fails, as in cyberlex.vocab)."""

    def __getattr__(self, name: str) -> URIRef:
        return URIRef(getattr(ONTOLOGY, name))


CLX = _Terms()


def same(report_a: str, report_b: str) -> bool:
    def unlabelled(text: str) -> str:
        return re.sub(r"_:\w+", "_:b", text)

    return unlabelled(report_a) == unlabelled(report_b)


def cut(data: Graph, how: str) -> Dataset:
    """The triples of `data` as documents (named graphs): one per subject, or spread over three."""
    triples = sorted(((s, p, o) for s, p, o, *_ in (data.quads() if isinstance(data, Dataset) else data)),
                     key=lambda t: tuple(map(str, t)))
    ds = Dataset()
    names: dict[object, URIRef] = {}
    for i, (s, p, o) in enumerate(triples):
        if how == "by subject":
            ds.graph(names.setdefault(s, URIRef(f"urn:doc:{len(names)}"))).add((s, p, o))
        else:
            ds.graph(URIRef(f"urn:doc:{i % 3}")).add((s, p, o))
            if i % 5 == 0:
                ds.graph(URIRef(f"urn:doc:{(i + 1) % 3}")).add((s, p, o))
    return ds


def test_cyberlex_shapes_are_split() -> None:
    """No shape of cyberlex reads further than the parts follow: no document is validated with the union."""
    assert splittable_shapes()


@pytest.mark.parametrize("path", VALID + INVALID, ids=lambda p: p.name)
@pytest.mark.parametrize("how", ["as it is", "by subject", "spread"])
def test_parts_give_the_union_report(path: Path, how: str) -> None:
    data = load(path)
    whole = validate(data)
    parts = validate_by_graph(data if how == "as it is" else cut(data, how))
    assert parts.conforms == whole.conforms
    assert same(parts.to_json(), whole.to_json()), f"{parts.to_text()}\n---\n{whole.to_text()}"


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_the_union_checked_a_node_at_a_time_gives_the_same_report(path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The nodes checked again on the union are validated in batches (UNION_BATCH): batches of one node."""
    monkeypatch.setattr(validate_parts_module, "UNION_BATCH", 1)
    data = cut(load(path), "spread")
    whole = validate(data)
    parts = validate_by_graph(data)
    assert same(parts.to_json(), whole.to_json()), f"{parts.to_text()}\n---\n{whole.to_text()}"


def two_documents(first: list[tuple], second: list[tuple]) -> Dataset:
    ds = Dataset()
    for name, triples in (("a", first), ("b", second)):
        graph = ds.graph(URIRef(f"{ID}source/{name}-txt"))
        for triple in triples:
            graph.add(triple)
    return ds


def test_a_count_over_two_documents_is_found_on_the_union() -> None:
    """Each document gives the resolution one adoption date (alone, both conform); together, two."""
    res = URIRef(ID + "S-RES-1-2021")
    date = XSD.date
    ds = two_documents([(res, RDF.type, CLX.Resolution), (res, CLX.adoptionDate, Literal("2021-09-15", datatype=date))],
                       [(res, RDF.type, CLX.Resolution), (res, CLX.adoptionDate, Literal("2021-09-30", datatype=date))])
    report = validate_by_graph(ds)
    assert [(r.focus_node, r.constraint) for r in report.results] == [(res, "MaxCountConstraintComponent")]
    assert report.to_text() == validate(ds).to_text()


def test_a_literal_clause_of_a_shared_instrument_is_reported_as_on_the_union() -> None:
    """A literal where a clause belongs (a neighbour a SHACL-SPARQL shape reads) has no triples to read: the
    union part once asked the store for a literal's triples and failed."""
    res = URIRef(ID + "S-RES-1-2021")
    ds = two_documents([(res, RDF.type, CLX.Resolution), (res, CLX.hasClause, Literal("1. Decides"))],
                       [(res, RDF.type, CLX.Resolution)])
    report = validate_by_graph(ds)
    assert not report.conforms
    assert report.to_text() == validate(ds).to_text()


def test_a_value_typed_in_another_document_satisfies_sh_class() -> None:
    """Alone, the first document's body is untyped (sh:class fails); the second types it: the union conforms."""
    res, body = URIRef(ID + "A-RES-1"), URIRef(ID + "body/ga")
    ds = two_documents([(res, RDF.type, CLX.Resolution), (res, CLX.adoptedBy, body)],
                       [(body, RDF.type, CLX.Body), (body, URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"),
                                                     Literal("General Assembly", lang="en"))])
    alone = validate_document(ds.graph(URIRef(f"{ID}source/a-txt")).serialize(format="nt").encode())
    assert [r.constraint for r in alone.results] == ["ClassConstraintComponent"]
    assert validate_by_graph(ds).conforms
    assert validate(ds).conforms


def test_a_document_validation_is_plain_data() -> None:
    """It travels from worker processes and is cached with the file: it pickles, and compares equal."""
    data = (Path(__file__).parent / "shapes" / "invalid" / "clause-duplicate-ordinal.ttl").read_text(encoding="utf-8")
    nquads = Graph().parse(data=data, format="turtle").serialize(format="nt").encode()
    validation = validate_document(nquads)
    assert validation.results, "the example has results"
    assert pickle.loads(pickle.dumps(validation)) == validation
    assert all(isinstance(value, (str, type(None))) for r in validation.results for value in vars(r).values())


def test_shapes_that_read_further_are_validated_on_the_union(tmp_path: Path) -> None:
    """A nested shape (sh:node) reads a value's own triples: with it, the union is validated whole."""
    (tmp_path / "nested.ttl").write_text("""
        @prefix clx: <https://w3id.org/cyberlex/ontology#> .
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:shape:adopter> a sh:PropertyShape ; sh:targetClass clx:Instrument ; sh:path clx:adoptedBy ;
            sh:node <urn:shape:named> ; sh:message "named adopter" .
        <urn:shape:named> a sh:NodeShape ; sh:property [ sh:path clx:code ; sh:minCount 1 ] .
        """, encoding="utf-8")
    assert not splittable_shapes(tmp_path)
    res, body = URIRef(ID + "A-RES-1"), URIRef(ID + "body/ga")
    ds = two_documents([(res, RDF.type, CLX.Resolution), (res, CLX.adoptedBy, body)],
                       [(body, URIRef(ONTOLOGY.iri + "code"), Literal("GA"))])
    assert validate_by_graph(ds, shapes_dir=tmp_path).conforms
    assert validate(ds, shapes_dir=tmp_path).conforms


def test_the_build_validates_each_document_and_reports_as_the_union(tmp_path: Path) -> None:
    result = build([sample_corpus()], tmp_path)
    assert len(result.validations) == result.documents
    assert all(isinstance(v, DocumentValidation) for v in result.validations)
    ds = Dataset()
    ds.parse(tmp_path / "graph.trig", format="trig")
    ds.parse(tmp_path / "evidence.trig", format="trig")
    assert (tmp_path / "validation.txt").read_text(encoding="utf-8") == validate(ds).to_text()
    assert validate_parts(result.validations, ds).to_text() == validate(ds).to_text()


def test_validate_takes_the_facts_alone_or_with_their_evidence(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """`cyberlex validate graph.trig evidence.trig` checks each document with its evidence graph (its spans and
    statements are the document's alone), and gives the union's report; graph.trig alone validates too."""
    from click.testing import CliRunner

    from cyberlex.cli import main

    build([sample_corpus()], tmp_path, run_validation=False)
    facts, evidence = tmp_path / "graph.trig", tmp_path / "evidence.trig"
    ds = Dataset()
    ds.parse(facts, format="trig")
    ds.parse(evidence, format="trig")
    documents: list[bytes] = []
    real = validate_document
    monkeypatch.setattr("cyberlex.validate_parts.validate_document",
                        lambda nquads, shapes_dir=None, **options: documents.append(nquads) or real(nquads, shapes_dir,
                                                                                                    **options))
    assert validate_by_graph(ds).to_text() == validate(ds).to_text()
    graphs = {str(g.identifier) for g in ds.graphs() if str(g.identifier).startswith(ID)}
    assert len(documents) == len(graphs) - len([g for g in graphs if g.endswith("/evidence")]) + 1  # + the default
    for files in ([facts, evidence], [facts]):
        result = CliRunner().invoke(main, ["validate", *map(str, files)], catch_exceptions=False)
        assert result.exit_code == 0 and "Conforms" in result.stdout, (files, result.output)


def test_a_rebuild_takes_each_files_validation_from_the_cache(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    first = build([sample_corpus()], tmp_path)
    report = (tmp_path / "validation.txt").read_bytes()

    def not_again(nquads: bytes, own_namespaces: bool = False) -> DocumentValidation:
        raise AssertionError("an unchanged file was validated again")

    monkeypatch.setattr("cyberlex.validate_parts.validate_document", not_again)  # build imports it lazily
    again = build([sample_corpus()], tmp_path)
    assert again.from_cache == again.documents > 0
    assert again.validations == first.validations
    assert (tmp_path / "validation.txt").read_bytes() == report


def test_a_file_cached_by_a_build_without_validation_is_validated_and_kept(tmp_path: Path) -> None:
    build([sample_corpus()], tmp_path, run_validation=False)
    validated = build([sample_corpus()], tmp_path)
    assert validated.from_cache == validated.documents
    assert len(validated.validations) == validated.documents
    assert build([sample_corpus()], tmp_path).validations == validated.validations
    assert [v.as_data() for v in validated.validations] == [
        DocumentValidation.from_data(v.as_data()).as_data() for v in validated.validations]


def test_a_builds_documents_leave_their_own_evidence_out_of_the_nodes_to_share(tmp_path: Path) -> None:
    """A document of a build names its evidence under its own graph's IRI: those nodes are never shared, so
    they are not counted (their number grows with the corpus); the report is the same."""
    build([sample_corpus()], tmp_path, run_validation=False)
    store = ox.Store()
    for name in ("graph.trig", "evidence.trig"):
        store.load(path=str(tmp_path / name), format=ox.RdfFormat.TRIG)
    graphs = {g.value for g in store.named_graphs()}
    graph = next(ox.NamedNode(g) for g in sorted(graphs) if not is_evidence_graph(g) and evidence_graph(g) in graphs)
    nquads = b"".join(ox.serialize(store.quads_for_pattern(None, None, None, g), format=ox.RdfFormat.N_QUADS) or b""
                      for g in (graph, ox.NamedNode(evidence_graph(graph.value))))
    every, own = validate_document(nquads), validate_document(nquads, own_namespaces=True)
    left_out = every.nodes - own.nodes
    assert left_out and all(node.startswith(graph.value + "/") for node in left_out)
    assert own.nodes <= every.nodes and own.results == every.results and graph.value in own.nodes


def test_a_log_on_disk_gives_back_what_was_added(tmp_path: Path) -> None:
    validations = [DocumentValidation((), frozenset({f"{ID}n{i}", f"{ID}shared"}), ((f"{ID}n{i}", f"{ID}c{i}"),))
                   for i in range(3)]
    log: ValidationLog[DocumentValidation] = ValidationLog(tmp_path / "log")
    for v in validations:
        log.append(v)
    log.finish()
    assert log.on_disk and (tmp_path / "log").stat().st_size > 0
    assert list(log) == validations and list(log) == validations  # read again, from the start
    assert len(log) == 3 and log == validations
    assert _shared_nodes(log) == {f"{ID}shared"}
    assert _shared_nodes(log, in_memory_up_to=2) == {f"{ID}shared"}  # past that many, by the external sort
    log.discard()
    assert not (tmp_path / "log").exists() and list(log) == []


def test_a_build_with_its_store_on_disk_keeps_the_validations_on_disk_and_reports_the_same(tmp_path: Path) -> None:
    """With the store on disk (--store, or from ON_DISK_FROM files), the documents' validations go to a file
    in the output folder, read back by the union part and removed at the end: the same report."""
    build([sample_corpus()], tmp_path / "memory", use_cache=False)
    result = build([sample_corpus()], tmp_path / "disk", use_cache=False, store_dir=tmp_path / "store")
    assert result.validations.on_disk and len(result.validations) == 0  # discarded with its file
    assert not list((tmp_path / "disk").glob(".validations-*"))
    assert (tmp_path / "disk" / "validation.txt").read_bytes() == (tmp_path / "memory" / "validation.txt").read_bytes()


def test_a_build_with_its_store_on_disk_leaves_no_validations_when_nothing_is_built(tmp_path: Path) -> None:
    from cyberlex.build import NothingBuilt

    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(NothingBuilt):
        build([empty], tmp_path / "out", use_cache=False, store_dir=tmp_path / "store")
    assert not list((tmp_path / "out").glob(".validations-*"))


def _nquads(ds: Dataset) -> list[ox.Quad]:
    return list(ox.parse(ds.serialize(format="nquads").encode(), format=ox.RdfFormat.N_QUADS))


def test_a_documents_quads_about_its_own_nodes_come_apart() -> None:
    """own_lines_last: the quads whose subject is under one of the document's graphs (its evidence) are the
    second part; a sample document's union part reads none of them."""
    from cyberlex.build import build_store, collect_inputs

    built = build_store(collect_inputs([sample_corpus()])[:1])
    quads = list(built.store)
    graphs = tuple(sorted({q.graph_name.value + "/" for q in quads if isinstance(q.graph_name, ox.NamedNode)}))

    def is_own(q: ox.Quad) -> bool:
        return isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(graphs)

    rest, owned = [q for q in quads if not is_own(q)], [q for q in quads if is_own(q)]
    assert owned and rest and len(rest) + len(owned) == len(quads)
    assert not validate_document(quads, own_namespaces=True).own_quads_read
    # the build's worker makes that split on the lines of the document's N-Quads, from its store
    store = ox.Store()
    store.extend(quads)
    own = own_namespaces_in(store)
    assert own == graphs
    lines, own_from = own_lines_last(store.dump(format=ox.RdfFormat.N_QUADS) or b"", own)
    assert set(ox.parse(lines[:own_from], format=ox.RdfFormat.N_QUADS)) == set(rest)
    assert set(ox.parse(lines[own_from:], format=ox.RdfFormat.N_QUADS)) == set(owned)


def test_the_union_part_reads_a_documents_own_quads_where_another_node_points_to_them() -> None:
    """A node of the document's facts pointing to one of its own nodes (whose types a shape would read), or a
    result on an own node: the union part may read the document's own quads, which must then be in its store."""
    source = URIRef(f"{ID}source/a-txt")
    span = URIRef(f"{source}/evidence/1-2")
    res = URIRef(ID + "A-RES-1")
    ds = Dataset()
    ds.graph(source).add((res, RDF.type, CLX.Resolution))
    assert not validate_document(_nquads(ds), own_namespaces=True).own_quads_read
    ds.graph(source).add((res, CLX.evidence, span))
    assert validate_document(_nquads(ds), own_namespaces=True).own_quads_read
    alone = Dataset()
    alone.graph(URIRef(f"{source}/evidence")).add((span, RDF.type, CLX.Evidence))  # a span with no source: results
    validation = validate_document(_nquads(alone), own_namespaces=True)
    assert validation.results and validation.own_quads_read


def test_the_union_part_asks_for_the_quads_held_back_when_it_validates_the_union_whole() -> None:
    """A blank node makes the documents unsplittable: `complete` is called before the union is validated."""
    from rdflib import BNode

    res = URIRef(ID + "A-RES-1")
    ds = two_documents([(res, RDF.type, CLX.Resolution)], [(BNode(), RDF.type, CLX.Resolution)])
    documents = [validate_document(ds.graph(URIRef(f"{ID}source/{name}-txt")).serialize(format="nt").encode())
                 for name in ("a", "b")]
    asked: list[bool] = []
    report = validate_parts(documents, ds, complete=lambda: asked.append(True))
    assert asked == [True]
    assert report.to_text() == validate(ds).to_text()


def test_a_validating_build_keeps_the_evidence_out_of_its_store_and_reports_the_same(tmp_path: Path) -> None:
    """With no store to keep (`fill_store=False`), the store holds what the union part reads (no evidence: the
    samples' union part reads none), the rest waits in a file removed at the end; the report is the union's."""
    result = build([sample_corpus()], tmp_path / "out", fill_store=False)
    assert result.held_back is not None and not result.held_back.path.exists()
    assert not result.held_back.loaded
    graphs = {str(g) for g in result.store.named_graphs()}
    assert graphs and not any(is_evidence_graph(g.strip("<>")) for g in graphs)
    ds = Dataset()
    ds.parse(tmp_path / "out" / "graph.trig", format="trig")
    ds.parse(tmp_path / "out" / "evidence.trig", format="trig")
    assert (tmp_path / "out" / "validation.txt").read_text(encoding="utf-8") == validate(ds).to_text()
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".held-back-")]


def test_the_shapes_read_of_a_neighbour_only_the_predicates_the_union_part_gives_them() -> None:
    """NEIGHBOUR_PREDICATES_READ leaves the other triples of such a neighbour (a clause's text) out of the
    union part: every triple pattern of those shapes' queries that is not about the focus node must use one
    of the predicates listed, else a shape would read on the union less than it reads on a document."""
    from rdflib.plugins.sparql import prepareQuery
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.term import Variable

    from cyberlex.shacl import _compile_sparql
    from cyberlex.validate import load_shapes
    from cyberlex.validate_parts import NEIGHBOUR_PREDICATES_READ, NEIGHBOUR_READS

    def patterns(node: object) -> list[tuple]:
        if isinstance(node, CompValue):
            found = list(node.get("triples") or []) if node.name == "BGP" else []
            return found + [t for value in node.values() for t in patterns(value)]
        if isinstance(node, list | tuple):
            return [t for value in node for t in patterns(value)]
        return []

    shapes = load_shapes()
    checked = 0
    for shape, (predicate, direction) in NEIGHBOUR_READS.items():
        read = NEIGHBOUR_PREDICATES_READ.get(predicate)
        if direction != "out" or read is None:
            continue
        for constraint in shapes.objects(shape, SH.sparql):
            compiled = _compile_sparql(shapes, constraint)  # the query as cyberlex.shacl runs it, its prefixes declared
            assert compiled is not None
            for subject, used, _obj in patterns(prepareQuery(compiled.query).algebra):
                if subject != Variable("this"):
                    assert used in read, f"{shape} reads {used} of {subject}, not in NEIGHBOUR_PREDICATES_READ"
                    checked += 1
    assert checked >= 4  # both clause shapes read ?value's (and ?other's) kind and ordinal
