"""One hostile file is that file's failure: one line with its name and reason; the rest is built."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hostile_inputs import akn

from cyberlex import build as build_module
from cyberlex.build import build
from cyberlex.cli import EXIT_INPUT_FAILURES, main
from cyberlex.map import Mapper


@pytest.fixture
def good_akn() -> str:
    """A resolution that builds."""
    return akn(7)


def test_a_keyword_href_with_a_space_is_dropped_with_a_warning_and_the_rest_is_built(
        tmp_path: Path, good_akn: str) -> None:
    # (an IRI from a document is checked before it becomes a node: cyberlex.iri; any other exception of a
    # file is that file's failure, below)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.xml").write_text(good_akn, encoding="utf-8")
    (folder / "hostile.xml").write_text(akn(8, "http://metadata.un.org/thesaurus/10 07130"), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(folder), "--out", str(out), "--no-validate"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    errors = result.stderr.splitlines()
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"cyberlex: {folder / 'hostile.xml'}: warning: ")
    assert "Traceback" not in result.output
    assert "documents: 2 read, 0 failed" in result.stdout
    graph = (out / "graph.trig").read_text(encoding="utf-8")
    assert "A-RES-99-7" in graph and "A-RES-99-8" in graph and "10 07130" not in graph


@pytest.mark.parametrize("stage", ["read", "segment", "extract", "map"])
def test_any_exception_in_a_stage_is_the_files_failure(tmp_path: Path, good_akn: str, stage: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.xml").write_text(good_akn, encoding="utf-8")
    (folder / "b.xml").write_text(akn(8), encoding="utf-8")
    # where each stage is looked up when the build calls it (the mapping stage: Mapper(base).map)
    owner, name = {"read": (build_module, "read"), "segment": (build_module, "segment"),
                   "extract": (build_module, "extract"), "map": (Mapper, "map")}[stage]
    real = getattr(owner, name)

    def failing(*args):  # type: ignore[no-untyped-def]
        text = "".join(str(arg) if isinstance(arg, Path) else str(getattr(arg, "path", ""))
                       + str(getattr(getattr(arg, "source", None), "path", "")) for arg in args)
        if "b.xml" in text:
            raise KeyError("injected\nsecond line")
        return real(*args)

    monkeypatch.setattr(owner, name, failing)
    result = build([folder], tmp_path / "out", run_validation=False, jobs=1)
    assert result.documents == 1
    assert [(Path(f.path).name, "KeyError" in f.reason) for f in result.failures] == [("b.xml", True)]
    assert (tmp_path / "out" / "graph.trig").exists()


def test_a_file_name_with_a_newline_cannot_forge_a_second_line(tmp_path: Path, good_akn: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.xml").write_text(good_akn, encoding="utf-8")
    (folder / "x\ncyberlex: forged.txt: the file is empty").write_bytes(b"")
    result = CliRunner().invoke(main, ["build", str(folder), "--out", str(tmp_path / "out"), "--no-validate"],
                                catch_exceptions=False)
    assert result.exit_code == EXIT_INPUT_FAILURES
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "x\\ncyberlex: forged.txt" in result.stderr


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_file_past_its_time_budget_fails_and_the_rest_is_built(tmp_path: Path, good_akn: str, jobs: int,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A file whose extraction hangs (here a regular expression that backtracks exponentially) is given up
    after --file-timeout, in this process and in the worker processes alike."""
    import re

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.xml").write_text(good_akn, encoding="utf-8")
    (folder / "b.xml").write_text(akn(8), encoding="utf-8")
    real = build_module.extract

    def hanging(segments):  # type: ignore[no-untyped-def]
        if segments.source.file_name == "b.xml":
            re.match(r"(a*)*b", "a" * 60)  # would run for years
        return real(segments)

    monkeypatch.setattr(build_module, "extract", hanging)
    monkeypatch.setattr(build_module, "PARALLEL_FROM", 1)
    started = time.monotonic()
    result = build([folder], tmp_path / "out", run_validation=False, jobs=jobs, file_timeout=0.5)
    assert time.monotonic() - started < 30
    assert result.documents == 1
    assert [(Path(f.path).name, f.reason) for f in result.failures] == [
        ("b.xml", "took longer than 0.5 s (--file-timeout) and was given up while being extracted")]


