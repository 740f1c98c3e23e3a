"""The stages compose: for every input format the readers support, ``Mapper().map(extract(segment(read(path))))``
by hand gives the graph the build gives; the build's per-file step is that composition, each stage entered
once, in order; and the public API (``cyberlex.__all__``) with the example the README shows.

PDF and Word files are made by LibreOffice (installed by `make system-deps`) from a sample text laid out as the
UN prints a resolution (tests/office.py); those cases are skipped, with the reason, where it is absent.
"""

from __future__ import annotations

import contextlib
import html
import io
import re
import subprocess
import sys
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from pyoxigraph import RdfFormat, Store

import cyberlex
from cyberlex.build import InputFailed, _process, build_graph, build_store
from cyberlex.extract import extract
from cyberlex.map import Mapper
from cyberlex.read import EXTRACTED, read
from cyberlex.read.akn import MEDIA_TYPE as AKN_MEDIA_TYPE
from cyberlex.segment import segment
from cyberlex.vocab import prefixes

sys.path.insert(0, str(Path(__file__).parent))
from office import convert, fodt, soffice
from test_read_akn import AKN

REPO = Path(__file__).resolve().parents[1]
SAMPLE_TEXT = REPO / "samples" / "ga-resolution-cybercrime.txt"
CLX = prefixes()["clx"]
DCTERMS = prefixes()["dcterms"]

