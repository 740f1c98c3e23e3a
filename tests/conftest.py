"""Fixtures shared by the tests that mirror the pipeline stages (read → segment → extract → map → serialise).

The shared corpus (../shared, beside the repository) is read in place, never copied into the project: tests that
need it carry the `corpus` marker (declared in pyproject.toml) and are skipped, with the reason, where it is absent.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from cyberlex.extract import extract
from cyberlex.models import Extraction, Segments, SourceText
from cyberlex.read import read
from cyberlex.segment import segment

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "corpus"
CORPUS_MISSING = "../shared/corpus not found: the shared corpus is read in place, never copied"


def corpus_available() -> bool:
    """Whether ../shared/corpus is there to be read."""
    return CORPUS.is_dir()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip every test marked `corpus`, with the reason, when ../shared/corpus is absent."""
    if corpus_available():
        return
    skip = pytest.mark.skip(reason=CORPUS_MISSING)
    for item in items:
        if item.get_closest_marker("corpus") is not None:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def shared() -> Path:
    """../shared (the shared corpus and evaluation); skips the test where the corpus is absent."""
    if not corpus_available():
        pytest.skip(CORPUS_MISSING)
    return SHARED


@pytest.fixture(scope="session")
def repo() -> Path:
    """The repository's root folder."""
    return REPO


# -- building documents from inline texts ---------------------------------------------------------

@pytest.fixture
def write_text(tmp_path: Path) -> Callable[..., Path]:
    """Write a text to a file in a fresh folder and return its path."""

    def write(text: str, name: str = "doc.txt", encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode(encoding))
        return path

    return write


@pytest.fixture
def make_source(write_text: Callable[..., Path]) -> Callable[..., SourceText]:
    """An inline text as cyberlex.read reads it from a file."""

    def make(text: str, name: str = "doc.txt") -> SourceText:
        return read(write_text(text, name))

    return make


@pytest.fixture
def run_pipeline(make_source: Callable[..., SourceText]) -> Callable[..., tuple[SourceText, Segments, Extraction]]:
    """read → segment → extract on an inline text."""

    def run(text: str, name: str = "doc.txt") -> tuple[SourceText, Segments, Extraction]:
        source = make_source(text, name)
        segments = segment(source)
        return source, segments, extract(segments)

    return run


# -- texts written for the tests (invented, modelled on UN drafting; nothing copied from ../shared) ----

GA_RESOLUTION = """\
United Nations

A/RES/73/187

General Assembly

Distr.: General

7 January 2019

Seventy-third session

Agenda item 108

Crime prevention and criminal justice

Resolution adopted by the General Assembly on 17 December 2018

[on the report of the Third Committee (A/73/589)]

73/187. Countering the use of information and communications technologies for criminal purposes

The General Assembly,

Recalling its resolution 65/230 of 21 December 2010,1 in which the General Assembly endorsed the Salvador \
Declaration on Comprehensive Strategies for Global Challenges,

Recalling also its resolutions 55/63 of 4 December 2000 and 56/121 of 19 December 2001 on combating the \
criminal misuse of information technologies,

Noting the work of the Commission on Crime Prevention and Criminal Justice and the report of the \
Secretary-General (A/70/174),

1. Takes note of the study prepared by the expert group (UNODC/CCPCJ/EG.4/2011/3);

2. Requests the Secretary-General to seek the views of Member States on:

(a) The challenges they face in countering the use of information and communications technologies for \
criminal purposes;

(b) The work of the Group of Governmental Experts,2 and the report of the Commission (E/2013/30);

3. Decides to include in the provisional agenda of its seventy-fourth session the item entitled "Crime \
prevention and criminal justice", and to review there the implementation of the present resolution \
(A/RES/73/187).

62nd plenary meeting
17 December 2018

__________________
1 See Economic and Social Council resolution 2013/40.
2 See A/76/299-S/2021/749.

Annex

1. This paragraph of the annex is not a clause of the resolution.

2. Nor is this one, which recalls resolution 12/34.
"""


@pytest.fixture(scope="session")
def ga_text() -> str:
    """A General Assembly resolution laid out as text extracted from the printed document."""
    return GA_RESOLUTION


@pytest.fixture
def ga_document(run_pipeline: Callable[..., tuple[SourceText, Segments, Extraction]]
                ) -> tuple[SourceText, Segments, Extraction]:
    """The GA resolution, read, segmented and extracted."""
    return run_pipeline(GA_RESOLUTION, "A-RES-73-187.en.txt")
