"""Shape tests as data: tests/shapes/valid/* must conform, each tests/shapes/invalid/*.ttl must fail.

An invalid example starts with `# expect: A, B`: every name (a shape's local name or a constraint
component's) must match some result, and every result must match one of the names.

Every example, and the built sample corpus, is also validated by a second, independent engine
(pyrudof, tests/engines.py), which must give the same verdict and report the same focus nodes for
each shape: a portal validating cyberlex's data with its own SHACL engine gets our verdicts.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
from pyshacl.errors import ReportableRuntimeError
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from cyberlex.build import build, sample_corpus
from cyberlex.resources import data_path
from cyberlex.validate import ValidationReport, ValidationResult, load_shapes, validate
from engines import pyshacl_verdicts, rudof_verdicts

CASES = Path(__file__).parent / "shapes"
VALID = sorted(p for p in (CASES / "valid").iterdir() if p.suffix in {".ttl", ".trig"})
INVALID = sorted((CASES / "invalid").glob("*.ttl"))
SHAPE_FILES = sorted(data_path("shapes").glob("*.ttl"))
SPARQL_FILE = "sparql.ttl"  # the only file with SHACL-SPARQL: Core-only engines load the others
ONTOLOGY = data_path("ontology") / "cyberlex.ttl"


def load(path: Path) -> Graph:
    """A .trig file as a Dataset (named graphs kept), a .ttl file as a Graph."""
    if path.suffix == ".trig":
        ds = Dataset()
        ds.parse(path, format="trig")
        return ds
    return Graph().parse(path, format="turtle")


def expected(path: Path) -> set[str]:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect:"), f"{path.name}: first line must be '# expect: <shape or component>'"
    return {name.strip() for name in first.removeprefix("# expect:").split(",") if name.strip()}


def local(node: object) -> str:
    return str(node).rsplit("#", 1)[-1]


def matches(result: ValidationResult, name: str) -> bool:
    return name in (local(result.source_shape), result.constraint)


def check_fired(report: ValidationReport, names: set[str]) -> None:
    assert not report.conforms, "expected a violation, but the graph conforms"
    for name in sorted(names):
        assert any(matches(r, name) for r in report.results), f"{name} did not fire:\n{report.to_text()}"
    others = [r for r in report.results if not any(matches(r, n) for n in names)]
    assert not others, f"unexpected results:\n{ValidationReport(False, others).to_text()}"


def named_shapes() -> set[URIRef]:
    sg = load_shapes()
    return {s for t in (SH.NodeShape, SH.PropertyShape) for s in sg.subjects(RDF.type, t) if isinstance(s, URIRef)}


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_example_conforms(path: Path) -> None:
    report = validate(load(path))
    assert report.conforms, report.to_text()
    assert report.results == []


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_example_fires_the_expected_shapes(path: Path) -> None:
    check_fired(validate(load(path)), expected(path))


@pytest.mark.parametrize("path", VALID + INVALID, ids=lambda p: p.name)
def test_rdflib_engine_agrees(path: Path) -> None:
    """pyshacl on rdflib (the reference engine) gives the verdict validate() gives on Oxigraph."""
    conforms, report, text = pyshacl.validate(
        load(path), shacl_graph=load_shapes(), ont_graph=Graph().parse(ONTOLOGY), inference="none", advanced=True
    )
    assert isinstance(report, Graph), text
    fired = {
        (local(report.value(r, SH.sourceShape)), local(report.value(r, SH.sourceConstraintComponent)))
        for r in report.subjects(RDF.type, SH.ValidationResult)
    }
    ours = validate(load(path))
    assert conforms == ours.conforms, text
    assert fired == {(local(r.source_shape), r.constraint) for r in ours.results}, text


def test_every_shape_is_exercised_by_an_invalid_example() -> None:
    exercised = set().union(*(expected(p) for p in INVALID))
    missing = sorted(local(s) for s in named_shapes() if local(s) not in exercised)
    assert not missing, f"no invalid example expects these shapes: {missing}"


def test_every_shape_is_named_targeted_and_explained() -> None:
    sg = load_shapes()
    shape_types = (SH.NodeShape, SH.PropertyShape)
    anonymous = [s for t in shape_types for s in sg.subjects(RDF.type, t) if not isinstance(s, URIRef)]
    assert not anonymous, "give every shape an IRI so that results and tests can name it"
    targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
    for shape in named_shapes():
        assert sg.value(shape, SH.name) is not None, f"{local(shape)} has no sh:name"
        assert sg.value(shape, SH.message) is not None, f"{local(shape)} has no sh:message"
        assert any(sg.value(shape, t) is not None for t in targets), f"{local(shape)} has no target"


def test_shapes_avoid_per_value_constructs() -> None:
    """pyshacl runs these once per value node: 10x slower on a 150k-triple graph (see validate.py)."""
    slow = (SH.property, SH["or"], SH.xone, SH["and"], SH["not"], SH.node, SH.qualifiedValueShape)
    used = sorted(local(p) for p in set(load_shapes().predicates()) if p in slow)
    assert not used, f"give property shapes their own targets, or use one SPARQL query per focus node: {used}"


@pytest.mark.parametrize("path", SHAPE_FILES, ids=lambda p: p.name)
def test_shapes_file_conforms_to_shacl_shacl(path: Path) -> None:
    """With meta_shacl=True pyshacl first checks the shapes against SHACL-SHACL and raises if they fail."""
    try:
        pyshacl.validate(Graph(), shacl_graph=Graph().parse(path), meta_shacl=True)
    except ReportableRuntimeError as error:
        pytest.fail(str(error))


def test_report_names_the_source_file() -> None:
    report = validate(load(CASES / "invalid" / "evidence-exact-tagged.ttl"))
    assert [r.source_files for r in report.results] == [("doc.txt",)]
    text = report.to_text()
    assert "source:     doc.txt" in text
    assert "focus node: id:source/doc-txt/evidence/0-16" in text
    assert "path:       oa:exact" in text


def test_report_names_the_source_file_of_a_statement_through_its_span() -> None:
    report = validate(load(CASES / "invalid" / "evidence-literal-predicate.ttl"))
    assert [(str(r.focus_node).rsplit("/id/", 1)[-1], r.source_files) for r in report.results] == [
        ("source/doc-txt/evidence/0-16/prefLabel/1", ("doc.txt",))]


def test_report_finds_the_file_through_named_graphs_and_evidence() -> None:
    ds = Dataset()
    ds.parse(data=(CASES / "valid" / "named-graphs.trig").read_text(encoding="utf-8"), format="trig")
    op1 = URIRef("https://w3id.org/cyberlex/id/E-RES-2004-26/op/1")
    untagged = (op1, URIRef("https://w3id.org/cyberlex/ontology#text"), Literal("Welcomes the Convention;"))
    ds.graph(URIRef("https://w3id.org/cyberlex/id/source/e-res-2004-26-txt")).add(untagged)
    report = validate(ds)
    assert {(r.focus_node, r.source_files) for r in report.results} == {(op1, ("e_res_2004_26.txt",))}
    union = Graph()
    for s, p, o, _ in ds.quads():
        union.add((s, p, o))
    assert {r.source_files for r in validate(union).results} == {("e_res_2004_26.txt",)}  # via the statement's span


def test_validate_leaves_the_data_graph_unchanged() -> None:
    data = load(CASES / "valid" / "resolution.ttl")
    before = len(data)
    validate(data)
    assert len(data) == before


def test_report_lists_the_values_a_count_constraint_counted() -> None:
    report = validate(load(CASES / "invalid" / "instrument-two-sessions.ttl"))
    assert [r.values for r in report.results] == [(Literal("73"), Literal("seventy-third"))]
    assert 'values:     "73", "seventy-third"' in report.to_text()


@pytest.mark.parametrize("path", VALID + INVALID, ids=lambda p: p.name)
def test_pyrudof_gives_the_same_verdicts(path: Path) -> None:
    """An independent engine (pyrudof) agrees: conforms or not, and which focus nodes each shape reports."""
    ours = pyshacl_verdicts(load(path))
    theirs = rudof_verdicts(load(path))
    assert theirs[0] == ours[0]
    assert sorted(theirs[1]) == sorted(ours[1])


def test_pyrudof_gives_the_same_verdicts_on_the_sample_build(tmp_path: Path) -> None:
    build([sample_corpus()], tmp_path, run_validation=False)
    ds = Dataset()
    ds.parse(tmp_path / "graph.trig", format="trig")
    ours = pyshacl_verdicts(ds)
    assert ours == rudof_verdicts(ds)
    assert ours[0], "the sample corpus conforms"


@pytest.mark.corpus
def test_pyrudof_gives_the_same_verdicts_on_the_un_build(shared: Path, tmp_path: Path) -> None:
    """The UN build (637 texts, 649k quads; 4 violations): build 37 s, pySHACL 19 s, pyrudof 32 s, 6.7 GB peak.
    cyberlex.shacl, the default engine, must give pySHACL's report there, result for result."""
    build([shared / "corpus" / "un" / "text"], tmp_path, run_validation=False)
    ds = Dataset(store="Oxigraph")
    for name in ("graph.trig", "evidence.trig"):  # the facts and their evidence
        ds.store._inner.bulk_load(path=str(tmp_path / name), format=ox.RdfFormat.TRIG)  # 1 s, not 50 s
    assert len(ds) > 600_000
    assert validate(ds) == validate(ds, engine="pyshacl"), "cyberlex.shacl gives pySHACL's report"
    ours = pyshacl_verdicts(ds)
    theirs = rudof_verdicts(ds)
    assert theirs[0] == ours[0]
    assert sorted(theirs[1]) == sorted(ours[1])