# Each format the readers support, and the media type read() gives it.
FORMATS = {"text": "text/plain", "markdown": "text/markdown", "akn": AKN_MEDIA_TYPE, "pdf": "application/pdf",
           "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "html": "text/html"}
OFFICE = {"pdf", "docx"}


def _html(text: str) -> str:
    """The sample text as a web page: one <p> per block, line breaks kept, inside boilerplate to drop."""
    blocks = [b for b in text.split("\n\n") if b.strip()]
    body = "".join(f"<p>{html.escape(b).replace(chr(10), '<br>')}</p>\n" for b in blocks)
    return (f'<!DOCTYPE html><html lang="en"><head><title>A/RES/77/1</title></head><body>'
            f"<nav>Home | Documents</nav><main>{body}</main><footer>United Nations</footer></body></html>")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One file of each format; PDF and Word only where LibreOffice is installed."""
    folder = tmp_path_factory.mktemp("formats")
    files = {"text": SAMPLE_TEXT, "markdown": REPO / "samples" / "ipu-resolution.md"}
    files["akn"] = folder / "A-RES-99-7.xml"
    files["akn"].write_text(AKN, encoding="utf-8")
    files["html"] = folder / "ga-resolution.html"
    files["html"].write_text(_html(SAMPLE_TEXT.read_text(encoding="utf-8")), encoding="utf-8")
    if soffice() is not None:
        layout = folder / "ga-resolution.fodt"
        layout.write_text(fodt(SAMPLE_TEXT.read_text(encoding="utf-8"), "A/RES/77/1"), encoding="utf-8")
        for fmt in OFFICE:
            files[fmt] = convert(layout, fmt, folder, folder / "profile")
    return files


def _by_hand(path: Path) -> Store:
    store = Store()
    store.extend(Mapper().map(extract(segment(read(path)))))
    return store


def _nquads(store: Store) -> list[bytes]:
    return sorted((store.dump(format=RdfFormat.N_QUADS) or b"").splitlines())


def test_every_format_the_readers_support_is_covered() -> None:
    assert set(FORMATS.values()) == {"text/plain", "text/markdown", AKN_MEDIA_TYPE, *EXTRACTED}


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_stages_composed_by_hand_give_the_build_graph(inputs: dict[str, Path], fmt: str) -> None:
    if fmt not in inputs:
        pytest.skip("LibreOffice not installed: run `make system-deps`")
    path = inputs[fmt]
    assert read(path).media_type == FORMATS[fmt]
    built = build_store([path])
    assert built.failures == [] and built.documents == 1
    composed = _nquads(_by_hand(path))
    assert composed == _nquads(built.store)
    assert composed == _nquads(build_graph(path))
    assert sum(b"OperativeClause" in line for line in composed) >= 2  # a real document, not an empty graph


def test_the_markup_facts_are_in_the_composed_graph(inputs: dict[str, Path]) -> None:
    """What only the Akoma Ntoso markup states comes through the stages themselves: the vote, the subject
    keywords, the FRBR identifiers, the heading kept out of the first paragraph, the links as citations."""
    store = _by_hand(inputs["akn"])
    resolution = "https://w3id.org/cyberlex/id/A-RES-99-7"
    answer = store.query(f"""PREFIX clx: <{CLX}> PREFIX dcterms: <{DCTERMS}>
        SELECT ?outcome ?infavour ?work ?subjects ?text ?cited WHERE {{
          <{resolution}> clx:vote ?vote ; clx:frbrWork ?work ; clx:hasClause ?clause .
          ?vote clx:outcome ?outcome ; clx:votesInFavour ?infavour .
          ?clause a clx:OperativeClause ; clx:ordinal 1 ; clx:text ?text .
          {{ SELECT (COUNT(?s) AS ?subjects) WHERE {{ <{resolution}> dcterms:subject ?s }} }}
          {{ SELECT (GROUP_CONCAT(STR(?c); separator=" ") AS ?cited) WHERE {{ ?x clx:cites ?c }} }}
        }}""", use_default_graph_as_union=True)
    rows = list(answer)  # type: ignore[arg-type]
    assert len(rows) == 1
    row = rows[0]
    assert (row["outcome"].value, row["infavour"].value) == ("adoptedRecordedVote", "120")
    assert row["work"].value == "/akn/un/statement/deliberation/unga/2044-12-17/99-7/"
    assert row["subjects"].value == "2"
    assert "Follow-up" not in row["text"].value
    assert sorted(c.rsplit("/", 1)[1] for c in row["cited"].value.split()) == [
        "A-70-174", "A-RES-65-230", "E-2013-30", "S-RES-2341-2017"]  # from the links; not its own symbol


@pytest.mark.corpus
def test_a_un_resolution_in_akoma_ntoso_composes_with_its_recorded_vote(shared: Path) -> None:
    path = shared / "corpus" / "un" / "xml" / "A-RES-76-10.en.xml"
    composed = _nquads(_by_hand(path))
    assert composed == _nquads(build_store([path]).store)
    voted = [line for line in composed if f"<{CLX}votedInFavour>".encode() in line]
    assert len(voted) > 100


def test_the_build_step_enters_each_stage_once_in_order(inputs: dict[str, Path]) -> None:
    """Following the calls of the per-file step: from build.py, the four stages are called once each, in
    order, and no other function of cyberlex."""
    entered: list[str] = []

    def trace(frame: FrameType, event: str, _arg: Any) -> None:
        caller = frame.f_back
        if event == "call" and caller is not None and caller.f_globals.get("__name__") == "cyberlex.build" \
                and frame.f_globals.get("__name__", "").startswith("cyberlex."):
            entered.append(f"{frame.f_globals['__name__']}.{frame.f_code.co_name}")

    sys.setprofile(trace)
    try:
        outcome = _process(inputs["akn"], "https://w3id.org/cyberlex/id/", timeout=None)
    finally:
        sys.setprofile(None)
    assert outcome.failure is None
    assert [call for call in entered if not call.startswith("cyberlex.build.")] == [
        "cyberlex.read.read", "cyberlex.segment.segment", "cyberlex.extract.extract",
        "cyberlex.map.__init__", "cyberlex.map.map"]  # Mapper(base).map(extraction)


def test_build_graph_raises_on_a_failed_file_with_the_graph_of_the_others(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    (tmp_path / "resolution.txt").write_text(SAMPLE_TEXT.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(InputFailed, match="1 of 2 input files failed") as failed:
        build_graph(tmp_path)
    assert [f.reason for f in failed.value.failures] == ["the file is empty"]
    assert len(failed.value.store) > 100
    (tmp_path / "empty-folder").mkdir()
    with pytest.raises(InputFailed, match="no files to read"):
        build_graph(tmp_path / "empty-folder")


# -- the public API --------------------------------------------------------------------------------------------

def test_the_public_api_is_all_it_exports() -> None:
    assert set(cyberlex.__all__) == {"__version__", "build_graph", "InputFailed", "read", "ReadError", "segment",
                                     "extract", "Mapper", "validate", "serialise_graph", "write_graph"}
    for name in cyberlex.__all__:
        assert getattr(cyberlex, name) is not None, name
    # read, segment, extract and validate are functions though modules of the same names are imported
    assert cyberlex.read is sys.modules["cyberlex.read"].read
    assert callable(cyberlex.segment) and callable(cyberlex.extract) and callable(cyberlex.validate)
    with pytest.raises(AttributeError):
        _ = cyberlex.given  # type: ignore[attr-defined]


def test_import_cyberlex_is_cheap() -> None:
    """`import cyberlex` loads none of the stages' libraries (pySHACL alone takes seconds)."""
    probe = ("import sys, cyberlex; print(sorted(m for m in ('cyberlex.read', 'cyberlex.validate', 'pyshacl', "
             "'rdflib', 'pyoxigraph', 'lingua', 'lxml') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_readme_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    example = re.search(r"```python\n(.*?)```", section, re.S)
    assert example is not None
    code = example.group(1)
    assert len([line for line in code.splitlines() if line.strip() and not line.startswith("import ")]) == 3
    monkeypatch.chdir(REPO)
    printed = io.StringIO()
    namespace: dict[str, Any] = {}
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "README.md", "exec"), namespace)
    assert printed.getvalue() == "True\n"
    assert isinstance(namespace["store"], Store) and len(namespace["store"]) > 1000
    one_file = Store()
    one_file.extend(namespace["quads"])
    assert _nquads(one_file) == _nquads(build_store([REPO / "samples" / "ipu-resolution.md"]).store)
