"""Golden snapshots: the inputs of each tests/cases/<case>/ must build to the graph in expected.ttl.

A case is a folder with an expected.ttl or an input.* file; its inputs are all its files but expected.ttl
and a README. One case per input format (text, Markdown, Akoma Ntoso, PDF, Word, HTML) and one of three
language versions of one resolution (see tests/cases/README.md for how the inputs were made).

Graphs are compared as graphs (isomorphism), not as bytes. To accept a new output after an intended change:

    CYBERLEX_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_golden.py

then read the diff of expected.ttl before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from cyberlex.build import build_store
from cyberlex.read import read
from cyberlex.serialise import sorted_triples, to_bytes

CASES = Path(__file__).resolve().parent / "cases"
UPDATE = os.environ.get("CYBERLEX_UPDATE_GOLDEN") == "1"
SHOWN = 40


NOT_INPUTS = {"expected.ttl", "README.md"}
FORMATS = {"ga_invented": "text/plain", "markdown": "text/markdown", "akn": "application/akn+xml",
           "pdf": "application/pdf", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
           "html": "text/html"}


def cases() -> list[Path]:
    return sorted(p for p in CASES.iterdir()
                  if p.is_dir() and ((p / "expected.ttl").is_file() or any(p.glob("input.*"))))


def inputs(case: Path) -> list[Path]:
    return sorted(p for p in case.iterdir() if p.is_file() and p.name not in NOT_INPUTS)


def build_case(case: Path) -> bytes:
    result = build_store(inputs(case))
    assert result.failures == [], result.failures
    return to_bytes(sorted_triples(result.store), "turtle")


def describe(graph: Graph, title: str) -> str:
    lines = sorted(" ".join(term.n3(graph.namespace_manager) for term in triple) for triple in graph)
    shown = "\n  ".join(lines[:SHOWN])
    more = f"\n  … and {len(lines) - SHOWN} more" if len(lines) > SHOWN else ""
    return f"{title} ({len(lines)}):\n  {shown}{more}"


@pytest.mark.parametrize("case", cases(), ids=lambda p: p.name)
def test_golden(case: Path) -> None:
    produced_bytes = build_case(case)
    expected_path = case / "expected.ttl"
    if UPDATE:
        expected_path.write_bytes(produced_bytes)
    if not expected_path.exists():
        pytest.fail(f"{expected_path} is missing: run with CYBERLEX_UPDATE_GOLDEN=1 to create it")
    produced = Graph().parse(data=produced_bytes, format="turtle")
    expected = Graph().parse(expected_path, format="turtle")
    if isomorphic(expected, produced):
        return
    _, missing, extra = graph_diff(to_isomorphic(expected), to_isomorphic(produced))
    pytest.fail(f"{case.name}: the graph differs from expected.ttl "
                f"(CYBERLEX_UPDATE_GOLDEN=1 accepts the new output)\n"
                f"{describe(missing, 'missing')}\n{describe(extra, 'extra')}", pytrace=False)


def test_golden_cases_exist() -> None:
    assert cases(), f"no golden cases in {CASES}"


@pytest.mark.parametrize("case", sorted(FORMATS))
def test_one_case_per_input_format(case: str) -> None:
    """Each format's case is read as that format (told from the content, so a case that silently fell
    back to plain text would fail here), and the multilingual case has its three languages."""
    assert CASES / case in cases()
    [source] = inputs(CASES / case)
    assert read(source).media_type == FORMATS[case]


def test_trilingual_case() -> None:
    assert CASES / "trilingual" in cases()
    assert sorted(read(p).language for p in inputs(CASES / "trilingual")) == ["en", "es", "fr"]
