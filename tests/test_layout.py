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