def test_file_timeout_on_the_command_line(tmp_path: Path, good_akn: str, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "b.xml").write_text(good_akn, encoding="utf-8")

    def hanging(segments):  # type: ignore[no-untyped-def]
        while True:
            pass

    monkeypatch.setattr(build_module, "extract", hanging)
    result = CliRunner().invoke(main, ["build", str(tmp_path / "b.xml"), "--out", str(tmp_path / "out"),
                                       "--no-validate", "--file-timeout", "0.3"], catch_exceptions=False)
    assert "took longer than 0.3 s (--file-timeout)" in result.stderr
    assert "--file-timeout" in CliRunner().invoke(main, ["build", "--help"]).output


RUSSIAN = """Генеральная Ассамблея,

ссылаясь на свою резолюцию 65/230 от 21 декабря 2010 года,

1. постановляет продолжить рассмотрение этого вопроса на своей следующей сессии.
"""


def test_a_cyrillic_windows_1251_file_is_read_as_cyrillic(tmp_path: Path) -> None:
    from cyberlex.read import read

    path = tmp_path / "ru.txt"
    path.write_bytes(RUSSIAN.encode("cp1251"))
    source = read(path)
    assert source.text == RUSSIAN, source.encoding
    assert source.language == "ru"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("text", ["The General Assembly,\n\nRecalling its resolution 65/230 of 21 December 2010,\n",
                                  RUSSIAN], ids=["english", "russian"])
def test_utf16_without_a_byte_order_mark_is_read(tmp_path: Path, encoding: str, text: str) -> None:
    from cyberlex.read import read

    path = tmp_path / "doc.txt"
    path.write_bytes(text.encode(encoding))
    source = read(path)
    assert (source.text, source.encoding) == (text, encoding)


def test_more_than_999_numbered_paragraphs_are_all_read(tmp_path: Path) -> None:
    """Numbering past 999 (a programme of action, a long list) does not end the operative part."""
    from cyberlex.build import build_store

    paragraphs = "".join(f"{n}. Decides to consider item {n} at its next session;\n\n" for n in range(1, 1201))
    (tmp_path / "long.txt").write_text("99/7. A long programme of action\n\nThe General Assembly,\n\nRecalling its "
                                       "resolution 65/230 of 21 December 2010,\n\n" + paragraphs, encoding="utf-8")
    result = build_store([tmp_path / "long.txt"])
    assert result.failures == []
    assert result.counts["clauses"] == 1 + 1200


def test_more_than_999_numbered_akoma_ntoso_paragraphs_are_all_read(tmp_path: Path) -> None:
    from cyberlex.build import build_store

    many = "".join(f'<paragraph><num>{n}.</num><content><p><span class="italic">Decides</span> to consider item {n};'
                   "</p></content></paragraph>" for n in range(1, 1201))
    document = akn(7).replace("<mainBody>", "<mainBody>" + many, 1)
    document = document.replace("<num>1.</num><content><p><span class=\"italic\">Takes note", "<num>1201.</num>"
                                "<content><p><span class=\"italic\">Takes note").replace(
        "<num>2.</num><content><p><span class=\"italic\">Requests", "<num>1202.</num><content><p>"
        "<span class=\"italic\">Requests")
    (tmp_path / "long.xml").write_text(document, encoding="utf-8")
    result = build_store([tmp_path / "long.xml"])
    assert result.failures == []
    assert result.counts["clauses"] == 1 + 1202


def test_a_doctype_written_in_utf7_is_refused(tmp_path: Path) -> None:
    """The byte test for <!DOCTYPE sees nothing in UTF-7 ('+ADw-!DOCTYPE'); the parsed tree still says."""
    from cyberlex.read import ReadError, read

    body = akn(7).split("?>", 1)[1]
    evil = ('<?xml version="1.0" encoding="UTF-7"?>+ADw-!DOCTYPE akomaNtoso +AFs- +ADw-!ENTITY x "EXPANDED"+AD4- '
            "+AF0-+AD4-" + body)
    path = tmp_path / "utf7.xml"
    path.write_bytes(evil.encode("ascii"))
    with pytest.raises(ReadError, match="document type declaration"):
        read(path)
