"""The build cache (cyberlex.cache, issue 9): an unchanged file is not built again, and a build that takes files
from the cache writes the same bytes as a clean one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cyberlex import cache as cache_module
from cyberlex.build import DEFAULT_CACHE, build, sample_corpus
from cyberlex.cache import SUFFIX, BuildCache

OUTPUTS = ("graph.ttl", "graph.trig", "evidence.trig", "validation.txt")


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(sample_corpus(), folder)
    return folder


def outputs(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in OUTPUTS}


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"*/*{SUFFIX}"))


def test_a_second_build_takes_every_file_from_the_cache_and_writes_the_same_bytes(corpus: Path,
                                                                                  tmp_path: Path) -> None:
    clean = build([corpus], tmp_path / "clean", use_cache=False)
    assert clean.from_cache == 0 and not (tmp_path / "clean" / DEFAULT_CACHE).exists()
    first = build([corpus], tmp_path / "out")
    assert first.from_cache == 0
    assert len(entries(tmp_path / "out" / DEFAULT_CACHE)) == first.documents
    second = build([corpus], tmp_path / "out")
    assert second.from_cache == second.documents == clean.documents
    assert second.counts == clean.counts
    assert outputs(tmp_path / "out") == outputs(tmp_path / "clean")


def test_changing_one_file_builds_that_file_alone(corpus: Path, tmp_path: Path) -> None:
    build([corpus], tmp_path / "out")
    changed = corpus / "ccpcj-resolution.txt"
    changed.write_text(changed.read_text(encoding="utf-8").replace("Cybercrime", "Computer Crime", 1),
                       encoding="utf-8")
    again = build([corpus], tmp_path / "out")
    assert again.from_cache == again.documents - 1
    build([corpus], tmp_path / "clean", use_cache=False)
    assert outputs(tmp_path / "out") == outputs(tmp_path / "clean")
    # the old entry of the changed file is gone from the default cache
    assert len(entries(tmp_path / "out" / DEFAULT_CACHE)) == again.documents


def test_removing_a_file_removes_its_graph_and_its_entry(corpus: Path, tmp_path: Path) -> None:
    first = build([corpus], tmp_path / "out")
    (corpus / "news-report.de.txt").unlink()
    again = build([corpus], tmp_path / "out")
    assert again.documents == first.documents - 1 == again.from_cache
    build([corpus], tmp_path / "clean", use_cache=False)
    assert outputs(tmp_path / "out") == outputs(tmp_path / "clean")
    assert b"news-report" not in (tmp_path / "out" / "graph.trig").read_bytes()
    assert len(entries(tmp_path / "out" / DEFAULT_CACHE)) == again.documents


def test_a_new_cyberlex_does_not_use_the_entries_of_the_old(corpus: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    build([corpus], tmp_path / "out")
    monkeypatch.setattr(cache_module, "fingerprint", lambda: "another cyberlex")
    again = build([corpus], tmp_path / "out")
    assert again.from_cache == 0


def test_the_fingerprint_follows_the_data_that_shapes_results(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    before = cache_module.fingerprint()
    data = tmp_path / "mappings"
    shutil.copytree(cache_module.data_path("mappings"), data)
    real = cache_module.data_path
    monkeypatch.setattr(cache_module, "data_path", lambda name: data if name == "mappings" else real(name))
    cache_module.fingerprint.cache_clear()
    try:
        assert cache_module.fingerprint() == before  # the same data, elsewhere
        table = data / "lang" / "en.toml"
        table.write_text(table.read_text(encoding="utf-8") + "\n# one more line\n", encoding="utf-8")
        cache_module.fingerprint.cache_clear()
        assert cache_module.fingerprint() != before
    finally:
        cache_module.fingerprint.cache_clear()


def test_a_damaged_entry_is_built_again(corpus: Path, tmp_path: Path) -> None:
    first = build([corpus], tmp_path / "out")
    for entry in entries(tmp_path / "out" / DEFAULT_CACHE):
        entry.write_bytes(entry.read_bytes()[:40])
    again = build([corpus], tmp_path / "out")
    assert again.from_cache == 0 and again.documents == first.documents
    build([corpus], tmp_path / "clean", use_cache=False)
    assert outputs(tmp_path / "out") == outputs(tmp_path / "clean")


def test_a_shared_cache_serves_another_output_folder_and_is_not_pruned(corpus: Path, tmp_path: Path) -> None:
    shared = tmp_path / "shared-cache"
    first = build([corpus], tmp_path / "one", cache_dir=shared)
    kept = entries(shared)
    (corpus / "news-report.de.txt").unlink()
    again = build([corpus], tmp_path / "two", cache_dir=shared)
    assert again.from_cache == again.documents == first.documents - 1
    assert entries(shared) == kept  # other users of the folder may still need the entry of the removed file
    assert not (tmp_path / "two" / DEFAULT_CACHE).exists()


def test_a_file_over_the_size_limit_is_refused_even_when_cached(corpus: Path, tmp_path: Path) -> None:
    first = build([corpus], tmp_path / "out")
    again = build([corpus], tmp_path / "out", max_file_bytes=2000)
    assert again.failures and all("larger than" in f.reason or "MB" in f.reason for f in again.failures)
    assert again.documents + len(again.failures) == first.documents


def test_an_unwritable_cache_only_costs_time(corpus: Path, tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache would go", encoding="utf-8")
    result = build([corpus], tmp_path / "out", cache_dir=blocked)
    assert result.failures == [] and result.from_cache == 0
    assert BuildCache(blocked).get("0" * 64) is None
