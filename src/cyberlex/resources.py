"""Find the data folders that cyberlex reads at run time: ontology, shapes, mappings, queries."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

DATA_FOLDERS = ("ontology", "shapes", "mappings", "queries", "samples")
_REPO_ROOT = Path(__file__).resolve().parents[2]


def data_path(name: str) -> Path:
    """Return the folder ``name``: the copy installed in ``cyberlex/_data/`` if any, else the repository's."""
    if name not in DATA_FOLDERS:
        raise ValueError(f"unknown data folder {name!r}; expected one of {', '.join(DATA_FOLDERS)}")
    packaged = resources.files("cyberlex") / "_data" / name
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    folder = _REPO_ROOT / name
    if not folder.is_dir():
        raise FileNotFoundError(f"data folder {name!r} is neither in the installed package nor at {folder}")
    return folder
