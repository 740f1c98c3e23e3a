"""A rebuild's validation: the union part takes over what the last build found (cyberlex.validate_parts.Rebuild).

The last validating build into an output folder leaves there, in :data:`UNION_STATE`, the union part's findings
node by node and the cache keys of its documents. A rebuild compares them with its own keys: the documents whose
key is new and those whose key is gone (the files changed, added or removed) are read, the gone ones from the
build cache, where their entries still are, and every node named by a quad that one side has and the other has
not is *touched*. The union part then checks again only the nodes whose footprint is touched (and those it did
not check before), loading into its store only the documents that state something about them
(:class:`DocumentSources`), instead of every document.

The state is plain JSON (a cache shared between CI runs must not run code), written to a temporary name and
renamed into place; one that cannot be read, or that another version of cyberlex wrote, is ignored.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from cyberlex.cache import BuildCache, fingerprint, write_json

if TYPE_CHECKING:  # validate_parts imports rdflib and pySHACL: only a build that validates needs them
    from cyberlex.validate_parts import UnionState

UNION_STATE = ".cyberlex-union.json"
# The keys, in a file's build cache entry (`Entry.extra`), of its own SHACL results (DocumentValidation.as_data),
# and of where its quads about its own nodes begin in its N-Quads (cyberlex.validate_parts.own_lines_last).
VALIDATION = "validation"
OWN_FROM = "own_from"
# Past this many documents changed, added or removed, a rebuild does not compare them: it checks every node.
MOST_CHANGED = 200


@dataclass(frozen=True)
class PreviousBuild:
    """The union part's state of the last build into an output folder, and the cache keys of its documents."""

    keys: frozenset[str]
    state: UnionState


def read_state(out_dir: Path) -> PreviousBuild | None:
    """The last build's state in out_dir, or None (none, unreadable, or written by another cyberlex)."""
    from cyberlex.validate_parts import UnionState

    try:
        data = json.loads((out_dir / UNION_STATE).read_text(encoding="utf-8"))
        if data.get("fingerprint") != fingerprint():
            return None
        return PreviousBuild(frozenset(map(str, data["keys"])), UnionState.from_data(data["state"]))
    except (OSError, ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None


def write_state(out_dir: Path, keys: Iterable[str], state: UnionState) -> None:
    """Keep a build's state in out_dir for the next build (not being able to costs that build its shortcut)."""
    data = {"fingerprint": fingerprint(), "keys": sorted(keys), "state": state.as_data()}
    with contextlib.suppress(OSError):
        out_dir.mkdir(parents=True, exist_ok=True)
        write_json(out_dir / UNION_STATE, data)


def forget_state(out_dir: Path) -> None:
    """Remove the state (a build whose union part did not split leaves none to take over)."""
    (out_dir / UNION_STATE).unlink(missing_ok=True)


@dataclass
class DocumentSources:
    """Where each document of a build can be read again, to be loaded into the union part's store on demand:
    its entry in the build cache, or (an entry the cache could not keep) its N-Quads kept here. `own_from` is
    where its quads about its own nodes begin (cyberlex.validate_parts.own_lines_last), if they come last, and
    `own_read` whether the union part may read them (DocumentValidation.own_quads_read)."""

    cache: BuildCache
    keys: list[str | None] = field(default_factory=list)
    own_from: list[int | None] = field(default_factory=list)
    own_read: list[bool] = field(default_factory=list)
    kept: dict[int, bytes] = field(default_factory=dict)

    def add(self, key: str | None, nquads: bytes, own_from: int | None, own_read: bool) -> None:
        """The next document: kept here unless its cache entry can give its N-Quads back."""
        if key is None or not self.cache.has(key):
            self.kept[len(self.keys)] = nquads
        self.keys.append(key)
        self.own_from.append(own_from)
        self.own_read.append(own_read)

    def nquads(self, index: int) -> bytes:
        """The N-Quads of document `index` (OSError if its cache entry is gone meanwhile)."""
        kept = self.kept.get(index)
        if kept is not None:
            return kept
        key = self.keys[index]
        entry = self.cache.get(key) if key is not None else None
        if entry is None:
            raise OSError(f"the build cache lost the entry of document {index} during the build")
        return entry.nquads

    def load(self, store: ox.Store, indices: Iterable[int], whole: bool) -> None:
        """Load these documents into `store`: what the union part reads of them (union_part), or `whole`."""
        for index in indices:
            store.load(self.union_part(index, whole), format=ox.RdfFormat.N_QUADS)

    def union_part(self, index: int, whole: bool = False) -> bytes:
        """What the union part reads of document `index` (union_part), or all of it."""
        return union_part(self.nquads(index), self.own_from[index], whole or self.own_read[index])


def touched_nodes(previous: PreviousBuild, sources: DocumentSources) -> frozenset[str] | None:
    """The nodes (N3) named by a quad that the last build's documents have and this build's have not, or the
    other way round; None when that cannot be told (an entry gone from the cache, a document without a key)
    or is not worth it (more than MOST_CHANGED documents changed).

    A document's quads about its own nodes (its evidence) count only where the union part may read them
    (`own_quads_read`): elsewhere it reads them only for a result whose source files the evidence alone names,
    and such a result is not taken over (validate_parts_kept). So a change that moves the evidence's spans,
    whose statements name the bodies and instruments that every document names, touches no more than the
    facts it changes."""
    keys = set(sources.keys)
    if None in keys:
        return None
    added = [index for index, key in enumerate(sources.keys) if key not in previous.keys]
    gone = sorted(previous.keys - keys)  # type: ignore[operator]
    if len(added) + len(gone) > MOST_CHANGED:
        return None
    before: set[ox.Quad] = set()
    for key in gone:
        entry = sources.cache.get(key)
        if entry is None:
            return None
        own_from = entry.extra.get(OWN_FROM)
        validation = entry.extra.get(VALIDATION)
        own_read = not isinstance(validation, dict) or validation.get("own_quads_read", True)
        before.update(ox.parse(union_part(entry.nquads, own_from if isinstance(own_from, int) else None, own_read),
                               format=ox.RdfFormat.N_QUADS))
    after: set[ox.Quad] = set()
    for index in added:
        after.update(ox.parse(sources.union_part(index), format=ox.RdfFormat.N_QUADS))
    touched: set[str] = set()
    for quad in before ^ after:
        touched.add(str(quad.subject))
        touched.add(str(quad.object))
    return frozenset(touched)


def union_part(nquads: bytes, own_from: int | None, own_quads_read: bool) -> bytes:
    """A document's N-Quads that the union part of validation reads: all of them, or, where it reads none of its
    quads about its own nodes (DocumentValidation.own_quads_read) and they come last (from `own_from`), the
    part before them."""
    return nquads if own_quads_read or own_from is None else nquads[:own_from]
