"""The README's command-line reference is what `python -m cyberlex.clidoc README.md` generates from the
commands' --help now: a command or option added, removed or reworded fails here until it is rerun."""

from __future__ import annotations

from pathlib import Path

import click

from cyberlex.cli import main
from cyberlex.clidoc import BEGIN, END, block, reference, write

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_block_is_the_generated_reference() -> None:
    assert block(README.read_text(encoding="utf-8")) == reference(), \
        "the README's CLI reference is stale: run .venv/bin/python -m cyberlex.clidoc README.md"


def test_reference_names_every_command_and_option() -> None:
    text = reference()
    context = click.Context(main, info_name="cyberlex")
    for name in main.list_commands(context):
        command = main.get_command(context, name)
        assert command is not None
        assert f"cyberlex {name} --help" in text
        for param in command.params:
            for option in getattr(param, "opts", []) if isinstance(param, click.Option) else []:
                assert option in text, f"{name} {option}"


def test_write_replaces_only_the_block(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\nbefore\n\n{BEGIN}\nold synopsis\n{END}\n\nafter\n", encoding="utf-8")
    assert write(readme)
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# Title\n\nbefore\n\n") and text.endswith("\n\nafter\n")
    assert block(text) == reference() and "old synopsis" not in text
    assert not write(readme)
