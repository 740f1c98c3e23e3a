"""Hostile IRIs in documents: `cyberlex release` writes nothing outside --out (issue 11, item 1).

A keyword href such as <https://w3id.org/cyberlex/id/../../../x> or <…/id//abs/dir> used to become a
node, and its page was written at the path the IRI spells, outside the release folder.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from pyoxigraph import NamedNode, Triple

from cyberlex.cli import main
from cyberlex.iri import iri_problem
from cyberlex.site import pages

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from test_read_akn import AKN  # (the small Akoma Ntoso document of the reader's tests)

BASE = "https://w3id.org/cyberlex/id/"
GOOD = '<keyword value="16" href="http://metadata.un.org/sdg/16" showAs="sdg_16" dictionary="SDGO"/>'


def hostile_akn(*hrefs: str) -> str:
    keywords = "".join(f'<keyword value="k{n}" href="{href}" showAs="k{n}" dictionary="X"/>'
                       for n, href in enumerate(hrefs))
    assert GOOD in AKN
    return AKN.replace(GOOD, GOOD + keywords)


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


def test_release_writes_nothing_outside_out_for_hostile_keyword_iris(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    outside = tmp_path / "abs" / "dir"
    hrefs = [BASE + "../../../escaped", BASE + "/" + str(outside).lstrip("/"), BASE + "a/./b",
             BASE + "%2e%2e/%2e%2e/enc"]
    (inputs / "A-RES-99-7.en.xml").write_text(hostile_akn(*hrefs), encoding="utf-8")
    work = tmp_path / "rel"
    work.mkdir()
    before = files_under(tmp_path) - files_under(work)
    result = CliRunner().invoke(main, ["release", str(inputs), "--out", str(work / "dist"), "--date", "2044-12-31"])
    assert result.exit_code == 0, result.output
    assert files_under(tmp_path) - files_under(work) == before  # nothing new beside --out
    assert {p.relative_to(work).parts[0] for p in files_under(work)} == {"dist"}
    assert not (tmp_path / "escaped").exists() and not outside.exists()
    # each IRI dropped with a warning naming the file; the good keyword stays
    for href in hrefs:
        assert any("A-RES-99-7.en.xml: warning: keyword IRI" in line and repr(href) in line
                   for line in result.stderr.splitlines()), result.stderr
    graph = (work / "dist" / "graph.nt").read_text(encoding="utf-8")
    assert "<http://metadata.un.org/sdg/16>" in graph
    assert "escaped" not in graph and "/abs/dir" not in graph


@pytest.mark.parametrize("tail", ["../../../x", "/abs/dir", "a/../../x", "./x"])
def test_the_site_writer_refuses_a_path_outside_its_folder(tmp_path: Path, tail: str) -> None:
    iri = BASE + tail
    index = pages.Index([Triple(NamedNode(BASE + "ok"), NamedNode("http://ex.org/p"), NamedNode(iri))], BASE)
    site = tmp_path / "a" / "b" / "site"
    with pytest.raises(pages.UnsafePagePath, match=r"^<" + iri.replace(".", r"\.") + ">: its page would be"):
        pages.write_site(index, site)
    assert not any(p.is_file() for p in tmp_path.rglob("*"))  # refused before anything is written


def test_the_site_writer_refuses_a_symbolic_link_out(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (site / "link").symlink_to(tmp_path / "elsewhere")
    index = pages.Index([Triple(NamedNode(BASE + "link/x"), NamedNode("http://ex.org/p"), NamedNode(BASE + "y"))],
                        BASE)
    with pytest.raises(pages.UnsafePagePath, match="outside the site folder"):
        pages.write_site(index, site)
    assert list((tmp_path / "elsewhere").iterdir()) == []


@pytest.mark.parametrize("iri", [
    "https://w3id.org/cyberlex/id/../x", "https://w3id.org/cyberlex/id//abs", "https://w3id.org/id/./x",
    "https://w3id.org/id/%2E%2E/x", "https://w3id.org/id/a%2Fb", "http://ex.org/a b", "http://ex.org/a\nb",
    "http:/ex.org/a", "ftp://ex.org/a", "https://user@ex.org/a", "https:///a", "http://ex.org/%zz", "", "x"])
def test_unsound_iris_are_named(iri: str) -> None:
    assert iri_problem(iri) is not None


@pytest.mark.parametrize("iri", [
    "http://metadata.un.org/sdg/16", "http://metadata.un.org/thesaurus/1007130", "https://ex.org",
    "https://ex.org/", "https://ex.org/a/", "https://ex.org:8080/a?b=c#d", "http://eurovoc.europa.eu/4485",
    "https://ex.org/caf%C3%A9", "https://ex.org/café"])
def test_sound_iris_pass(iri: str) -> None:
    assert iri_problem(iri) is None
