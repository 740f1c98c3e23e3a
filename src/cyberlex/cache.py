"""The build cache: what each input file gave, kept between builds so an unchanged file is not built again.

An entry is keyed by everything that shapes a file's result: the file's bytes (SHA-256), the name its source
document is known by (its IRI is made from it), the base IRI, and the fingerprint of cyberlex itself (its code,
its data folders: phrase tables, gazetteer, mappings, ontology, shapes; and the versions of the libraries that
read and detect). Change any of them and the key changes, so a stale entry is never used: it is only left
unused (and removed by `prune`).

An entry is one file: a line of JSON (the file's warnings, and whatever else later stages keep with it) and then
the file's N-Quads, compressed with zlib. It holds data only (no pickle), so a cache shared between CI runs
cannot run code. Entries are written to a temporary name and renamed into place, so a killed build leaves no
half entry and two builds may share a folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from cyberlex import __version__
from cyberlex.resources import data_path

# Folders of data that shape a file's result (queries and samples do not).
SHAPING_DATA = ("mappings", "ontology", "shapes")
# Libraries whose version may change what a file gives (parsing, language detection, PDF text, RDF terms).
SHAPING_LIBRARIES = ("pyoxigraph", "rdflib", "lingua-language-detector", "pdfplumber", "pdfminer.six", "lxml",
                     "charset-normalizer", "pyshacl")
# Bumped when the layout of an entry changes.
ENTRY_FORMAT = 1
# zlib's fastest level: N-Quads shrink about tenfold at a few hundred MB/s.
COMPRESSION = 1
SUFFIX = ".entry"


@cache
def fingerprint() -> str:
    """SHA-256 over cyberlex's code, its data folders and the versions of the libraries that shape results."""
    digest = hashlib.sha256(f"cyberlex {__version__} entry {ENTRY_FORMAT} python {sys.version_info[:2]}\n".encode())
    for library in SHAPING_LIBRARIES:
        try:
            version = metadata.version(library)
        except metadata.PackageNotFoundError:
            version = "absent"
        digest.update(f"{library} {version}\n".encode())
    package = Path(__file__).resolve().parent
    folders = [("src", package)] + [(name, data_path(name)) for name in SHAPING_DATA]
    for label, folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            if label == "src" and (path.suffix != ".py" or "_data" in path.relative_to(package).parts):
                continue
            digest.update(f"{label}/{path.relative_to(folder).as_posix()}\n".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@dataclass(frozen=True)
class Entry:
    """What one file gave: its quads as N-Quads and its warnings (and later stages' notes in `extra`)."""

    nquads: bytes
    warnings: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


class BuildCache:
    """A folder of entries, one per (file content, name, base, cyberlex) combination."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.used: set[str] = set()

    def key(self, path: Path, name: str, base: str, max_bytes: int | None = None) -> str | None:
        """The entry key of a file, or None if it is not a regular file, cannot be read or is larger than
        `max_bytes` (it is then built, and the build reports why it fails)."""
        try:
            # opened without waiting (a named pipe would wait for a writer), then only a regular file is read
            with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as stream:
                status = os.fstat(stream.fileno())
                if not stat.S_ISREG(status.st_mode) or (max_bytes is not None and status.st_size > max_bytes):
                    return None
                content = hashlib.file_digest(stream, "sha256").hexdigest()
        except OSError:
            return None
        return hashlib.sha256("\n".join((fingerprint(), content, name, base)).encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / (key + SUFFIX)

    def has(self, key: str) -> bool:
        """Whether there is an entry for the key (get may still find it unreadable)."""
        return self._path(key).is_file()

    def get(self, key: str) -> Entry | None:
        """The entry, or None if there is none or it cannot be read (a damaged entry is built again)."""
        try:
            data = self._path(key).read_bytes()
            header, _, nquads = data.partition(b"\n")
            fields = json.loads(header)
            if fields.get("format") != ENTRY_FORMAT:
                return None
            entry = Entry(zlib.decompress(nquads), tuple(fields.get("warnings", ())), fields.get("extra", {}))
        except (OSError, ValueError, AttributeError, zlib.error):
            return None
        self.used.add(key)
        return entry

    def put(self, key: str, entry: Entry) -> None:
        """Keep an entry; a cache that cannot be written is not an error of the build (it is only slower)."""
        header = json.dumps({"format": ENTRY_FORMAT, "warnings": list(entry.warnings), "extra": entry.extra},
                            ensure_ascii=False, sort_keys=True).encode("utf-8")
        target = self._path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=".entry.", dir=target.parent)
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(header + b"\n" + zlib.compress(entry.nquads, COMPRESSION))
                os.replace(temporary, target)
            finally:
                Path(temporary).unlink(missing_ok=True)
        except OSError:
            return
        self.used.add(key)

    def prune(self) -> int:
        """Remove the entries this build did not use (files removed or changed since, older cyberlex);
        returns how many."""
        removed = 0
        for entry in self.folder.glob(f"*/*{SUFFIX}"):
            if entry.name.removesuffix(SUFFIX) not in self.used:
                entry.unlink(missing_ok=True)
                removed += 1
        for leftover in self.folder.glob("*/.entry.*"):
            # a build killed while writing; one that is writing now has touched its file within the hour
            with contextlib.suppress(OSError):
                if time.time() - leftover.stat().st_mtime > 3600:
                    leftover.unlink()
        return removed
