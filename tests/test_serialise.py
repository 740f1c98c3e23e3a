"""Stage 7, serialise: deterministic bytes, written atomically."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, RdfFormat, Store, parse
from rdflib import BNode, Graph

from cyberlex import serialise
from cyberlex.build import build_store, collect_inputs, sample_corpus
from cyberlex.evidence import split_evidence
from cyberlex.map import Mapper
from cyberlex.models import Extraction, Segments, SourceText
from cyberlex.serialise import (
    count_unique_triples,
    serialise_graph,
    sorted_quads,
    sorted_triples,
    sorted_unique_lines,
    stage_graph,
    to_bytes,
    write_all_atomic,
    write_graph,
)

Document = tuple[SourceText, Segments, Extraction]


@pytest.fixture
def quads(ga_document: Document) -> list[Quad]:
    return Mapper().map(ga_document[2])


def store_of(quads: list[Quad]) -> Store:
    store = Store()
    store.extend(quads)
    return store


def leftovers(folder: Path, *keep: str) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


# -- deterministic output -------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["turtle", "trig", "nt", "nq"])
def test_same_store_same_bytes(quads: list[Quad], fmt: str) -> None:
    store = store_of(quads)
    statements = sorted_quads(store) if fmt in ("trig", "nq") else sorted_triples(store)
    again = sorted_quads(store) if fmt in ("trig", "nq") else sorted_triples(store)
    assert to_bytes(statements, fmt) == to_bytes(again, fmt)


def test_insertion_order_does_not_matter(quads: list[Quad]) -> None:
    forwards, backwards = store_of(quads), store_of(list(reversed(quads)))
    assert to_bytes(sorted_triples(forwards), "turtle") == to_bytes(sorted_triples(backwards), "turtle")
    assert to_bytes(sorted_quads(forwards), "trig") == to_bytes(sorted_quads(backwards), "trig")


def test_turtle_is_the_union_without_blank_nodes(quads: list[Quad]) -> None:
    data = to_bytes(sorted_triples(store_of(quads)), "turtle")
    graph = Graph().parse(data=data, format="turtle")
    assert len(graph) == len({(q.subject, q.predicate, q.object) for q in quads})
    assert not any(isinstance(term, BNode) for triple in graph for term in triple)
    text = data.decode("utf-8")
    assert "<https://w3id.org/cyberlex/id/A-RES-73-187/op/2>" in text  # data IRIs are written in full
    assert "@prefix clx: <https://w3id.org/cyberlex/ontology#>" in text


def test_trig_keeps_the_named_graphs(quads: list[Quad]) -> None:
    data = to_bytes(sorted_quads(store_of(quads)), "trig")
    names = {q.graph_name.value for q in parse(data, format=RdfFormat.TRIG)}
    assert names == {"https://w3id.org/cyberlex/id/source/a-res-73-187-en-txt",
                     "https://w3id.org/cyberlex/id/source/a-res-73-187-en-txt/evidence",
                     "https://w3id.org/cyberlex/id/graph/gazetteer"}


def test_the_evidence_goes_to_evidence_trig_and_the_facts_to_graph_ttl_and_trig(quads: list[Quad]) -> None:
    """A portal can load the facts alone: graph.ttl and graph.trig hold every quad but the evidence graphs'
    (IRIs ending with /evidence), evidence.trig those; together they are the whole store."""
    files = serialise_graph(store_of(quads))
    assert sorted(files) == ["evidence.trig", "graph.trig", "graph.ttl"]
    facts = set(parse(files["graph.trig"], format=RdfFormat.TRIG))
    evidence = set(parse(files["evidence.trig"], format=RdfFormat.TRIG))
    assert {q.graph_name.value for q in facts} == {"https://w3id.org/cyberlex/id/source/a-res-73-187-en-txt",
                                                   "https://w3id.org/cyberlex/id/graph/gazetteer"}
    assert {q.graph_name.value for q in evidence} == {"https://w3id.org/cyberlex/id/source/a-res-73-187-en-txt/evidence"}
    assert facts | evidence == set(store_of(quads))  # as stored: Oxigraph keeps offsets as xsd:integer
    assert {q.triple for q in parse(files["graph.ttl"], format=RdfFormat.TURTLE)} == {q.triple for q in facts}
    assert serialise_graph(store_of(list(reversed(quads)))) == files


# -- write_all_atomic ----------------------------------------------------------------------------------

def test_write_atomic_writes_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "out" / "graph.ttl"
    write_all_atomic({target: b"first"})
    assert target.read_bytes() == b"first"
    write_all_atomic({target: b"second"})
    assert target.read_bytes() == b"second"
    assert leftovers(target.parent) == ["graph.ttl"]


def test_failed_rename_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "graph.ttl"
    target.write_bytes(b"old graph")

    def refuse(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(serialise.os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        write_all_atomic({target: b"new graph"})
    assert target.read_bytes() == b"old graph"
    assert leftovers(tmp_path) == ["graph.ttl"]


def test_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The writer dies half-way through the data: the target is untouched, the partial file removed."""
    target = tmp_path / "graph.ttl"
    target.write_bytes(b"old graph")
    real_fdopen = os.fdopen

    class Dying:
        def __init__(self, stream) -> None:
            self.stream = stream

        def __enter__(self) -> Dying:
            return self

        def __exit__(self, *exc: object) -> None:
            self.stream.close()

        def write(self, data: bytes) -> int:
            self.stream.write(data[: len(data) // 2])
            self.stream.flush()
            raise OSError("writer died")

    monkeypatch.setattr(serialise.os, "fdopen", lambda fd, mode="r": Dying(real_fdopen(fd, mode)))
    with pytest.raises(OSError, match="writer died"):
        write_all_atomic({target: b"new graph, rather longer than the old one"})
    assert target.read_bytes() == b"old graph"
    assert leftovers(tmp_path) == ["graph.ttl"]


def test_failed_first_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(serialise.os, "replace", refuse)
    with pytest.raises(OSError):
        write_all_atomic({tmp_path / "graph.ttl": b"new graph"})
    assert leftovers(tmp_path) == []


def test_write_graph(tmp_path: Path, quads: list[Quad]) -> None:
    store = store_of(quads)
    written = write_graph(store, tmp_path / "out")
    assert written == {"turtle": tmp_path / "out" / "graph.ttl", "trig": tmp_path / "out" / "graph.trig",
                       "evidence": tmp_path / "out" / "evidence.trig"}
    assert leftovers(tmp_path / "out") == ["evidence.trig", "graph.trig", "graph.ttl"]
    first = (written["turtle"].read_bytes(), written["trig"].read_bytes())
    write_graph(store, tmp_path / "out")
    assert (written["turtle"].read_bytes(), written["trig"].read_bytes()) == first


# -- streamed serialisation ----------------------------------------------------------------------------

def _sorted_in_memory(store: Store) -> tuple[bytes, bytes]:
    """A store's union and quads sorted in memory, as serialise did before the external sort."""
    quad_lines = sorted(set((store.dump(format=RdfFormat.N_QUADS) or b"").splitlines()))
    triple_lines: set[bytes] = set()
    for graph in [DefaultGraph(), *store.named_graphs()]:
        triple_lines.update((store.dump(format=RdfFormat.N_TRIPLES, from_graph=graph) or b"").splitlines())
    return (to_bytes(parse(b"\n".join(sorted(triple_lines)), format=RdfFormat.N_TRIPLES), "turtle"),
            to_bytes(parse(b"\n".join(quad_lines), format=RdfFormat.N_QUADS), "trig"))


def _as_before(store: Store) -> dict[str, bytes]:
    """serialise_graph as it was: the facts and the evidence split into two stores, each dump sorted in
    memory (the reference for the external sort)."""
    facts, evidence = split_evidence(store)
    turtle, trig = _sorted_in_memory(facts)
    return {"graph.ttl": turtle, "graph.trig": trig, "evidence.trig": _sorted_in_memory(evidence)[1]}


def test_the_external_sort_in_tiny_chunks_gives_the_same_bytes(tmp_path: Path) -> None:
    store = build_store(collect_inputs([sample_corpus()])).store
    expected = _as_before(store)
    staged = stage_graph(store, tmp_path, chunk_lines=5)  # hundreds of chunks, merged
    assert {name: path.read_bytes() for name, path in staged.files.items()} == expected
    assert serialise_graph(store) == expected
    assert count_unique_triples(store, chunk_lines=5) == count_unique_triples(store) > staged.statements["graph.ttl"]
    assert staged.triples == count_unique_triples(store)
    staged.discard()
    assert leftovers(tmp_path) == []


def test_sorted_unique_lines_merges_and_drops_duplicates(tmp_path: Path) -> None:
    lines = [b"%03d" % (n % 37) for n in range(500)]
    assert list(sorted_unique_lines(lines, tmp_path, chunk_lines=4)) == sorted(set(lines))
    assert leftovers(tmp_path) == []


def test_evidence_graphs_go_to_evidence_trig_only(quads: list[Quad], tmp_path: Path) -> None:
    store = store_of([q for q in quads if not str(q.graph_name).endswith('/evidence>')])  # the facts alone
    without = serialise_graph(store)
    assert set(without) == {"graph.ttl", "graph.trig"}  # no evidence: no evidence.trig
    evidence = NamedNode("https://w3id.org/cyberlex/id/source/a-res-73-187-en-txt/evidence")
    store.add(Quad(quads[0].subject, quads[0].predicate, Literal("found in paragraph 2"), evidence))
    files = serialise_graph(store)
    assert files["graph.ttl"] == without["graph.ttl"] and files["graph.trig"] == without["graph.trig"]
    assert {q.graph_name for q in parse(files["evidence.trig"], format=RdfFormat.TRIG)} == {evidence}
    out = tmp_path / "out"
    assert set(write_graph(store, out)) == {"turtle", "trig", "evidence"}
    store.remove_graph(evidence)
    write_graph(store, out)
    assert leftovers(out) == ["graph.trig", "graph.ttl"]  # the earlier evidence.trig is not left behind


def test_the_distinct_triples_counted_while_staging_are_those_of_every_graph(tmp_path: Path) -> None:
    """stage_graph counts the distinct triples of all graphs from graph.ttl's and evidence.trig's sorted lines:
    a triple in a fact graph and in an evidence graph counts once, one in two evidence graphs once, and a
    literal that starts another (\"a\" and \"a\"@en) apart."""
    ex = "http://example.org/"
    s, p = NamedNode(ex + "s"), NamedNode(ex + "p")
    facts, evidence_a, evidence_b = (NamedNode(ex + "doc"), NamedNode(ex + "doc/evidence"),
                                     NamedNode(ex + "other/evidence"))
    store = Store()
    store.extend([Quad(s, p, Literal("a"), facts), Quad(s, p, Literal("a", language="en"), evidence_a),
                  Quad(s, p, Literal("a"), evidence_a), Quad(s, p, Literal("a"), evidence_b),
                  Quad(s, p, Literal("b"), evidence_b), Quad(s, p, Literal("c")),
                  Quad(s, p, Literal("a", language="en"))])
    staged = stage_graph(store, tmp_path, chunk_lines=2)
    assert staged.triples == count_unique_triples(store) == 4  # "a", "a"@en, "b", "c"
    staged.discard()
    assert leftovers(tmp_path) == []
