"""The data the installed package needs (ontology, shapes, mappings, queries, samples) ships in the wheel."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

from cyberlex.resources import DATA_FOLDERS, data_path

REPO = Path(__file__).resolve().parents[1]


def test_every_data_folder_is_linked_into_the_package() -> None:
    for name in DATA_FOLDERS:
        link = REPO / "src" / "cyberlex" / "_data" / name
        assert link.is_symlink() and link.resolve() == (REPO / name).resolve(), link
        assert data_path(name).resolve() == (REPO / name).resolve()


def test_package_data_patterns_cover_every_data_file() -> None:
    patterns = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"]["cyberlex"]
    for name in DATA_FOLDERS:
        for path in (REPO / name).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                relative = f"_data/{name}/{path.relative_to(REPO / name).as_posix()}"
                assert any(fnmatch.fnmatch(relative, p) and relative.count("/") == p.count("/")
                           for p in patterns), f"{relative} would be left out of the wheel"


def test_package_data_patterns_cover_every_template() -> None:
    patterns = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"]["cyberlex"]
    templates = REPO / "src" / "cyberlex" / "templates"
    found = [path for path in templates.rglob("*") if path.is_file()]
    assert len(found) >= 12  # the pages, the ontology page, the three server rules
    for path in found:
        relative = path.relative_to(REPO / "src" / "cyberlex").as_posix()
        assert any(fnmatch.fnmatch(relative, p) and relative.count("/") == p.count("/")
                   for p in patterns), f"{relative} would be left out of the wheel"
