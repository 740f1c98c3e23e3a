"""The build cache (cyberlex.cache, issue 9): an unchanged file is not built again, and a build that takes files
from the cache writes the same bytes as a clean one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cyberlex import cache as cache_module
from cyberlex.build import DEFAULT_CACHE, build, sample_corpus
from cyberlex.cache import MANIFEST, SUFFIX, BuildCache
from cyberlex.cli import main

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


# A build that finds nothing changed (the manifest of the last build into --out, cyberlex.cache.Manifest).

def stamps(folder: Path) -> dict[str, tuple[int, int]]:
    return {name: ((folder / name).stat().st_ino, (folder / name).stat().st_mtime_ns) for name in OUTPUTS}


def test_a_build_with_nothing_changed_writes_nothing_and_reports_the_same_figures(corpus: Path,
                                                                                 tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = build([corpus], out, skip_unchanged=True)
    assert not first.up_to_date and (out / MANIFEST).is_file()
    before = stamps(out)
    again = build([corpus], out, skip_unchanged=True)
    assert again.up_to_date and stamps(out) == before
    assert (again.documents, again.counts, again.violations, again.warnings, again.written) == \
        (first.documents, first.counts, first.violations, first.warnings, first.written)
    assert again.report_text == first.report_text and again.from_cache == first.documents
    assert len(entries(out / DEFAULT_CACHE)) == first.documents  # not pruned: every entry is still current


@pytest.mark.parametrize("change", ["edit an input", "remove an input", "edit an output", "replace an output",
                                    "another option"])
def test_any_change_to_inputs_outputs_or_options_builds_again(corpus: Path, tmp_path: Path, change: str) -> None:
    out = tmp_path / "out"
    build([corpus], out, skip_unchanged=True)
    validate = True
    if change == "edit an input":
        changed = corpus / "ccpcj-resolution.txt"
        changed.write_text(changed.read_text(encoding="utf-8").replace("Cybercrime", "Computer Crime", 1),
                           encoding="utf-8")
    elif change == "remove an input":
        (corpus / "news-report.de.txt").unlink()
    elif change == "edit an output":
        with (out / "graph.ttl").open("ab") as stream:
            stream.write(b"# edited by hand\n")
    elif change == "replace an output":
        (out / "graph.trig").rename(tmp_path / "kept.trig")
        (tmp_path / "kept.trig").rename(out / "graph.trig")  # same bytes, but was moved: not trusted
        shutil.copy(out / "validation.txt", tmp_path / "copy.txt")
        (tmp_path / "copy.txt").replace(out / "validation.txt")
    else:
        validate = False
    again = build([corpus], out, skip_unchanged=True, run_validation=validate)
    assert not again.up_to_date
    clean = tmp_path / "clean"
    build([corpus], clean, use_cache=False, run_validation=validate)
    for name in ("graph.ttl", "graph.trig"):
        assert (out / name).read_bytes() == (clean / name).read_bytes()
    assert build([corpus], out, skip_unchanged=True, run_validation=validate).up_to_date


def test_a_build_with_a_failed_file_is_never_taken_as_up_to_date(corpus: Path, tmp_path: Path) -> None:
    (corpus / "garbage.txt").write_bytes(b"\x00\x01 nothing here")
    out = tmp_path / "out"
    first = build([corpus], out, skip_unchanged=True)
    assert first.failures and not (out / MANIFEST).exists()
    again = build([corpus], out, skip_unchanged=True)
    assert not again.up_to_date and again.failures  # the failed file is tried again


def test_without_asking_or_without_the_cache_every_build_builds(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build([corpus], out, skip_unchanged=True)
    assert not build([corpus], out).up_to_date  # the Python API's default: build, from the cache
    assert not build([corpus], out, use_cache=False, skip_unchanged=True).up_to_date


def test_the_command_line_says_up_to_date(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["build", str(corpus), "--out", str(out)]
    first = CliRunner().invoke(main, args, catch_exceptions=False)
    again = CliRunner().invoke(main, args, catch_exceptions=False)
    assert first.exit_code == again.exit_code == 0
    assert "up to date" not in first.output
    assert again.output.startswith(f"up to date: no input changed since the last build into {out}")
    reported = [line for line in again.output.splitlines()[1:] if not line.startswith("from the build cache")]
    assert reported == first.output.splitlines()  # the same figures and files
