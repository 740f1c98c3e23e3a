"""The whole job: a folder of files in, graph.ttl, graph.trig and evidence.trig out; bad files reported, never fatal."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from pyoxigraph import NamedNode, Quad, RdfFormat, Store, parse

from cyberlex import build as build_module
from cyberlex import fragments, serialise, validate_parts
from cyberlex.build import DEFAULT_CACHE, build, build_store, collect_inputs, count, sample_corpus
from cyberlex.cache import BuildCache
from cyberlex.map import Mapper
from cyberlex.vocab import CLX, DEFAULT_BASE, RDF, body_classes, instrument_classes

TYPE = NamedNode(RDF.type)
SOURCE_DOCUMENT = NamedNode(CLX.SourceDocument)

# Invented, modelled on a Commission resolution; written in Windows-1252 (curly apostrophes).
CP1252_RESOLUTION = """\
Resolution 31/2

Invented cooperation against digital offences

The Commission on Crime Prevention and Criminal Justice,

Recalling its resolution 22/8 of 26 April 2013 and the Commission’s work on digital offences,

Noting the report of the Secretariat (E/CN.15/2031/7),

1. Invites Member States to share their experience;

2. Requests the Secretariat to report to the Commission at its thirty-second session.
"""
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"
       b"\x1f\xf3\xffa\x00\x00\x00\x00IEND\xaeB`\x82")
GOOD = ("A-RES-73-187.en.txt", "ccpcj-31-2.txt")
BAD = {"empty.txt": "empty", "picture.png": "binary"}


@pytest.fixture
def inputs(tmp_path: Path, ga_text: str) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "A-RES-73-187.en.txt").write_text(ga_text, encoding="utf-8")
    (folder / "ccpcj-31-2.txt").write_bytes(CP1252_RESOLUTION.encode("cp1252"))
    (folder / "empty.txt").write_bytes(b"")
    (folder / "picture.png").write_bytes(PNG)
    (folder / ".hidden.txt").write_text("a hidden file is never read, whatever it holds", encoding="utf-8")
    return folder


def source_iri(name: str) -> NamedNode:
    return Mapper().source_iri(name)


def trig_quads(path: Path) -> list[Quad]:
    return list(parse(path=str(path), format=RdfFormat.TRIG))


def test_collect_inputs(inputs: Path) -> None:
    names = [p.name for p in collect_inputs([inputs])]
    assert names == sorted(["A-RES-73-187.en.txt", "ccpcj-31-2.txt", "empty.txt", "picture.png"])
    assert collect_inputs([inputs / "empty.txt", inputs])[0].name == "empty.txt"
    assert len(collect_inputs([inputs, inputs])) == 4


def test_good_files_are_built_and_bad_files_reported(inputs: Path, tmp_path: Path) -> None:
    result = build([inputs], tmp_path / "out", run_validation=False)
    failures = {Path(f.path).name: f.reason for f in result.failures}
    assert set(failures) == set(BAD)
    for name, word in BAD.items():
        assert word in failures[name], failures[name]
    assert result.documents == len(GOOD)
    sources = {q.subject for q in result.store.quads_for_pattern(None, TYPE, SOURCE_DOCUMENT, None)}
    assert sources == {source_iri(name) for name in GOOD}
    assert result.counts["documents"] == len(GOOD)
    assert result.counts["clauses"] == 6 + 4
    assert result.counts["instruments"] > 2
    assert result.counts["triples"] == len({(q.subject, q.predicate, q.object) for q in result.store})
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [DEFAULT_CACHE, "evidence.trig", "graph.trig",
                                                                   "graph.ttl"]


def test_non_utf8_file_is_built(inputs: Path) -> None:
    result = build_store(collect_inputs([inputs / "ccpcj-31-2.txt"]))
    assert result.failures == []
    records = {q.object.value for q in result.store.quads_for_pattern(
        source_iri("ccpcj-31-2.txt"), NamedNode(CLX.records), None, None)}
    assert records == {DEFAULT_BASE + "CCPCJ-31-2"}


def test_two_builds_are_byte_identical(inputs: Path, tmp_path: Path) -> None:
    first = build([inputs], tmp_path / "one", run_validation=False).written
    second = build([inputs], tmp_path / "two", run_validation=False).written
    for kind in ("turtle", "trig", "evidence"):
        assert first[kind].read_bytes() == second[kind].read_bytes(), kind


def test_trig_has_one_named_graph_per_source_document(inputs: Path, tmp_path: Path) -> None:
    written = build([inputs], tmp_path / "out", run_validation=False).written
    quads = trig_quads(written["trig"])
    graphs = {q.graph_name for q in quads}
    gazetteer = NamedNode(DEFAULT_BASE + "graph/gazetteer")
    assert graphs == {source_iri(name) for name in GOOD} | {gazetteer}
    for name in GOOD:
        own = [q for q in quads if q.graph_name == source_iri(name)]
        assert Quad(source_iri(name), TYPE, SOURCE_DOCUMENT, source_iri(name)) in own
        other_sources = {q.subject for q in own if q.predicate == TYPE and q.object == SOURCE_DOCUMENT}
        assert other_sources == {source_iri(name)}
    # the evidence of each document beside it, in evidence.trig
    evidence = {q.graph_name for q in trig_quads(written["evidence"])}
    assert evidence == {NamedNode(source_iri(name).value + "/evidence") for name in GOOD}


def test_turtle_is_the_union_of_the_trig(inputs: Path, tmp_path: Path) -> None:
    written = build([inputs], tmp_path / "out", run_validation=False).written
    union = {(q.subject, q.predicate, q.object) for q in trig_quads(written["trig"])}
    triples = {(t.subject, t.predicate, t.object) for t in parse(path=str(written["turtle"]),
                                                                   format=RdfFormat.TURTLE)}
    assert triples == union


# -- atomic output -------------------------------------------------------------------------------------

def test_a_mapper_failure_is_that_files_failure(inputs: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    real_map = Mapper.map

    def failing_map(self: Mapper, extraction):
        if extraction.source.file_name == "ccpcj-31-2.txt":
            raise RuntimeError("mapper failed")
        return real_map(self, extraction)

    monkeypatch.setattr(build_module.Mapper, "map", failing_map)
    out = tmp_path / "out"
    result = build([inputs], out, run_validation=False)
    failures = {Path(f.path).name: f.reason for f in result.failures}
    assert failures["ccpcj-31-2.txt"] == "could not be mapped: RuntimeError: mapper failed"
    assert result.documents == 1
    assert "A-RES-73-187" in (out / "graph.trig").read_text(encoding="utf-8")
    assert "CCPCJ-31-2" not in (out / "graph.trig").read_text(encoding="utf-8")


def test_failed_build_keeps_the_previous_graph(inputs: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    build([inputs], out, run_validation=False)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}

    def failing_serialise(*_args: object) -> None:
        raise RuntimeError("serialiser failed")

    monkeypatch.setattr(build_module, "stage_graph", failing_serialise)  # from the store
    monkeypatch.setattr(fragments, "stage_fragments", failing_serialise)  # from the documents' pieces
    with pytest.raises(RuntimeError):
        build([inputs], out, run_validation=False)
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before


def test_failed_write_never_leaves_a_partial_file(inputs: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"

    def refuse(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(serialise.os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        build([inputs], out, run_validation=False)
    assert [p.name for p in out.iterdir()] in ([], [DEFAULT_CACHE])  # no graph file, whole or half


def test_failed_write_of_the_trig_keeps_the_previous_pair(inputs: Path, tmp_path: Path, ga_text: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """graph.ttl and graph.trig are one output: a failure writing the second must not leave the first new."""
    out = tmp_path / "out"
    build([inputs / "ccpcj-31-2.txt"], out, run_validation=False)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    real_mkstemp = serialise.tempfile.mkstemp

    def mkstemp(prefix: str, dir: Path) -> tuple[int, str]:
        if prefix.startswith(".graph.trig"):
            raise OSError("disk full")
        return real_mkstemp(prefix=prefix, dir=dir)

    monkeypatch.setattr(serialise.tempfile, "mkstemp", mkstemp)
    with pytest.raises(OSError, match="disk full"):
        build([inputs], out, run_validation=False)
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert after == before, "graph.ttl of the failed build sits beside graph.trig of the previous one"


def test_processes_do_not_change_the_output(inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files are extracted by several processes and validated beside the writing: same bytes as one process."""
    from cyberlex import build as build_module

    monkeypatch.setattr(build_module, "PARALLEL_FROM", 1)
    one, two = tmp_path / "one", tmp_path / "two"
    first = build([inputs], one, run_validation=True, jobs=1)
    second = build([inputs], two, run_validation=True, jobs=2)
    for name in ("graph.ttl", "graph.trig", "evidence.trig", "validation.txt"):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name
    assert [f.path for f in first.failures] == [f.path for f in second.failures]


