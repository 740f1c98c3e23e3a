"""What a build writes, and what it does when it cannot write (issue 11, "also broken")."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from hostile_inputs import akn

from cyberlex.build import build


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
