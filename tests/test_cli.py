"""The command line: `cyberlex build` and `cyberlex validate`, their messages and exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pyoxigraph import NamedNode, RdfFormat, parse, serialize

from cyberlex.cli import EXIT_INPUT_FAILURES, EXIT_VIOLATIONS, main
from cyberlex.vocab import prefixes

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00IEND\xaeB`\x82"
CP1252_RESOLUTION = """\
Resolution 31/2

Invented cooperation against digital offences

The Commission on Crime Prevention and Criminal Justice,

Recalling its resolution 22/8 of 26 April 2013 and the Commission’s work on digital offences,

1. Invites Member States to share their experience;

2. Requests the Secretariat to report to the Commission at its thirty-second session.
"""


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def folder(tmp_path: Path, ga_text: str) -> Path:
    path = tmp_path / "in"
    path.mkdir()
    (path / "A-RES-73-187.en.txt").write_text(ga_text, encoding="utf-8")
    (path / "ccpcj-31-2.txt").write_bytes(CP1252_RESOLUTION.encode("cp1252"))
    (path / "empty.txt").write_bytes(b"")
    (path / "picture.png").write_bytes(PNG)
    return path


@pytest.fixture
def good_graph(tmp_path: Path, folder: Path) -> Path:
    out = tmp_path / "good"
    result = run("build", str(folder / "A-RES-73-187.en.txt"), "--out", str(out), "--no-validate")
    assert result.exit_code == 0, result.output
    return out / "graph.ttl"


def test_build_reports_bad_files_and_exits_3(tmp_path: Path, folder: Path) -> None:
    out = tmp_path / "out"
    result = run("build", str(folder), "--out", str(out), "--no-validate")
    assert result.exit_code == EXIT_INPUT_FAILURES == 3
    errors = result.stderr.splitlines()
    assert len(errors) == 2
    empty = next(line for line in errors if "empty.txt" in line)
    binary = next(line for line in errors if "picture.png" in line)
    assert empty.startswith("cyberlex: ") and "empty" in empty.split("empty.txt", 1)[1]
    assert binary.startswith("cyberlex: ") and "binary" in binary.split("picture.png", 1)[1]
    assert "documents: 2 read, 2 failed" in result.stdout
    for name in ("instruments", "clauses", "citations", "bodies", "triples"):
        assert f"\n{name}: " in result.stdout
    assert "clauses: 9" in result.stdout  # 6 + 3
    assert f"wrote turtle: {out / 'graph.ttl'}" in result.stdout
    assert f"wrote trig: {out / 'graph.trig'}" in result.stdout
    assert f"wrote evidence: {out / 'evidence.trig'}" in result.stdout
    assert (out / "graph.ttl").exists() and (out / "graph.trig").exists() and (out / "evidence.trig").exists()


def test_build_with_validation(tmp_path: Path, folder: Path) -> None:
    out = tmp_path / "out"
    result = run("build", str(folder), "--out", str(out))
    assert "violations: 0" in result.stdout, (out / "validation.txt").read_text(encoding="utf-8")
    assert result.exit_code == EXIT_INPUT_FAILURES
    assert f"wrote report: {out / 'validation.txt'}" in result.stdout
    assert (out / "validation.txt").read_text(encoding="utf-8").startswith("Conforms")


def test_build_of_good_files_exits_0(tmp_path: Path, folder: Path) -> None:
    result = run("build", str(folder / "A-RES-73-187.en.txt"), str(folder / "ccpcj-31-2.txt"),
                 "--out", str(tmp_path / "out"), "--no-validate")
    assert result.exit_code == 0, result.output
    assert "documents: 2 read, 0 failed" in result.stdout
    assert result.stderr == ""


def test_build_is_deterministic(tmp_path: Path, folder: Path) -> None:
    for name in ("one", "two"):
        run("build", str(folder), "--out", str(tmp_path / name), "--no-validate")
    for file in ("graph.ttl", "graph.trig", "evidence.trig"):
        assert (tmp_path / "one" / file).read_bytes() == (tmp_path / "two" / file).read_bytes(), file


def test_build_with_a_custom_base(tmp_path: Path, folder: Path) -> None:
    out = tmp_path / "out"
    base = "https://example.org/kg/"
    run("build", str(folder / "A-RES-73-187.en.txt"), "--out", str(out), "--base", base, "--no-validate")
    text = (out / "graph.ttl").read_text(encoding="utf-8")
    assert f"<{base}A-RES-73-187/op/2>" in text
    assert "https://w3id.org/cyberlex/id/" not in text


def test_build_of_a_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = run("build", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "no such file or folder" in result.stderr
    assert not (tmp_path / "out").exists()


def test_validate_a_good_graph(good_graph: Path) -> None:
    result = run("validate", str(good_graph))
    assert result.exit_code == 0, result.output
    assert "Conforms" in result.stdout


def test_validate_a_broken_graph_exits_1(tmp_path: Path, good_graph: Path) -> None:
    """The built graph with every clx:ordinal taken out: each clause now violates its shape."""
    ordinal = NamedNode(prefixes()["clx"] + "ordinal")
    triples = [t for t in parse(path=str(good_graph), format=RdfFormat.TURTLE) if t.predicate != ordinal]
    broken = tmp_path / "broken.ttl"
    broken.write_bytes(serialize(triples, format=RdfFormat.TURTLE) or b"")
    result = run("validate", str(broken))
    assert result.exit_code == EXIT_VIOLATIONS == 1
    assert "Does not conform" in result.stdout
    assert "clx:ordinal" in result.stdout
    assert "A-RES-73-187/op/2" in result.stdout


def test_validate_unreadable_rdf(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("this is <not turtle", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(bad)])
    assert result.exit_code == EXIT_INPUT_FAILURES  # not 1, which means SHACL violations
    assert "not readable RDF" in result.stderr
    assert "Traceback" not in result.output


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith("cyberlex, version ")
