"""The data the installed package needs (ontology, shapes, mappings, queries, samples) ships in the wheel; the
lock file is complete for pyproject.toml and within its bounds, and so is what is installed."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from importlib.metadata import version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

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


def _requirements() -> list[Requirement]:
    """pyproject's dependencies and its dev extra, as requirements."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(r) for r in [*project["dependencies"], *project["optional-dependencies"]["dev"]]]


def _locked() -> dict[str, str]:
    """The lock's pins, by normalised name; each pin must carry hashes."""
    text = (REPO / "requirements.lock").read_text(encoding="utf-8")
    pins = {}
    for block in re.split(r"\n(?=\S)", text):
        found = re.match(r"([A-Za-z0-9_.-]+)==(\S+)", block)
        if found:
            assert "--hash=sha256:" in block, f"{found.group(1)} is pinned without a hash"
            pins[canonicalize_name(found.group(1))] = found.group(2)
    return pins


def test_the_lock_pins_every_dependency_within_pyproject_bounds() -> None:
    """The lock is complete for pyproject (a dependency added there without `make lock` fails here)."""
    pins = _locked()
    for requirement in _requirements():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} is not in requirements.lock: run make lock"
        assert requirement.specifier.contains(pins[name], prereleases=True), \
            f"requirements.lock pins {name}=={pins[name]}, outside {requirement}: run make lock"


def test_the_installed_versions_satisfy_pyproject_bounds() -> None:
    for requirement in _requirements():
        installed = version(requirement.name)
        assert requirement.specifier.contains(installed, prereleases=True), f"{requirement.name} {installed}"


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
