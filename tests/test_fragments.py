"""The graph files assembled from each document's pieces (cyberlex.fragments, issue 9) are the bytes that
serialising the store of every document gives (cyberlex.serialise.stage_graph), whatever subjects the
documents share, and a rebuild renders again only the shared subjects of a document that changed."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad, Store

from cyberlex import fragments as fragments_module
from cyberlex.build import build_store, collect_inputs, count, sample_corpus
from cyberlex.fragments import DocumentFragments, SharedSubjects, assemble, render, stage_fragments
from cyberlex.serialise import GRAPH_OUTPUTS, stage_graph

ID = "https://w3id.org/cyberlex/id/"
CLX = "https://w3id.org/cyberlex/ontology#"
NAMES = [output.name for output in GRAPH_OUTPUTS]


def node(name: str) -> NamedNode:
    return NamedNode(ID + name)


def document(name: str, shared_label: str) -> list[Quad]:
    """A document's quads: its own nodes, its evidence, and nodes other documents describe too (in its
    graph, with what differs between documents, and in a graph they all write to)."""
    graph, evidence, gazetteer = node(f"source/{name}"), node(f"source/{name}/evidence"), node("gazetteer")
    title = NamedNode("http://purl.org/dc/terms/title")
    pair = [Quad(node("A-RES-2"), title, Literal("Two"), graph)] if name in ("a", "b") else []  # not c's
    return [
        *pair,
        Quad(node(name), NamedNode(CLX + "cites"), node("A-RES-1"), graph),
        Quad(node(name), title, Literal(f"{name}\nline two \"quoted\"", language="en"), graph),
        Quad(node("A-RES-1"), title, Literal(shared_label), graph),  # described by every document
        Quad(node("A-RES-1"), NamedNode(CLX + "year"), Literal("2001", datatype=NamedNode(
            "http://www.w3.org/2001/XMLSchema#nonNegativeInteger")), graph),  # the store rewrites it
        Quad(node("body/un"), NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
             NamedNode(CLX + "Body"), gazetteer),
        Quad(node("body/un"), title, Literal(f"mentioned by {name}"), gazetteer),
        Quad(node(f"source/{name}/evidence/0-5"), NamedNode(CLX + "start"), Literal(0), evidence),
        Quad(node(f"source/{name}/evidence/6-9"), NamedNode(CLX + "start"), Literal(6), evidence),
        Quad(node("A-RES-1"), NamedNode(CLX + "seenIn"), graph, evidence),  # a shared node in evidence too
    ]


def pieces_of(quads: list[Quad]) -> DocumentFragments:
    store = Store()
    store.extend(quads)
    rendered = render(store)
    assert rendered is not None
    return DocumentFragments.from_bytes(rendered.to_bytes())


def from_store(documents: list[list[Quad]], tmp_path: Path) -> dict[str, bytes]:
    store = Store()
    for quads in documents:
        store.extend(quads)
    folder = tmp_path / "from-store"
    staged = stage_graph(store, folder)
    return {name: path.read_bytes() for name, path in staged.files.items()}


def assembled(documents: list[DocumentFragments], ids: list[str | None] | None = None,
              previous: SharedSubjects | None = None) -> tuple[dict[str, bytes], fragments_module.Assembled]:
    streams = [io.BytesIO() for _ in NAMES]
    result = assemble(documents, *streams, ids=ids or [], previous=previous)
    return {name: stream.getvalue() for name, stream in zip(NAMES, streams, strict=True) if stream.getvalue()}, result


def test_the_assembled_files_are_the_store_serialisation(tmp_path: Path) -> None:
    documents = [document(name, label) for name, label in (("b", "One"), ("a", "One"), ("c", "Two"))]
    files, result = assembled([pieces_of(quads) for quads in documents])
    assert files == from_store(documents, tmp_path)
    store = Store()
    for quads in documents:
        store.extend(quads)
    assert result.counts == count(store)


def test_the_sample_corpus_assembled_is_its_store_serialised(tmp_path: Path) -> None:
    result = build_store(collect_inputs([sample_corpus()]), fragments=True)
    assert result.fragments is not None and len(result.fragments) == result.documents
    staged, counts = stage_fragments(result.fragments, result.fragment_ids, tmp_path / "pieces", None)
    from_pieces = {name: path.read_bytes() for name, path in staged.files.items()}
    staged_store = stage_graph(result.store, tmp_path / "store")
    assert from_pieces == {name: path.read_bytes() for name, path in staged_store.files.items()}
    assert counts == count(result.store)
    assert staged.statements == staged_store.statements


@pytest.mark.parametrize("layers", [8, 1])
def test_a_rebuild_renders_again_only_the_shared_subjects_of_the_changed_document(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layers: int) -> None:
    monkeypatch.setattr(fragments_module, "MAX_LAYERS", layers)
    documents = [document(name, "One") for name in ("a", "b", "c", "d")]
    ids: list[str | None] = ["1", "2", "3", "4"]
    first_files, first = assembled([pieces_of(quads) for quads in documents], ids)
    assert first.shared is not None
    first.shared.write(tmp_path / "shared")
    previous = SharedSubjects.read(tmp_path / "shared")
    assert previous is not None and previous.where == first.shared.where
    documents[2] = document("c", "Changed")
    ids[2] = "3b"
    rendered: list[int] = []
    real_merged = fragments_module._merged
    monkeypatch.setattr(fragments_module, "_merged",
                        lambda docs, groups: rendered.append(len(groups)) or real_merged(docs, groups))
    files, again = assembled([pieces_of(quads) for quads in documents], ids, previous)
    assert files == from_store(documents, tmp_path) != first_files
    assert rendered == [2]  # A-RES-1 and body/un, the subjects document c shares; not A-RES-2
    assert again.shared is not None
    assert len(again.shared.layers) == (2 if layers > 1 else 1)
    again.shared.write(tmp_path / "shared")
    assert len(list((tmp_path / "shared").glob("*.layer"))) == len(again.shared.layers)
    # and once more, nothing changed: nothing rendered, the same bytes
    rendered.clear()
    same, _ = assembled([pieces_of(quads) for quads in documents], ids, SharedSubjects.read(tmp_path / "shared"))
    assert same == files and rendered == []


def test_a_document_describing_another_ones_own_subject_is_ordered_subject_by_subject(tmp_path: Path) -> None:
    documents = [document(name, "One") for name in ("a", "b", "c")]
    # b describes a node named under a's evidence graph, between a's two spans
    documents[1].append(Quad(node("source/a/evidence/3-4"), NamedNode(CLX + "start"), Literal(3), node("source/b")))
    pieces = [pieces_of(quads) for quads in documents]
    assert pieces[0].own[1] - pieces[0].own[0] == 2
    files, _ = assembled(pieces)
    assert files == from_store(documents, tmp_path)
    documents[1][-1] = Quad(node("source/a/evidence/0-5"), NamedNode(CLX + "start"), Literal(3), node("source/b"))
    files, _ = assembled([pieces_of(quads) for quads in documents])  # b describes a's first own subject
    assert files == from_store(documents, tmp_path / "again")


def test_without_ids_every_shared_subject_is_rendered_and_nothing_kept(tmp_path: Path) -> None:
    documents = [document(name, "One") for name in ("a", "b")]
    files, result = assembled([pieces_of(quads) for quads in documents], [None, "2"])
    assert files == from_store(documents, tmp_path)
    assert result.shared is None


@pytest.mark.parametrize("quad", [
    Quad(node("x"), node("p"), node("o"), DefaultGraph()),
    Quad(BlankNode("b0"), node("p"), node("o"), node("g")),
    Quad(node("x"), node("p"), BlankNode("b1"), node("g")),
])
def test_a_document_with_the_default_graph_or_a_blank_node_has_no_pieces(quad: Quad) -> None:
    store = Store()
    store.add(quad)
    assert render(store) is None


def test_pieces_survive_their_blob() -> None:
    pieces = pieces_of(document("a", "One"))
    again = DocumentFragments.from_bytes(memoryview(b"" + pieces.to_bytes()))
    assert again.keys == pieces.keys and bytes(again.trig) == bytes(pieces.trig)
    assert again.openers == pieces.openers and again.typed == pieces.typed and again.cites == pieces.cites
    assert {name: list(column) for name, column in again.columns.items()} == \
        {name: list(column) for name, column in pieces.columns.items()}
    assert not bytes(pieces.ttl).startswith(b"@prefix")


def test_a_build_with_a_document_without_pieces_writes_from_the_store(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from cyberlex.build import build

    corpus = [sample_corpus()]
    build(corpus, tmp_path / "pieces", run_validation=False, use_cache=False)
    monkeypatch.setattr(fragments_module, "render", lambda store, dump=None: None)  # as for a blank node
    result = build(corpus, tmp_path / "store", run_validation=False, use_cache=False, fill_store=False)
    assert result.fragments is None and len(result.store) > 0
    for name in NAMES:
        assert (tmp_path / "store" / name).read_bytes() == (tmp_path / "pieces" / name).read_bytes()


def test_damaged_pieces_or_layers_cost_time_not_bytes(tmp_path: Path) -> None:
    import shutil

    from cyberlex.build import build
    from cyberlex.cache import SUFFIX

    corpus = tmp_path / "corpus"
    shutil.copytree(sample_corpus(), corpus)
    build([corpus], tmp_path / "clean", run_validation=False, use_cache=False)
    build([corpus], tmp_path / "out", run_validation=False, fill_store=False)
    for layer in (tmp_path / "out" / ".cache" / "shared").glob("*.layer"):
        layer.write_bytes(layer.read_bytes()[:-10])
    entries = sorted((tmp_path / "out" / ".cache").glob(f"*/*{SUFFIX}"))
    entries[0].write_bytes(entries[0].read_bytes()[:-100])  # its pieces cut short
    result = build([corpus], tmp_path / "out", run_validation=False, fill_store=False)
    assert result.fragments is None  # written from the store
    for name in NAMES:
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "clean" / name).read_bytes()
