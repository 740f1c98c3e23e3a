"""A rebuild's validation takes over the last build's union part (cyberlex.incremental): the report, and every
file, is the clean build's, whatever changed; and only the nodes a change can affect are checked again."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cyberlex import validate_parts
from cyberlex.build import build, sample_corpus
from cyberlex.incremental import UNION_STATE

OUTPUTS = ("graph.ttl", "graph.trig", "evidence.trig", "validation.txt")
GA = "ga-resolution-cybercrime.txt"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """The samples, with the General Assembly's resolution a second time under another name: its instrument
    and clauses are described by two documents, so the union part checks them."""
    folder = tmp_path / "corpus"
    shutil.copytree(sample_corpus(), folder)
    shutil.copy(folder / GA, folder / "ga-resolution-copy.txt")
    return folder


@pytest.fixture
def checked_on_the_union(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The nodes the union part checks (in this process: the builds below run with jobs=1)."""
    checked: list[str] = []
    real = validate_parts._union_store

    def spy(store, nodes, shapes_dir=None):  # type: ignore[no-untyped-def]
        checked.extend(nodes)
        return real(store, nodes, shapes_dir)

    monkeypatch.setattr(validate_parts, "_union_store", spy)
    return checked


def rebuilt_as_clean(corpus: Path, out: Path, clean: Path) -> None:
    """Rebuild into `out` (its last build's state taken over) and build from scratch into `clean`: same bytes."""
    build([corpus], out, fill_store=False, jobs=1)
    build([corpus], clean, use_cache=False, jobs=1)
    for name in OUTPUTS:
        assert (out / name).read_bytes() == (clean / name).read_bytes(), name


def test_a_build_keeps_the_union_parts_findings_for_the_next(corpus: Path, tmp_path: Path) -> None:
    build([corpus], tmp_path / "out", fill_store=False, jobs=1)
    state = json.loads((tmp_path / "out" / UNION_STATE).read_text(encoding="utf-8"))
    assert len(state["keys"]) == 6
    nodes = state["state"]["nodes"]
    assert any(nodes[node].endswith("A-RES-99-101>") for node, *_ in state["state"]["checked"]), "the shared instrument"


def test_a_rebuild_after_a_change_of_text_checks_few_nodes_and_reports_as_a_clean_build(
        corpus: Path, tmp_path: Path, checked_on_the_union: list[str]) -> None:
    build([corpus], tmp_path / "out", fill_store=False, jobs=1)
    first = len(checked_on_the_union)
    checked_on_the_union.clear()
    copy = corpus / "ga-resolution-copy.txt"
    copy.write_text(copy.read_text(encoding="utf-8") + "\nA line that says nothing.\n", encoding="utf-8")
    build([corpus], tmp_path / "out", fill_store=False, jobs=1)
    assert len(checked_on_the_union) < first / 2, (len(checked_on_the_union), first)
    rebuilt_as_clean(corpus, tmp_path / "out", tmp_path / "clean")


