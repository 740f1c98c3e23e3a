"""The build cache: what each input file gave, kept between builds so an unchanged file is not built again.

An entry is keyed by everything that shapes a file's result: the file's bytes (SHA-256), the name its source
document is known by (its IRI is made from it), the base IRI, and the fingerprint of cyberlex itself (its code,
its data folders: phrase tables, gazetteer, mappings, ontology, shapes; and the versions of the libraries that
read and detect). Change any of them and the key changes, so a stale entry is never used: it is only left
unused (and removed by `prune`).

An entry is one file: a line of JSON (the file's warnings, and whatever else later stages keep with it), the
file's N-Quads, compressed with zstd, and then its graph files in pieces (cyberlex.fragments), uncompressed so
that a rebuild reads them at the speed of the disk's cache. It holds data only (no pickle), so a cache shared
between CI runs cannot run code. Entries are written to a temporary name and renamed into place, so a killed
build leaves no half entry and two builds may share a folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import mmap
import os
import stat
import sys
import tempfile
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import zstandard

from cyberlex import __version__
from cyberlex.resources import data_path

# Folders of data that shape a file's result (queries and samples do not).
SHAPING_DATA = ("mappings", "ontology", "shapes")
# Libraries whose version may change what a file gives (parsing, language detection, PDF text, RDF terms).
SHAPING_LIBRARIES = ("pyoxigraph", "rdflib", "lingua-language-detector", "pdfplumber", "pdfminer.six", "lxml",
                     "charset-normalizer", "pyshacl")
# Bumped when the layout of an entry changes (3: zstd rather than zlib).
ENTRY_FORMAT = 3
# zstd's level 1: N-Quads shrink about eightfold at some 800 MB/s (zlib's fastest level: 250 MB/s, the 637 UN
# texts' 200 MB of N-Quads 0.77 CPU s; about a third of that with zstd, and decompressing a quarter).
COMPRESSION = 1
SUFFIX = ".entry"


@cache
def fingerprint() -> str:
    """SHA-256 over cyberlex's code, its data folders and the versions of the libraries that shape results."""
    from importlib import metadata  # here: importing it costs every command some 20 ms

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
    """What one file gave: its quads as N-Quads and its warnings (and later stages' notes in `extra`), and
    its graph files in pieces (cyberlex.fragments.DocumentFragments.to_bytes; empty if there are none).
    An entry read without its N-Quads (BuildCache.get) has `nquads` empty."""

    nquads: bytes
    warnings: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    fragments: bytes | memoryview = b""  # read from the cache: a view of the entry's bytes (not copied)


class BuildCache:
    """A folder of entries, one per (file content, name, base, cyberlex) combination."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.used: set[str] = set()
        self._keys: dict[tuple[Path, str, str, int | None], str | None] = {}

    def key(self, path: Path, name: str, base: str, max_bytes: int | None = None) -> str | None:
        """The entry key of a file, or None if it is not a regular file, cannot be read or is larger than
        `max_bytes` (it is then built, and the build reports why it fails). A file's key is computed once
        for this cache (a build asks for it twice when it first looks for an unchanged build)."""
        asked = (path, name, base, max_bytes)
        if asked not in self._keys:
            self._keys[asked] = self._key(path, name, base, max_bytes)
        return self._keys[asked]

    def _key(self, path: Path, name: str, base: str, max_bytes: int | None) -> str | None:
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

    def get(self, key: str, nquads: bool = True) -> Entry | None:
        """The entry, or None if there is none or it cannot be read (a damaged entry is built again).
        Without `nquads`, where the entry has its graph files in pieces, they are not decompressed (a build
        that writes the graph from the pieces and keeps no store needs no quads)."""
        try:
            data = self._read(key, mapped=not nquads)
            header_end = data.find(b"\n")
            fields = json.loads(data[:header_end])
            if header_end < 0 or fields.get("format") != ENTRY_FORMAT:
                return None
            packed_end = header_end + 1 + int(fields["nquads_size"])
            if len(data) < packed_end:
                return None
            view = memoryview(data)
            fragments = view[packed_end:]
            quads = zstandard.ZstdDecompressor().decompress(view[header_end + 1:packed_end]) \
                if nquads or not fragments else b""
            entry = Entry(quads, tuple(fields.get("warnings", ())), fields.get("extra", {}), fragments)
        except (OSError, ValueError, AttributeError, KeyError, TypeError, zstandard.ZstdError):
            return None
        self.used.add(key)
        return entry

    def _read(self, key: str, mapped: bool) -> bytes | mmap.mmap:
        """An entry's bytes; `mapped`: mapped rather than read (the pieces are then written out straight
        from the disk's cache, without a copy in this process: 0.1 s less for the 637 UN texts)."""
        if not mapped:
            return self._path(key).read_bytes()
        with self._path(key).open("rb") as stream:
            return mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)

    def put(self, key: str, entry: Entry) -> bool:
        """Keep an entry; a cache that cannot be written is not an error of the build (it is only slower):
        whether it was kept."""
        packed = zstandard.ZstdCompressor(level=COMPRESSION).compress(entry.nquads)  # its size in the frame
        header = json.dumps({"format": ENTRY_FORMAT, "warnings": list(entry.warnings), "extra": entry.extra,
                             "nquads_size": len(packed)}, ensure_ascii=False, sort_keys=True).encode("utf-8")
        target = self._path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=".entry.", dir=target.parent)
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(b"".join((header, b"\n", packed, entry.fragments)))
                os.replace(temporary, target)
            finally:
                Path(temporary).unlink(missing_ok=True)
        except OSError:
            return False
        self.used.add(key)
        return True

    def put_elsewhere(self, key: str) -> None:
        """Count as used an entry that another process of this build put (a worker): `prune` keeps it."""
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


