"""`cyberlex validate --format text|json|junit`: reports for people, scripts and CI systems; same exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from lxml import etree

from cyberlex.cli import EXIT_INPUT_FAILURES, EXIT_VIOLATIONS, main

TESTS = Path(__file__).parent
CASES = TESTS / "shapes"
VALID = CASES / "valid" / "resolution.ttl"
TWO_SESSIONS = CASES / "invalid" / "instrument-two-sessions.ttl"
BROKEN = (CASES / "invalid" / "clause-duplicate-ordinal.ttl", CASES / "invalid" / "evidence-exact-tagged.ttl")
ID = "https://w3id.org/cyberlex/id/"
CLXSH = "https://w3id.org/cyberlex/shapes#"


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, ["validate", *map(str, args)], catch_exceptions=False)


@pytest.fixture(scope="module")
def junit_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(TESTS / "junit.xsd")))


def test_json_lists_the_violations_of_an_invalid_file() -> None:
    result = run(TWO_SESSIONS, "--format", "json")
    assert result.exit_code == EXIT_VIOLATIONS
    report = json.loads(result.stdout)
    assert report["conforms"] is False
    assert report["results"] == [{
        "focusNode": ID + "A-RES-73-187",
        "resultPath": "<https://w3id.org/cyberlex/ontology#session>",
        "value": None,
        "sourceShape": CLXSH + "Instrument-session",
        "severity": "Violation",
        "message": report["results"][0]["message"],
        "sourceConstraintComponent": "http://www.w3.org/ns/shacl#MaxCountConstraintComponent",
        "sourceFiles": [],
    }]
    assert "at most one clx:session" in report["results"][0]["message"]


def test_json_gives_every_result_with_its_value(tmp_path: Path) -> None:
    result = run(*BROKEN, "--format", "json")
    assert result.exit_code == EXIT_VIOLATIONS
    results = json.loads(result.stdout)["results"]
    shapes = sorted(r["sourceShape"].removeprefix(CLXSH) for r in results)
    assert shapes == ["ClauseIriShape", "ClauseOrdinalUniqueShape", "ClauseOrdinalUniqueShape", "Evidence-exact"]
    exact = next(r for r in results if r["sourceShape"].endswith("Evidence-exact"))
    assert exact["value"].endswith("@en")  # a literal in N-Triples: its language tag is kept
    assert exact["sourceFiles"] == ["doc.txt"]
    duplicates = {r["value"] for r in results if r["sourceShape"].endswith("ClauseOrdinalUniqueShape")}
    assert duplicates == {ID + "A-RES-73-187/pre/1", ID + "A-RES-73-187/pre/2"}


def test_json_of_a_conforming_graph() -> None:
    result = run(VALID, "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"conforms": True, "results": []}


def test_junit_is_valid_and_has_a_failed_case_per_violation(junit_schema: etree.XMLSchema) -> None:
    result = run(*BROKEN, "--format", "junit")
    assert result.exit_code == EXIT_VIOLATIONS
    doc = etree.fromstring(result.stdout_bytes)
    junit_schema.assertValid(doc)
    cases = doc.findall("testsuite/testcase")
    assert len(cases) == 4
    assert doc.get("failures") == doc.find("testsuite").get("failures") == "4"
    assert all(case.find("failure") is not None for case in cases)
    exact = next(case for case in cases if case.get("classname") == "clxsh:Evidence-exact")
    assert exact.get("name") == "id:source/doc-txt/evidence/0-16 oa:exact"
    failure = exact.find("failure")
    assert failure.get("type") == "DatatypeConstraintComponent"
    assert failure.get("message").startswith("oa:exact is one plain xsd:string")
    assert "source:     doc.txt" in failure.text


def test_junit_of_a_conforming_graph_has_one_passing_case(junit_schema: etree.XMLSchema) -> None:
    result = run(VALID, "--format", "junit")
    assert result.exit_code == 0
    doc = etree.fromstring(result.stdout_bytes)
    junit_schema.assertValid(doc)
    cases = doc.findall("testsuite/testcase")
    assert len(cases) == 1 and len(cases[0]) == 0  # no failure, error or skipped element
    assert doc.get("failures") == "0"


def test_the_schema_rejects_what_ci_systems_cannot_read(junit_schema: etree.XMLSchema) -> None:
    """The schema check can fail: a test case without a class name, a failure without a type."""
    doc = etree.fromstring(run(*BROKEN, "--format", "junit").stdout_bytes)
    case = doc.find("testsuite/testcase")
    del case.attrib["classname"]
    assert not junit_schema.validate(doc)
    doc = etree.fromstring(run(*BROKEN, "--format", "junit").stdout_bytes)
    del doc.find("testsuite/testcase/failure").attrib["type"]
    assert not junit_schema.validate(doc)


def test_text_stays_the_default() -> None:
    result = run(TWO_SESSIONS)
    assert result.exit_code == EXIT_VIOLATIONS
    assert result.stdout.startswith("Does not conform: 1 result(s).")
    assert run(TWO_SESSIONS, "--format", "text").stdout == result.stdout


def test_unreadable_rdf_exits_3_in_every_format(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("this is <not turtle", encoding="utf-8")
    for fmt in ("json", "junit"):
        result = CliRunner().invoke(main, ["validate", str(bad), "--format", fmt])
        assert result.exit_code == EXIT_INPUT_FAILURES
        assert "not readable RDF" in result.stderr
        assert result.stdout == ""


def hook() -> dict[str, str]:
    """The one hook of .pre-commit-hooks.yaml, read as `key: value` lines (no YAML library needed)."""
    text = (TESTS.parent / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    assert lines[0].startswith("- id: "), "one list item, the hook"
    assert sum(line.startswith("- ") for line in lines) == 1
    return dict(line.removeprefix("- ").strip().split(": ", 1) for line in lines)


def test_pre_commit_hook_validates_the_rdf_files_it_is_given() -> None:
    spec = hook()
    assert spec["id"] == "cyberlex-validate"
    assert spec["language"] == "python"
    assert spec["files"] == r"\.(ttl|trig|nt|nq|jsonld)$"
    pattern = re.compile(spec["files"])
    assert all(pattern.search(f"data/graph.{ext}") for ext in ("ttl", "trig", "nt", "nq", "jsonld"))
    assert not any(pattern.search(name) for name in ("graph.ttl.bak", "README.md", "shapes.py"))
    program, verb = spec["entry"].split()
    assert (program, verb) == ("cyberlex", "validate")  # pre-commit appends the staged files
    assert run(VALID).exit_code == 0
    assert run(VALID, TWO_SESSIONS).exit_code == EXIT_VIOLATIONS


def test_junit_holds_values_with_characters_xml_cannot(tmp_path: Path, junit_schema: etree.XMLSchema) -> None:
    """Text read from PDF files keeps its form feeds; XML 1.0 cannot hold one, so it becomes U+FFFD."""
    data = tmp_path / "form-feed.ttl"
    data.write_text(
        "@base <https://w3id.org/cyberlex/id/> .\n"
        "@prefix clx: <https://w3id.org/cyberlex/ontology#> .\n"
        "<A-RES-73-187> a clx:Resolution ; clx:hasClause <A-RES-73-187/op/1> .\n"
        '<A-RES-73-187/op/1> a clx:OperativeClause ; clx:ordinal 1 ; clx:text "Decides\\fto remain seized\\u0001" .\n',
        encoding="utf-8",
    )
    result = run(data, "--format", "junit")
    assert result.exit_code == EXIT_VIOLATIONS
    doc = etree.fromstring(result.stdout_bytes)
    junit_schema.assertValid(doc)
    failure = doc.find("testsuite/testcase/failure")
    assert "Decides\ufffdto remain seized\ufffd" in failure.text
