"""The command line: verbs that match the stages; each parses options and calls one library function."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cyberlex import __version__
from cyberlex.map import DEFAULT_BASE

# Exit codes: 0 all built and valid; 1 the graph has SHACL violations; 2 usage error (click);
# 3 some input files failed (the rest was built and written).
EXIT_VIOLATIONS = 1
EXIT_INPUT_FAILURES = 3


class InputError(click.ClickException):
    """An input file that cannot be used: one line naming it, exit code 3."""

    exit_code = EXIT_INPUT_FAILURES


@click.group()
@click.version_option(__version__, prog_name="cyberlex")
def main() -> None:
    """cyberlex: a knowledge graph of international legal instruments on cybercrime."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("out"), show_default=True,
              help="Folder for graph.ttl, graph.trig and validation.txt.")
@click.option("--base", default=DEFAULT_BASE, show_default=True, help="Base IRI of the data.")
@click.option("--no-validate", is_flag=True, help="Skip SHACL validation.")
def build(paths: tuple[Path, ...], out_dir: Path, base: str, no_validate: bool) -> None:
    """Build the graph from PATHS (files and folders; default: the bundled sample corpus)."""
    from cyberlex.build import build as run_build
    from cyberlex.build import collect_inputs, sample_corpus

    inputs = list(paths) or [sample_corpus()]
    for path in inputs:
        if not path.exists():
            raise click.UsageError(f"{path}: no such file or folder")
    files = collect_inputs(inputs)
    show_progress = len(files) > 20 and sys.stderr.isatty()
    with click.progressbar(length=len(files), label="Building", file=sys.stderr,
                           hidden=not show_progress) as bar:
        result = run_build(inputs, out_dir, base=base, run_validation=not no_validate,
                           progress=lambda _path: bar.update(1))
    for failure in result.failures:
        click.echo(f"cyberlex: {failure.path}: {failure.reason}", err=True)
    counts = result.counts
    click.echo(f"documents: {result.documents} read, {len(result.failures)} failed")
    for name in ("instruments", "clauses", "citations", "bodies", "triples"):
        click.echo(f"{name}: {counts.get(name, 0)}")
    if result.violations is not None:
        click.echo(f"violations: {result.violations}")
    for kind, path in result.written.items():
        click.echo(f"wrote {kind}: {path}")
    if result.violations:
        sys.exit(EXIT_VIOLATIONS)
    if result.failures:
        sys.exit(EXIT_INPUT_FAILURES)


@main.command()
@click.argument("graphs", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--shapes", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Folder of SHACL shapes (default: the shapes of cyberlex).")
def validate(graphs: tuple[Path, ...], shapes: Path | None) -> None:
    """Validate RDF files against the shapes; print a report; exit 1 on violations."""
    from rdflib import Dataset

    from cyberlex.validate import validate as run_validate

    data = Dataset()
    for path in graphs:
        try:
            data.parse(path)
        except Exception as exc:  # any parse error: name the file, no traceback
            raise InputError(f"{path}: not readable RDF: {exc}") from exc
    report = run_validate(data, shapes_dir=shapes)
    click.echo(report.to_text())
    if not report.conforms:
        sys.exit(EXIT_VIOLATIONS)
