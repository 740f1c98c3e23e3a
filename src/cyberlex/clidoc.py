"""The README's command-line reference, generated from the commands' own ``--help``.

``python -m cyberlex.clidoc README.md`` rewrites the block between the two markers below; a test
(tests/test_cli.py) fails when the README's block is not what this module generates now, so a new
command or option cannot be left out of the README.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

BEGIN = "<!-- cli-reference: generated from --help by `python -m cyberlex.clidoc README.md`; do not edit -->"
END = "<!-- /cli-reference -->"
WIDTH = 100  # the help's width, fixed so that the reference does not depend on the terminal


def help_text(command: click.Command, name: str, parent: click.Context | None = None) -> str:
    """What ``name --help`` prints, at a fixed width."""
    context = click.Context(command, info_name=name, parent=parent, terminal_width=WIDTH, max_content_width=WIDTH)
    return command.get_help(context)


def usage(command: click.Command, context: click.Context) -> list[str]:
    """``cyberlex NAME ARGS [--option VALUE]…``, every option named, wrapped at the help's width."""
    words = [context.command_path]
    words += [p.make_metavar(context) for p in command.params if isinstance(p, click.Argument)]
    for param in command.params:
        record = param.get_help_record(context) if isinstance(param, click.Option) else None
        if record is None or param.name == "help":
            continue
        words.append(record[0] if param.required else f"[{record[0]}]")
    lines = [words[0]]
    for word in words[1:]:
        if len(lines[-1]) + 1 + len(word) > WIDTH:
            lines.append(" " * (len(context.command_path) + 1) + word)
        else:
            lines[-1] += " " + word
    return lines


def reference() -> str:
    """The block: the synopsis of every command, then each command's full help."""
    from cyberlex.cli import main

    root = click.Context(main, info_name="cyberlex", terminal_width=WIDTH, max_content_width=WIDTH)
    commands = {name: main.get_command(root, name) for name in main.list_commands(root)}
    synopsis = ["cyberlex --version"]
    for name, command in commands.items():
        assert command is not None
        synopsis += usage(command, click.Context(command, info_name=name, parent=root))
    out = [BEGIN, "", "```text", *synopsis, "```", ""]
    for name, command in commands.items():
        assert command is not None
        out += [f"<details><summary><code>cyberlex {name} --help</code></summary>", "", "```text",
                help_text(command, name, root).rstrip(), "```", "", "</details>", ""]
    out.append(END)
    return "\n".join(out)


def block(readme: str) -> str:
    """The README's current block, markers included."""
    start, end = readme.index(BEGIN), readme.index(END) + len(END)
    return readme[start:end]


def write(readme: Path) -> bool:
    """Rewrite the block in ``readme``; whether it changed."""
    text = readme.read_text(encoding="utf-8")
    new = text.replace(block(text), reference())
    if new == text:
        return False
    readme.write_text(new, encoding="utf-8")
    return True


if __name__ == "__main__":
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    print(f"{path}: {'rewritten' if write(path) else 'already up to date'}")
