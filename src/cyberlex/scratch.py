"""Temporary folders that a killed process does not leave behind for good.

`release` works in a folder beside its `--out` and `serve` keeps its store in one under the system's
temporary folder; a `kill -9` leaves them there (a store can be as large as the graph). Each such
folder holds an owner file naming the host and the process that made it, and the next run of the same
command removes the folders of the same kind whose process is gone. The folder's name says the same
(`cx<host digest>p<pid>-`), so that one killed before its owner file was written is known too.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import tempfile
from pathlib import Path

OWNER = ".cyberlex-owner"
_NAMED_OWNER = re.compile(r"cx([0-9a-f]{8})p([0-9]+)-")


def _host_digest() -> str:
    return hashlib.sha256(socket.gethostname().encode("utf-8")).hexdigest()[:8]


def make(prefix: str, parent: Path | None = None) -> Path:
    """A new temporary folder (as tempfile.mkdtemp), marked as this process's: in its name, as it is made,
    and in its owner file."""
    folder = Path(tempfile.mkdtemp(prefix=f"{prefix}cx{_host_digest()}p{os.getpid()}-", dir=parent))
    (folder / OWNER).write_text(f"{socket.gethostname()} {os.getpid()}\n", encoding="utf-8")
    return folder


def release_mark(folder: Path) -> None:
    """Remove the owner file (before the folder is renamed into place as a result)."""
    (folder / OWNER).unlink(missing_ok=True)


def abandoned(prefix: str, parent: Path | None = None) -> list[Path]:
    """The folders named prefix* in parent (default: the system's temporary folder) that a process of
    this host made and that process is gone."""
    parent = Path(parent or tempfile.gettempdir())
    try:
        candidates = [p for p in parent.iterdir() if p.name.startswith(prefix) and p.is_dir() and not p.is_symlink()]
    except OSError:
        return []
    gone = []
    host = socket.gethostname()
    for folder in candidates:
        try:
            owner_host, pid = (folder / OWNER).read_text(encoding="utf-8").split()
        except (OSError, ValueError):
            # no owner file: killed between making the folder and writing it, if its name says whose it is
            named = _NAMED_OWNER.search(folder.name, len(prefix))
            if named is None or named.group(1) != _host_digest():
                continue  # not ours: left alone
            owner_host, pid = host, named.group(2)
        if owner_host == host and pid.isdigit() and not _alive(int(pid)):
            gone.append(folder)
    return gone


def clean(prefix: str, parent: Path | None = None) -> list[Path]:
    """Remove the abandoned folders named prefix* in parent; the ones removed."""
    removed = []
    for folder in abandoned(prefix, parent):
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            removed.append(folder)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