# The record of the last build into an output folder, in that folder.
MANIFEST = ".cyberlex-build.json"


@dataclass(frozen=True)
class Manifest:
    """What the last build into an output folder was made from and what it wrote, so that a build that finds
    nothing changed can stop at once (`cyberlex build` run again, as CI does on every commit).

    `inputs` is a digest over every input file's entry key (its bytes, name, base and cyberlex's
    fingerprint) in order and the build's options; `outputs` gives each file written with its size,
    modification time and inode, so that a file replaced or edited since is seen; `summary` is what the
    build reported (counts, warnings, violations), to be reported again."""

    inputs: str
    outputs: dict[str, list[int]]
    summary: dict[str, Any]


def inputs_digest(keys: list[tuple[str, str | None]], options: dict[str, Any]) -> str | None:
    """The digest of a build's inputs (each file's path and entry key, in order) and options; None if a
    file has no key (unreadable, too large, not a regular file: the build must look at it again)."""
    if any(key is None for _path, key in keys):
        return None
    described = json.dumps({"files": keys, "options": options}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(described.encode("utf-8")).hexdigest()


def file_stamp(path: Path) -> list[int]:
    """Size, modification time (ns) and inode: a file renamed into place or written to has another."""
    status = path.stat()
    return [status.st_size, status.st_mtime_ns, status.st_ino]


def read_manifest(out_dir: Path) -> Manifest | None:
    """The manifest of the last build into out_dir, or None if there is none or it cannot be read."""
    try:
        fields = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        return Manifest(str(fields["inputs"]), dict(fields["outputs"]), dict(fields["summary"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def outputs_unchanged(manifest: Manifest, out_dir: Path) -> bool:
    """Every file the build wrote is still there, as it was written."""
    try:
        return all(file_stamp(out_dir / name) == list(stamp) for name, stamp in manifest.outputs.items())
    except OSError:
        return False


def write_manifest(out_dir: Path, inputs: str, written: list[Path], summary: dict[str, Any]) -> None:
    """Record a build's inputs, outputs and summary, after its outputs are in place: a build that fails or is
    killed before this leaves the previous manifest, which holds while the previous files do (their stamps
    change when they are replaced). Not being able to write it only costs the next build its shortcut."""
    manifest = {"inputs": inputs, "outputs": {path.name: file_stamp(path) for path in written},
                "summary": summary}
    with contextlib.suppress(OSError):
        write_json(out_dir / MANIFEST, manifest)


def write_json(path: Path, data: Any) -> None:
    """Write `data` as JSON to a temporary name beside `path`, then rename it into place (OSError if it cannot)."""
    handle, temporary = tempfile.mkstemp(prefix=f"{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            # dumps, not dump: only dumps uses the C encoder (ten times faster on a union state of 3 MB)
            stream.write(json.dumps(data, ensure_ascii=False, sort_keys=True))
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)

