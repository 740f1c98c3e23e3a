"""What a build writes, and what it does when it cannot write (issue 11, "also broken")."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from hostile_inputs import akn

from cyberlex.build import build
from cyberlex.cli import EXIT_INPUT_FAILURES, EXIT_WRITE, main


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "in"
    path.mkdir()
    (path / "a.xml").write_text(akn(7), encoding="utf-8")
    return path


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_outputs_honour_the_umask(tmp_path: Path, folder: Path, umask: int) -> None:
    previous = os.umask(umask)
    try:
        written = build([folder], tmp_path / "out", run_validation=False).written
    finally:
        os.umask(previous)
    for path in written.values():
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask, path


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def built(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


@pytest.mark.parametrize("case", ["empty folder", "every file fails"])
def test_nothing_to_build_keeps_the_previous_graph(tmp_path: Path, folder: Path, case: str) -> None:
    out = tmp_path / "out"
    assert run("build", str(folder), "--out", str(out), "--no-validate").exit_code == 0
    before = built(out)
    again = tmp_path / "again"
    again.mkdir()  # an unmounted folder looks like this: empty
    if case == "every file fails":
        (again / "empty.txt").write_bytes(b"")
    result = run("build", str(again), "--out", str(out), "--no-validate")
    assert result.exit_code == EXIT_INPUT_FAILURES
    assert result.stderr.splitlines()[-1] == (
        "cyberlex: nothing was built: "
        + ("all 1 input files failed" if case == "every file fails"
           else f"no files to read in {again} (an empty or unmounted folder?)")
        + f"; the previous graph in {out} is kept")
    assert built(out) == before


def test_files_of_the_same_name_in_two_folders_are_two_source_documents(tmp_path: Path) -> None:
    for language, ordinal in (("en", 7), ("fr", 8)):
        (tmp_path / "in" / language).mkdir(parents=True)
        (tmp_path / "in" / language / "A-RES-99.xml").write_text(akn(ordinal), encoding="utf-8")
    result = build([tmp_path / "in"], tmp_path / "out", run_validation=False)
    assert result.documents == 2
    trig = (tmp_path / "out" / "graph.trig").read_text(encoding="utf-8")
    assert "/source/en-a-res-99-xml>" in trig and "/source/fr-a-res-99-xml>" in trig
    assert result.counts["documents"] == 2


def test_a_file_of_a_unique_name_keeps_its_name(tmp_path: Path, folder: Path) -> None:
    build([folder], tmp_path / "out", run_validation=False)
    assert "/source/a-xml>" in (tmp_path / "out" / "graph.trig").read_text(encoding="utf-8")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_named_on_the_command_line_is_refused_not_waited_for(tmp_path: Path, folder: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    result = run("build", str(folder), str(fifo), "--out", str(tmp_path / "out"), "--no-validate")
    assert result.exit_code == EXIT_INPUT_FAILURES
    assert result.stderr == f"cyberlex: {fifo}: cannot read a FIFO: not a regular file\n"


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_dev_zero_is_refused_not_read(tmp_path: Path, folder: Path) -> None:
    result = run("build", str(folder), "/dev/zero", "--out", str(tmp_path / "out"), "--no-validate")
    assert result.exit_code == EXIT_INPUT_FAILURES
    assert result.stderr == "cyberlex: /dev/zero: cannot read a device: not a regular file\n"


def test_a_file_past_the_size_cap_is_refused_unread(tmp_path: Path, folder: Path) -> None:
    big = folder / "big.txt"
    big.write_bytes(b"word " * (300 * 1024))  # 1.5 MB
    result = run("build", str(folder), "--out", str(tmp_path / "out"), "--no-validate", "--max-file-size", "1")
    assert result.exit_code == EXIT_INPUT_FAILURES
    assert result.stderr == f"cyberlex: {big}: the file is larger than 1 MB (--max-file-size)\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_read_only_out_is_one_line_and_exit_6(tmp_path: Path, folder: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o555)
    try:
        result = run("build", str(folder), "--out", str(out), "--no-validate")
    finally:
        out.chmod(0o755)
    assert result.exit_code == EXIT_WRITE == 6
    assert result.stderr.startswith(f"cyberlex: could not write the graph to {out}: Permission denied")
    assert len(result.stderr.splitlines()) == 1


def test_a_full_disk_is_one_line_and_exit_6_and_keeps_the_previous_graph(tmp_path: Path, folder: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from cyberlex import serialise

    out = tmp_path / "out"
    assert run("build", str(folder), "--out", str(out), "--no-validate").exit_code == 0
    before = built(out)
    def full(handle: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(serialise.os, "fsync", full)
    # --no-cache: with nothing changed, the build would find the graph up to date and write nothing
    result = run("build", str(folder), "--out", str(out), "--no-validate", "--no-cache")
    assert result.exit_code == EXIT_WRITE
    assert result.stderr == (f"cyberlex: could not write the graph to {out}: No space left on device; "
                             "the previous graph is kept\n")
    assert built(out) == before


def test_an_out_below_a_file_is_one_line_and_exit_6(tmp_path: Path, folder: Path) -> None:
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    out = tmp_path / "file" / "out"
    result = run("build", str(folder), "--out", str(out), "--no-validate")
    assert result.exit_code == EXIT_WRITE
    assert result.stderr == (f"cyberlex: could not write the graph to {out}: Not a directory ({out}); "
                             "the previous graph is kept\n")


def test_the_exit_codes_are_one_table_in_the_readme_and_the_help() -> None:
    import re

    from cyberlex.cli import EXIT_CODES
    from cyberlex.exitcodes import ExitCode

    codes = re.findall(r"^  (\d)  ", EXIT_CODES, re.M)
    assert codes == [str(int(code)) for code in ExitCode] == [str(n) for n in range(len(ExitCode))]
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert re.findall(r"^\| (\d) \| ", readme, re.M) == codes
    for command in ([], ["build"]):
        assert "6  output: the graph could not be written" in run(*command, "--help").output


def test_an_out_inside_the_input_folder_is_not_read_back(folder: Path) -> None:
    out = folder / "out"
    first = build([folder], out, run_validation=False)
    graph = (out / "graph.trig").read_bytes()
    second = build([folder], out, run_validation=False)
    assert first.documents == second.documents == 1  # not graph.ttl and graph.trig as two more documents
    assert second.failures == []
    assert (out / "graph.trig").read_bytes() == graph