def test_only_sparql_ttl_needs_shacl_sparql() -> None:
    """Engines without SHACL-SPARQL (rdf-validate-shacl) load every other file; there, Core only."""
    sparql_terms = (SH.sparql, SH.select, SH.ask, SH.declare, SH.prefixes, SH.target)
    for path in SHAPE_FILES:
        used = {local(p) for p in Graph().parse(path).predicates() if p in sparql_terms}
        if path.name == SPARQL_FILE:
            assert used, f"{path.name} holds the SHACL-SPARQL constraints"
        else:
            assert not used, f"{path.name} uses SHACL-SPARQL ({sorted(used)}): move the shape to {SPARQL_FILE}"


def test_sparql_constraints_are_few_and_free_of_aggregates() -> None:
    """shacl-engine stops on a GROUP BY $this; no aggregate, no subquery, at most four constraints."""
    sg = Graph().parse(data_path("shapes") / SPARQL_FILE)
    queries = [str(q) for q in sg.objects(None, SH.select)]
    assert 0 < len(queries) <= 4
    for query in queries:
        words = query.upper().replace("(", " ").split()
        found = {w for w in ("GROUP", "HAVING", "COUNT", "SUM", "SAMPLE", "GROUP_CONCAT", "MIN", "MAX") if w in words}
        assert not found, f"aggregate {sorted(found)} in:\n{query}"
        assert query.upper().count("SELECT") == 1, f"a subquery in:\n{query}"