def test_a_rebuild_finds_a_violation_that_a_change_makes_on_a_shared_node(corpus: Path, tmp_path: Path) -> None:
    """The copy gets another adoption date: the shared instrument now has two (a union violation)."""
    build([corpus], tmp_path / "out", fill_store=False, jobs=1)
    assert "MaxCountConstraintComponent" not in (tmp_path / "out" / "validation.txt").read_text(encoding="utf-8")
    copy = corpus / "ga-resolution-copy.txt"
    copy.write_text(copy.read_text(encoding="utf-8").replace("on 17 December 2044", "on 18 December 2044"),
                    encoding="utf-8")
    rebuilt_as_clean(corpus, tmp_path / "out", tmp_path / "clean")
    report = (tmp_path / "out" / "validation.txt").read_text(encoding="utf-8")
    assert "MaxCountConstraintComponent" in report and "ga-resolution-copy.txt" in report
    # and the violation goes again when the change is undone
    copy.write_text((corpus / GA).read_text(encoding="utf-8"), encoding="utf-8")
    rebuilt_as_clean(corpus, tmp_path / "out", tmp_path / "clean")
    assert "MaxCountConstraintComponent" not in (tmp_path / "out" / "validation.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("change", ["remove the copy", "add a third copy", "remove the original"])
def test_a_rebuild_after_files_come_and_go_reports_as_a_clean_build(corpus: Path, tmp_path: Path,
                                                                   change: str) -> None:
    build([corpus], tmp_path / "out", fill_store=False, jobs=1)
    if change == "remove the copy":
        (corpus / "ga-resolution-copy.txt").unlink()
    elif change == "add a third copy":
        shutil.copy(corpus / GA, corpus / "ga-resolution-third.txt")
    else:
        (corpus / GA).unlink()
    rebuilt_as_clean(corpus, tmp_path / "out", tmp_path / "clean")


@pytest.mark.parametrize("state", ['{"fingerprint": "another cyberlex", "keys": [], "state": {}}', "{not json",
                                   "null"])
def test_a_state_of_another_version_or_damaged_is_ignored(corpus: Path, tmp_path: Path, state: str,
                                                          checked_on_the_union: list[str]) -> None:
    build([corpus], tmp_path / "out", fill_store=False, jobs=1)
    first = len(checked_on_the_union)
    checked_on_the_union.clear()
    (tmp_path / "out" / UNION_STATE).write_text(state, encoding="utf-8")
    rebuilt_as_clean(corpus, tmp_path / "out", tmp_path / "clean")
    assert len(checked_on_the_union) >= first, "every node checked again"


def test_a_rebuild_whose_cache_lost_the_changed_files_entry_checks_every_node(
        corpus: Path, tmp_path: Path, checked_on_the_union: list[str]) -> None:
    """The last build's entry of a changed file is needed to tell what changed: without it, nothing is taken over."""
    build([corpus], tmp_path / "out", fill_store=False, jobs=1)
    first = len(checked_on_the_union)
    checked_on_the_union.clear()
    for entry in (tmp_path / "out" / ".cache").rglob("*.entry"):
        entry.unlink()
    copy = corpus / "ga-resolution-copy.txt"
    copy.write_text(copy.read_text(encoding="utf-8") + "\nAnother line.\n", encoding="utf-8")
    build([corpus], tmp_path / "out", fill_store=False, jobs=1)
    assert len(checked_on_the_union) >= first
    rebuilt_as_clean(corpus, tmp_path / "out", tmp_path / "clean")


def test_a_value_whose_type_a_change_removes_is_not_given_the_last_builds_types() -> None:
    """Document a: a resolution adopted by a body; document b types the body. Alone, a fails sh:class on it;
    together they conform. Then b stops typing it: the rebuild must not give the body its old type."""
    import pyoxigraph as ox
    from oxrdflib import OxigraphStore
    from rdflib import Dataset, Literal, URIRef
    from rdflib.namespace import RDF, SKOS

    from cyberlex.validate import validate
    from cyberlex.validate_parts import Rebuild, validate_document, validate_parts_kept
    from cyberlex.vocab import CLX

    res, body = URIRef("https://w3id.org/cyberlex/id/A-RES-1"), URIRef("https://w3id.org/cyberlex/id/body/ga")
    typed = [(body, RDF.type, URIRef(CLX.Body)), (body, SKOS.prefLabel, Literal("General Assembly", lang="en"))]

    def documents(b_triples: list[tuple]) -> list[list[ox.Quad]]:
        docs = []
        for name, triples in (("a", [(res, RDF.type, URIRef(CLX.Resolution)), (res, URIRef(CLX.adoptedBy), body)]),
                              ("b", b_triples)):
            graph = ox.NamedNode(f"https://w3id.org/cyberlex/id/source/{name}-txt")
            docs.append([ox.Quad(ox.NamedNode(s), ox.NamedNode(p), ox.NamedNode(o) if isinstance(o, URIRef)
                                 else ox.Literal(o, language=o.language), graph) for s, p, o in triples])
        return docs

    def run(docs: list[list[ox.Quad]], previous=None, touched=frozenset()):  # type: ignore[no-untyped-def]
        store = ox.Store()
        validations = [validate_document(quads, own_namespaces=True) for quads in docs]
        union = Dataset(store=OxigraphStore(store=store))
        if previous is None:
            for quads in docs:
                store.extend(quads)
            return validate_parts_kept(validations, union, store)
        load = lambda indices, whole: [store.extend(docs[i]) for i in indices]  # noqa: E731
        return validate_parts_kept(validations, union, store, rebuild=Rebuild(previous, touched, load))

    before = documents(typed)
    report, state = run(before)
    assert report.conforms and state is not None
    after = documents(typed[1:])  # b no longer types the body
    changed = {str(t) for q in set(before[1]) ^ set(after[1]) for t in (q.subject, q.object)}
    rebuilt, _ = run(after, state, frozenset(changed))
    whole = Dataset()
    for quads in after:
        for q in quads:
            whole.graph(URIRef(q.graph_name.value)).add(
                (URIRef(q.subject.value), URIRef(q.predicate.value),
                 URIRef(q.object.value) if isinstance(q.object, ox.NamedNode) else Literal(q.object.value, lang="en")))
    assert not rebuilt.conforms
    assert rebuilt.to_text() == validate(whole).to_text()
