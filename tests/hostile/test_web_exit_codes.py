"""One table of exit codes (issue 11): cyberlex/exitcodes.py, the README and `--help` list the same."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cyberlex import cli
from cyberlex.cli import main
from cyberlex.exitcodes import MEANINGS, ExitCode

README = Path(__file__).parents[2] / "README.md"


def test_every_code_has_a_meaning_and_the_readme_lists_the_same_codes() -> None:
    assert list(MEANINGS) == list(ExitCode)
    text = README.read_text(encoding="utf-8")
    table = text.split("Exit codes, for scripts and CI", 1)[1].split("\n\n", 2)[1]
    assert [int(code) for code in re.findall(r"^\| (\d+) \| ", table, re.M)] == [int(c) for c in ExitCode]


@pytest.mark.parametrize("command", [[], ["query"], ["serve"], ["publish"]])
def test_the_help_ends_with_the_table(command: list[str]) -> None:
    shown = CliRunner().invoke(main, [*command, "--help"]).output
    listed = [int(code) for code in re.findall(r"^    (\d+)  ", shown.split("Exit codes:", 1)[1], re.M)]
    assert listed == [int(c) for c in ExitCode]
    assert "6  output: the graph could not be written" in shown


def test_the_codes_the_commands_use_are_in_the_table() -> None:
    used = {name: value for name, value in vars(cli).items() if name.startswith("EXIT_") and isinstance(value, int)}
    assert used and all(isinstance(value, ExitCode) for value in used.values()), used
