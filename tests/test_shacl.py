"""cyberlex.shacl gives pySHACL's results: the same report, result for result, on every shape example,
on mutations of the valid examples, and (tests/test_shapes.py) on the UN build; and it refuses the
shapes it does not evaluate, which pySHACL then validates."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from cyberlex import shacl
from cyberlex.validate import ValidationReport, load_shapes, validate
from cyberlex.validate_parts import DocumentValidation, validate_document
from test_shapes import INVALID, VALID, load

PREFIXES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def both(data: Graph, shapes_dir: Path | None = None) -> tuple[ValidationReport, ValidationReport]:
    return validate(data, shapes_dir=shapes_dir), validate(data, shapes_dir=shapes_dir, engine="pyshacl")


def test_cyberlex_shapes_are_evaluated_by_cyberlex_shacl() -> None:
    compiled = shacl.compile_shapes(load_shapes())
    assert compiled is not None
    assert len(compiled.shapes) >= 60


@pytest.mark.parametrize("path", VALID + INVALID, ids=lambda p: p.name)
def test_same_report_as_pyshacl(path: Path) -> None:
    ours, reference = both(load(path))
    assert ours == reference
    assert ours.to_text() == reference.to_text()


def _mutations(graph: Graph) -> list[tuple[str, Graph]]:
    """Each triple dropped; each literal given another datatype, or a language tag, or made a string."""
    found = []
    for triple in sorted(graph):
        dropped = Graph()
        for t in graph:
            if t != triple:
                dropped.add(t)
        found.append((f"drop {triple}", dropped))
        s, p, o = triple
        if isinstance(o, Literal):
            for other in (Literal(str(o), datatype=XSD.integer), Literal(str(o), lang="en"), Literal(str(o)),
                          Literal("-1", datatype=XSD.integer), URIRef("http://example.org/x")):
                if other != o:
                    changed = Graph()
                    for t in graph:
                        changed.add((s, p, other) if t == triple else t)
                    changed.add((s, p, o))  # and the original value beside it (counts, unique languages)
                    found.append((f"{triple} and {other!r}", changed))
    return found


@pytest.mark.parametrize("path", [p for p in VALID if p.suffix == ".ttl"], ids=lambda p: p.name)
def test_same_report_as_pyshacl_on_mutations(path: Path) -> None:
    for name, graph in _mutations(Graph().parse(path, format="turtle")):
        ours, reference = both(graph)
        assert ours == reference, name


# Shapes outside what cyberlex.shacl evaluates: compile_shapes refuses them, and validate runs pySHACL.
REFUSED = {
    "nested property shape": "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:message 'm' ; "
                             "sh:property [ sh:path ex:p ; sh:minCount 1 ] .",
    "logical constraint": "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:message 'm' ; "
                          "sh:or ( [ sh:datatype xsd:string ] [ sh:datatype xsd:integer ] ) .",
    "repeated path": "ex:S a sh:PropertyShape ; sh:targetClass ex:C ; sh:message 'm' ; "
                     "sh:path [ sh:zeroOrMorePath ex:q ] ; sh:minCount 2 .",
    "constraint it does not know": "ex:S a sh:PropertyShape ; sh:targetClass ex:C ; sh:message 'm' ; "
                                   "sh:path ex:p ; sh:maxLength 3 .",
    "generic message": "ex:S a sh:PropertyShape ; sh:targetClass ex:C ; sh:path ex:p ; sh:minCount 1 .",
    "implicit class target": "ex:S a sh:NodeShape , <http://www.w3.org/2000/01/rdf-schema#Class> ; "
                             "sh:targetNode ex:a ; sh:message 'm' ; sh:nodeKind sh:IRI .",
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_shapes_are_validated_by_pyshacl(name: str, tmp_path: Path) -> None:
    (tmp_path / "shapes.ttl").write_text(PREFIXES + REFUSED[name], encoding="utf-8")
    assert shacl.compile_shapes(load_shapes(tmp_path)) is None
    data = Graph().parse(data=PREFIXES + "ex:a a ex:C ; ex:p 'abcdef' .", format="turtle")
    ours, reference = both(data, tmp_path)
    assert ours == reference


def test_cli_validate_runs_either_engine_with_the_same_report() -> None:
    from click.testing import CliRunner

    from cyberlex.cli import main

    example = next(p for p in INVALID if p.name == "evidence-start-after-end.ttl")
    outputs = {engine: CliRunner().invoke(main, ["validate", str(example), "--engine", engine, "--format", "json"])
               for engine in ("auto", "pyshacl")}
    assert outputs["auto"].exit_code == outputs["pyshacl"].exit_code == 1
    assert outputs["auto"].stdout == outputs["pyshacl"].stdout
    assert "LessThanConstraintComponent" in outputs["auto"].stdout


@pytest.mark.parametrize("path", [p for p in VALID + INVALID if p.suffix == ".ttl"], ids=lambda p: p.name)
def test_graphs_read_where_they_are_give_the_results_of_one_default_graph(path: Path) -> None:
    """A document's validation (validate_parts.validate_document) reads its named graphs as one default
    graph where they are (cyberlex.shacl) instead of copying them into the default graph (pySHACL's way):
    the same results, with the triples spread over two graphs and every third triple in both (a triple in
    two graphs is read twice; it must count once)."""
    graphs = (ox.NamedNode("http://example.org/graph/a"), ox.NamedNode("http://example.org/graph/b"))
    quads = []
    triples = sorted(ox.parse(load(path).serialize(format="nt").encode(), format=ox.RdfFormat.N_TRIPLES), key=str)
    for number, triple in enumerate(triples):
        homes = graphs if number % 3 == 0 else (graphs[number % 2],)
        quads += [ox.Quad(triple.subject, triple.predicate, triple.object, graph) for graph in homes]
    nquads = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
    read_where_they_are = validate_document(nquads)
    copied = validate_document(nquads, engine="pyshacl")

    def labels_masked(validation: DocumentValidation) -> str:
        """The validation, its results in one order and its blank nodes unnamed (each engine orders its
        results and names a blank node its own way)."""
        results = sorted(repr(result) for result in validation.results)
        return re.sub(r"_:\w+", "_:", repr((results, dataclasses.replace(validation, results=()))))

    assert labels_masked(read_where_they_are) == labels_masked(copied)
    assert (path.parent.name == "invalid") == bool(read_where_they_are.results)
