"""Golden snapshots: each tests/cases/<case>/input.txt must build to the graph in expected.ttl.

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
from cyberlex.serialise import sorted_triples, to_bytes

CASES = Path(__file__).resolve().parent / "cases"
UPDATE = os.environ.get("CYBERLEX_UPDATE_GOLDEN") == "1"
SHOWN = 40


def cases() -> list[Path]:
    return sorted(p for p in CASES.iterdir() if (p / "input.txt").is_file())


def build_case(case: Path) -> bytes:
    result = build_store([case / "input.txt"])
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
