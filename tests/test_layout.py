"""The README's Layout section is written from the tree: it names every module of src/cyberlex/."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "cyberlex"


def layout_section() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    found = re.search(r"^## Layout\n(.*?)^## ", readme, re.MULTILINE | re.DOTALL)
    assert found, "README.md has no Layout section"
    return found.group(1)


def test_the_layout_names_every_module_and_folder() -> None:
    section = layout_section()
    tree = section[section.index("```"):section.index("```", section.index("```") + 3)]
    modules = sorted(p.relative_to(PACKAGE) for p in PACKAGE.rglob("*.py") if "_data" not in p.parts)
    assert modules
    missing = [str(m) for m in modules
               if not re.search(rf"(?<![\w.]){re.escape(m.name)}(?![\w])", tree)
               or (len(m.parts) > 1 and f"{m.parts[0]}/" not in tree)]
    assert not missing, f"README Layout does not name: {missing}"


def test_the_layout_names_no_module_that_is_gone() -> None:
    named = set(re.findall(r"\b(\w+\.py)\b", layout_section()))
    existing = {p.name for p in PACKAGE.rglob("*.py")} | {p.name for p in (REPO / "tests").rglob("*.py")}
    assert named <= existing, f"README Layout names files that are not there: {sorted(named - existing)}"


def test_no_file_keeps_the_markers_of_an_unresolved_merge() -> None:
    """A merge whose conflict was committed unresolved leaves <<<<<<< / ======= / >>>>>>> lines (it happened
    once, in a docstring and the README, and no other test saw it)."""
    marker = re.compile(r"^(<{7}|>{7})( |$)|^={7}$", re.MULTILINE)
    kept = [str(path.relative_to(REPO)) for folder in ("src", "tests", "shapes", "ontology", "mappings", "queries",
                                                       "benchmarks", "docs")
            for path in sorted((REPO / folder).rglob("*")) if path.is_file() and path.suffix in (
                ".py", ".md", ".ttl", ".toml", ".rq", ".html", ".j2", ".txt")
            and marker.search(path.read_text(encoding="utf-8", errors="replace"))]
    kept += [name for name in ("README.md", "Makefile", "pyproject.toml")
             if marker.search((REPO / name).read_text(encoding="utf-8"))]
    assert not kept, f"unresolved merge markers in {kept}"