def test_workers_keep_their_files_entries_and_the_build_is_the_same(inputs: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The pool's workers put their files' entries into the build cache and send back only the union part of
    the N-Quads (as `cyberlex build` runs, no store kept): the same outputs and the same entries as one process,
    and the quads held back, read from the entries, are the rest of the graph."""
    monkeypatch.setattr(build_module, "PARALLEL_FROM", 1)
    one, two = tmp_path / "one", tmp_path / "two"
    build([inputs], one, jobs=1, fill_store=False)
    result = build([inputs], two, jobs=2, fill_store=False)
    for name in ("graph.ttl", "graph.trig", "evidence.trig", "validation.txt"):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name

    def entries(out: Path) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in (out / DEFAULT_CACHE).glob("*/*.entry")}

    assert len(entries(two)) == len(GOOD) and entries(one) == entries(two)
    assert result.held_back is not None and len(result.held_back.in_cache) == len(GOOD)
    held_back = build_module.HeldBack(tmp_path / "held-back.nq", BuildCache(two / DEFAULT_CACHE))
    held_back.in_cache = result.held_back.in_cache
    held_back.load_into(result.store)
    written = trig_quads(two / "graph.trig") + trig_quads(two / "evidence.trig")
    assert set(result.store) == set(written) and len(result.store) == len(written)


def test_an_entry_a_worker_kept_that_is_gone_when_read_is_built_again(inputs: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Another build sharing the cache may prune an entry between its worker's writing it and this build's reading
    its pieces (simulated: the first read finds nothing): the file is built again here and kept, the same bytes."""
    monkeypatch.setattr(build_module, "PARALLEL_FROM", 1)
    build([inputs], tmp_path / "one", jobs=1, fill_store=False)
    real_get = BuildCache.get
    missed: list[str] = []

    def first_read_finds_nothing(self: BuildCache, key: str, nquads: bool = True) -> object:
        if not missed:
            missed.append(key)
            return None
        return real_get(self, key, nquads)

    monkeypatch.setattr(BuildCache, "get", first_read_finds_nothing)
    result = build([inputs], tmp_path / "two", jobs=2, fill_store=False)
    assert missed and result.from_cache == 0 and len(result.failures) == len(BAD)
    for name in ("graph.ttl", "graph.trig", "evidence.trig", "validation.txt"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name
    assert len(list((tmp_path / "two" / DEFAULT_CACHE).glob("*/*.entry"))) == len(GOOD)


def test_a_file_whose_validation_runs_out_of_time_is_kept_and_validated_again(monkeypatch: pytest.MonkeyPatch,
                                                                              tmp_path: Path) -> None:
    """The file's time budget is for reading it; if its own SHACL check runs past it, the file's graph is kept
    and checked again without a budget, never left out of the graph or of the report."""
    real = validate_parts.validate_document
    calls: list[int] = []

    def slow_in_the_worker(data: bytes, own_namespaces: bool = False, **options: object) -> object:
        calls.append(1)
        if len(calls) == 1:
            time.sleep(2)
        return real(data, own_namespaces=own_namespaces, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(validate_parts, "validate_document", slow_in_the_worker)
    source = sample_corpus() / "ccpcj-resolution.txt"
    outcome = build_module._process(source, DEFAULT_BASE, 0.5, source.name, None, validate=True)
    assert outcome.failure is None and outcome.nquads and outcome.validation is None
    calls.clear()
    result = build_store([source], file_timeout=0.5, validate_documents=True)
    assert result.failures == [] and len(result.validations) == 1 and len(calls) == 2


# -- the store on disk ---------------------------------------------------------------------------------

def test_a_store_on_disk_gives_the_same_bytes_as_one_in_memory(inputs: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The validating process opens the on-disk store read-only: the report is the same too. The on-disk store
    is bulk-loaded one document at a time here (a batch each; other tests load theirs as one), and its triples are
    counted while the graph is written: the same count."""
    monkeypatch.setattr(build_module, "PARALLEL_FROM", 1)
    monkeypatch.setattr(build_module, "BULK_EVERY", 1)
    in_memory, on_disk = tmp_path / "memory", tmp_path / "disk"
    expected = build([inputs], in_memory, jobs=2)
    result = build([inputs], on_disk, jobs=2, store_dir=tmp_path / "store")
    assert result.violations is not None
    assert result.documents >= 2 and result.counts == expected.counts
    for name in ("graph.ttl", "graph.trig", "evidence.trig", "validation.txt"):
        assert (in_memory / name).read_bytes() == (on_disk / name).read_bytes(), name
    assert sorted(p.name for p in on_disk.iterdir()) == [DEFAULT_CACHE, "evidence.trig", "graph.trig", "graph.ttl",
                                                         "validation.txt"]


def test_the_store_is_kept_and_a_rebuild_replaces_it(inputs: Path, tmp_path: Path) -> None:
    folder = tmp_path / "store"
    result = build([inputs], tmp_path / "out", run_validation=False, store_dir=folder)
    expected = {str(g) for g in result.store.named_graphs()}
    assert {source_iri(name).value for name in GOOD} <= {g.value for g in result.store.named_graphs()}
    del result  # one handle on a RocksDB folder at a time
    kept = Store(str(folder))
    assert {str(g) for g in kept.named_graphs()} == expected
    quads = len(kept)
    del kept
    build([inputs / "ccpcj-31-2.txt"], tmp_path / "out", run_validation=False, store_dir=folder)
    again = Store(str(folder))
    names = {g.value for g in again.named_graphs()}
    assert source_iri("ccpcj-31-2.txt").value in names
    assert source_iri("A-RES-73-187.en.txt").value not in names  # replaced, not accumulated
    assert len(again) < quads


def test_a_large_build_uses_a_temporary_store_and_removes_it(inputs: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    small, large = tmp_path / "small", tmp_path / "large"
    build([inputs], small, run_validation=False)
    monkeypatch.setattr(build_module, "ON_DISK_FROM", 1)
    result = build([inputs], large, run_validation=False)
    assert sorted(p.name for p in large.iterdir()) == [DEFAULT_CACHE, "evidence.trig", "graph.trig", "graph.ttl"]
    for name in ("graph.ttl", "graph.trig"):
        assert (small / name).read_bytes() == (large / name).read_bytes(), name
    assert result.counts["documents"] == len(GOOD)


def _counts_as_before(store: Store) -> dict[str, int]:
    """build.count as it was, with Python sets of the nodes: the reference for the SPARQL aggregates."""
    by_class: dict[str, set[str]] = {}
    for quad in store.quads_for_pattern(None, TYPE, None, None):
        by_class.setdefault(quad.object.value, set()).add(str(quad.subject))

    def nodes(classes: set[str]) -> int:
        return len(set().union(*(by_class.get(c, set()) for c in classes)))

    return {"documents": nodes({CLX.SourceDocument}), "instruments": nodes(instrument_classes()),
            "clauses": nodes({CLX.PreambularClause, CLX.OperativeClause}),
            "citations": len({(q.subject, q.object) for q in store.quads_for_pattern(None, NamedNode(CLX.cites),
                                                                                       None, None)}),
            "bodies": nodes(body_classes()),
            "triples": len({(q.subject, q.predicate, q.object) for q in store})}


def test_counts_from_the_store_are_those_of_python_sets() -> None:
    store = build_store(collect_inputs([sample_corpus()])).store
    assert count(store) == _counts_as_before(store)
    assert count(store)["clauses"] > 0 and count(store)["citations"] > 0


def test_a_build_into_another_store_is_not_up_to_date(inputs: Path, tmp_path: Path) -> None:
    out, good = tmp_path / "out", [inputs / name for name in GOOD]  # a build with a failure is never up to date
    build(good, out, run_validation=False, store_dir=tmp_path / "one", skip_unchanged=True)
    again = build(good, out, run_validation=False, store_dir=tmp_path / "one", skip_unchanged=True)
    assert again.up_to_date
    elsewhere = build(good, out, run_validation=False, store_dir=tmp_path / "two", skip_unchanged=True)
    assert not elsewhere.up_to_date
    assert source_iri("ccpcj-31-2.txt") in set(elsewhere.store.named_graphs())


def test_a_build_killed_leaves_its_own_files_for_the_next_build_to_remove(tmp_path: Path) -> None:
    """`kill -9` in the middle of a build: its folder of own files (the evidence it holds back, a temporary
    store…) stays in --out until the next build, which removes it; no build leaves one otherwise."""
    import os
    import signal
    import subprocess
    import sys

    out = tmp_path / "out"
    cyberlex = Path(sys.executable).parent / "cyberlex"
    process = subprocess.Popen([str(cyberlex), "build", "--out", str(out), "--no-cache"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(out.glob(f"{build_module.WORK_PREFIX}*")):
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    left = list(out.glob(f"{build_module.WORK_PREFIX}*"))
    assert left, "the killed build had made its folder"
    build([sample_corpus()], out)
    assert not list(out.glob(f"{build_module.WORK_PREFIX}*"))
    assert {p.name for p in out.iterdir() if p.name.startswith(".") and p.is_dir()} == {DEFAULT_CACHE}


def test_a_build_whose_out_is_a_file_says_so_before_building(tmp_path: Path) -> None:
    (tmp_path / "out").write_text("not a folder", encoding="utf-8")
    with pytest.raises(build_module.WriteError, match=r"could not write the graph to .*out"):
        build([sample_corpus()], tmp_path / "out")
    assert (tmp_path / "out").read_text(encoding="utf-8") == "not a folder"
