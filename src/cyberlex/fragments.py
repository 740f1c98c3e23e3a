"""Stage 7 without a store: each document's statements serialised once, cut per subject, and the graph
files assembled from those pieces, so that a rebuild copies bytes instead of sorting and serialising the
whole graph again.

The graph files are sorted N-Triples/N-Quads lines serialised in order (cyberlex.serialise), and every
line starts with its subject: the files are therefore their subjects' blocks in the order of the
subjects. A document's pieces (`DocumentFragments`) are its own Turtle and TriG, cut where each subject
starts and ends; `assemble` orders every document's subjects, copies each run of subjects that only one
document describes as one slice, and renders again only the subjects that several documents describe
(their statements merged, as the store would merge them). TriG's graph blocks are joined across pieces:
each piece records the graph block open at its start and at its end.

The pieces are kept in the build cache with the file. Documents with blank nodes or statements in the
default graph (cyberlex's mapper makes neither) have no pieces: the build then serialises from the store.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import mmap
import os
import re
import sys
import tempfile
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import compress, islice, repeat
from operator import add, eq, ne, rshift
from pathlib import Path
from typing import IO

from pyoxigraph import BlankNode, DefaultGraph, NamedNode, Quad, RdfFormat, Store, Triple, parse, serialize

from cyberlex.evidence import EVIDENCE_FILE, evidence_segment
from cyberlex.serialise import GRAPH_OUTPUTS, StagedGraph, new_file_mode
from cyberlex.vocab import CLX, RDF, body_classes, instrument_classes, vocabulary_prefixes

# A text of a document's pieces: bytes, or a view of the cache entry that holds them.
Text = bytes | memoryview

# The figures counted by the build, and the classes whose nodes each counts (cyberlex.build.count).
TYPED_COUNTS = ("documents", "instruments", "clauses", "bodies")

# The per-subject columns of a document's pieces, in the order they are kept.
COLUMNS = ("ttl_start", "ttl_end", "trig_start", "trig_end", "trig_first", "trig_last",
           "evidence_start", "evidence_end", "evidence_first", "evidence_last",
           "triples", "ttl_statements", "trig_statements", "evidence_statements")


@cache
def _counted_classes() -> dict[NamedNode, str]:
    """Each class -> the figure its nodes count towards."""
    classes = {NamedNode(CLX.SourceDocument): "documents"}
    classes.update({NamedNode(c): "instruments" for c in instrument_classes()})
    classes.update({NamedNode(c): "clauses" for c in (CLX.PreambularClause, CLX.OperativeClause)})
    classes.update({NamedNode(c): "bodies" for c in body_classes()})
    return classes


@dataclass
class DocumentFragments:
    """One document's graph files in pieces: its subjects (N-Triples form, sorted), its Turtle (the union
    of its facts), its TriG (facts) and its evidence TriG, and for each subject where its piece of each
    text starts and ends, which graph block is open there (an index into `openers`, -1 for none), how
    many distinct triples it has in every graph and how many in the facts. A subject absent from a text
    starts where the next present one starts and ends where the previous one ends, so that a run of
    subjects is always the slice from its first's start to its last's end. `typed` and `cites`: the nodes
    and citations the build's figures count."""

    keys: list[bytes]
    ttl: Text
    trig: Text
    evidence: Text
    columns: dict[str, array[int]]
    openers: list[bytes]
    typed: dict[str, list[bytes]] = field(default_factory=dict)  # figure -> its nodes (N-Triples form)
    cites: list[bytes] = field(default_factory=list)  # "<citing> <cited>"
    # the subjects named under the document's own evidence graph (keys[own[0]:own[1]]): as a rule no other
    # document describes them, and `assemble` orders them as one block when it finds that so
    own: tuple[int, int] = (0, 0)

    def to_bytes(self) -> bytes:
        """The pieces as one blob: a line of JSON (the number of subjects, the size of each part), then the
        parts: the columns, the subjects, the three texts, the openers, the typed nodes and the citations
        (lists one item a line, so that reading them is splitting)."""
        numbers = array("q")
        for name in COLUMNS:
            numbers.extend(self.columns[name])
        if sys.byteorder != "little":
            numbers.byteswap()
        parts = [numbers.tobytes(), b"\n".join(self.keys), self.ttl, self.trig, self.evidence,
                 b"\n".join(opener.removesuffix(b"\n") for opener in self.openers),
                 *(b"\n".join(self.typed.get(name, ())) for name in TYPED_COUNTS), b"\n".join(self.cites)]
        header = {"subjects": len(self.keys), "sizes": [len(part) for part in parts], "own": list(self.own)}
        return b"".join([json.dumps(header, sort_keys=True).encode("ascii"), b"\n", *parts])

    @classmethod
    def from_bytes(cls, data: bytes | memoryview | mmap.mmap) -> DocumentFragments:
        """The pieces from a blob of to_bytes (its texts are views of it: nothing is copied)."""
        data = memoryview(data)
        line_end = bytes(data[:4096]).find(b"\n")
        if line_end < 0:
            line_end = bytes(data).index(b"\n")
        header = json.loads(bytes(data[:line_end]))
        position = line_end + 1
        parts = []
        for size in header["sizes"]:
            parts.append(data[position:position + size])
            position += size
        if position != len(data) or len(parts) != 7 + len(TYPED_COUNTS):  # see to_bytes
            raise ValueError("the pieces are not whole (a damaged cache entry?)")
        numbers = array("q")
        numbers.frombytes(parts[0])
        if sys.byteorder != "little":
            numbers.byteswap()
        n = int(header["subjects"])
        if len(numbers) != n * len(COLUMNS):
            raise ValueError("the pieces are not whole (a damaged cache entry?)")
        columns = {name: numbers[k * n:(k + 1) * n] for k, name in enumerate(COLUMNS)}
        _, keys, ttl, trig, evidence, openers, *typed, cites = parts
        own_start, own_end = header["own"]
        return cls(_lines(keys), ttl, trig, evidence, columns, [opener + b"\n" for opener in _lines(openers)],
                   dict(zip(TYPED_COUNTS, map(_lines, typed), strict=True)), _lines(cites), (own_start, own_end))


def _lines(part: Text) -> list[bytes]:
    return bytes(part).split(b"\n") if part else []


@cache
def _header(rdf_format: RdfFormat) -> bytes:
    """The prefix lines a Turtle or TriG file starts with (written once, before the first statement)."""
    probe = NamedNode("urn:x")
    statements: list[Quad] | list[Triple] = [Quad(probe, probe, probe, probe)] if rdf_format == RdfFormat.TRIG \
        else [Triple(probe, probe, probe)]
    text = serialize(statements, format=rdf_format, prefixes=vocabulary_prefixes()) or b""
    return text[:_body_start(text)]


def _body_start(text: bytes) -> int:
    """Where the statements of a serialised Turtle or TriG text start, after its prefix lines."""
    position = 0
    while text.startswith(b"@prefix ", position):
        position = text.index(b"\n", position) + 1
    return position


def render(store: Store, dump: bytes | None = None) -> DocumentFragments | None:
    """The pieces of the quads of a store holding one document (its terms as the build's store keeps
    them: it writes some literals otherwise than they were made). None if the document has statements in
    the default graph or blank nodes. `dump`: the store's N-Quads (Store.dump), where the caller has them."""
    if next(iter(store.quads_for_pattern(None, None, None, DefaultGraph())), None) is not None:
        return None
    data = dump if dump is not None else store.dump(format=RdfFormat.N_QUADS) or b""
    if b"_:" in data and any(isinstance(q.subject, BlankNode) or isinstance(q.object, BlankNode) for q in store):
        return None
    # sorted lines, as the build's external sort orders them; each ends "<graph> ." (unique: a store holds a
    # quad once; a set of them, then sorting what it left unordered, took 0.53 ms a UN document, this 0.28)
    lines = sorted(data.splitlines())
    evidence_suffix = f"/{evidence_segment()}> .".encode()
    # Each line's triple (the line without its graph) and subject, and the counts of each subject's
    # statements, made by whole-list operations rather than line by line (a third of render's own time). A
    # triple stated in several graphs is on adjacent lines (its lines share the prefix "<s> <p> o <", and no
    # other triple's line can: a term holds no unescaped " <" after its end), so a triple is new where it
    # differs from the line before's.
    triples = [line[:line.rindex(b" <")] for line in lines]
    subjects = [triple[:triple.index(b" ")] for triple in triples]
    in_evidence = [line.endswith(evidence_suffix) for line in lines]
    in_facts = [not flag for flag in in_evidence]
    evidence = list(compress(lines, in_evidence))
    facts = list(compress(lines, in_facts))
    evidence_graphs = [graph for graph in (f"<{name.value}>".encode() for name in store.named_graphs())
                       if (graph + b" .").endswith(evidence_suffix)]  # from the store's index of graphs
    fact_triples = list(compress(triples, in_facts))
    new_triple = list(map(ne, triples, [b"", *triples[:-1]]))
    new_fact_triple = list(map(ne, fact_triples, [b"", *fact_triples[:-1]]))
    # each subject's statements in each text, and its distinct triples
    per_subject: dict[str, dict[bytes, int]] = {
        "ttl": Counter(compress(compress(subjects, in_facts), new_fact_triple)),
        "trig": Counter(compress(subjects, in_facts)),
        "evidence": Counter(compress(subjects, in_evidence)),
        "triples": Counter(compress(subjects, new_triple)),
    }
    triples_count = per_subject["triples"]
    union = [triple + b" ." for triple in compress(fact_triples, new_fact_triple)]
    keys = sorted(triples_count)  # every subject has a triple
    openers: list[bytes] = []
    columns: dict[str, array[int]] = {}
    for name, statements, rdf_format in (("ttl", union, RdfFormat.TURTLE), ("trig", facts, RdfFormat.TRIG),
                                         ("evidence", evidence, RdfFormat.TRIG)):
        text = _text(statements, rdf_format)
        cuts = _cuts(text, keys, per_subject[name], rdf_format == RdfFormat.TRIG, openers)
        columns[f"{name}_start"], columns[f"{name}_end"] = cuts[0], cuts[1]
        if rdf_format == RdfFormat.TRIG:
            columns[f"{name}_first"], columns[f"{name}_last"] = cuts[2], cuts[3]
        if name == "ttl":
            ttl = text
        elif name == "trig":
            trig = text
        else:
            evidence_text = text
    for name, counts in per_subject.items():
        columns["triples" if name == "triples" else f"{name}_statements"] = array("q", (counts.get(key, 0)
                                                                                         for key in keys))
    typed, cites = _counted(store)
    own = (0, 0)
    if len(evidence_graphs) == 1:  # "<graph/" starts the keys of the nodes named under it
        prefix = next(iter(evidence_graphs))[:-1] + b"/"
        own = (bisect_left(keys, prefix), bisect_left(keys, prefix[:-1] + b"0"))  # "0" follows "/"
    return DocumentFragments(keys, ttl, trig, evidence_text, columns, openers, typed, cites, own)


def _counted(store: Store) -> tuple[dict[str, list[bytes]], list[bytes]]:
    """The nodes of the counted classes, and the citations ("<citing> <cited>"), in N-Triples form: read
    with the store's index, class by class (cutting every line of the document to find them cost ten times
    as much)."""
    typed: dict[str, set[bytes]] = {name: set() for name in TYPED_COUNTS}
    for cls, kind in _counted_classes().items():
        typed[kind].update(str(quad.subject).encode() for quad in
                           store.quads_for_pattern(None, _TYPE, cls, None))
    cites = {f"{quad.subject} {quad.object}".encode() for quad in store.quads_for_pattern(None, _CITES, None, None)}
    return {name: sorted(nodes) for name, nodes in typed.items()}, sorted(cites)


_TYPE, _CITES = NamedNode(str(RDF.type)), NamedNode(str(CLX.cites))


def _text(lines: list[bytes], rdf_format: RdfFormat) -> bytes:
    """N-Triples (for Turtle) or N-Quads (for TriG) lines serialised in order, without the prefix lines.
    The lines are a store's (render): written by Oxigraph, they are parsed without checking them again
    (`lenient`: 2.8 -> 2.0 ms a UN document's three texts)."""
    if not lines:
        return b""
    line_format = RdfFormat.N_QUADS if rdf_format == RdfFormat.TRIG else RdfFormat.N_TRIPLES
    text = serialize(parse(b"\n".join(lines), format=line_format, lenient=True), format=rdf_format,
                     prefixes=vocabulary_prefixes()) or b""
    return text[_body_start(text):]


# The end of each line followed by one that is not a subject's further statement (those open with two tabs
# in TriG, one in Turtle), by whether the text is TriG.
_NOT_FURTHER = {True: re.compile(rb"\n(?!\t\t)"), False: re.compile(rb"\n(?!\t)")}


def _cuts(text: bytes, keys: list[bytes], present: dict[bytes, int], blocks: bool,
          openers: list[bytes]) -> tuple[array[int], array[int], array[int], array[int]]:
    """Where each subject's piece of `text` starts and ends (and with `blocks`, TriG, the graph block open
    at each end, as an index into `openers`, which grows). The subjects present follow each other in the
    text in the order of `keys`: in Turtle each starts a line without a tab; in TriG each starts a line
    with one tab, and goes on over the graph blocks that follow while the lines name it."""
    spans: list[tuple[int, int, int, int]] = []  # start, end, first opener, last opener
    opener_index = {opener: k for k, opener in enumerate(openers)}
    current_opener = -1
    current_token: bytes | None = None
    length = len(text)
    if text and not text.endswith(b"\n"):
        raise ValueError("the serialised text does not end a line")
    # only the lines that are not a subject's further statements, each with what follows it up to the next
    # (its further statements, passed over by the regular expression: 0.80 -> 0.48 ms a UN document)
    if text.startswith(b"\t\t" if blocks else b"\t"):
        raise ValueError("the serialised text opens with a further statement")
    marks = [0, *(match.end() for match in _NOT_FURTHER[blocks].finditer(text, 0, length - 1))] if text else []
    indent = 1 if blocks else 0
    for position, end in zip(marks, [*marks[1:], length], strict=False):  # (no line: no mark, no end)
        lead = text[position:position + 1]
        if lead == b"}":  # a graph block closes
            pass
        elif blocks and lead != b"\t":  # a graph block opens
            opener = text[position:end]
            if opener not in opener_index:
                opener_index[opener] = len(openers)
                openers.append(opener)
            current_opener = opener_index[opener]
        else:  # a subject's line: a new subject, or the last one again in the next graph block
            token = text[position + indent:text.index(b" ", position + indent)]
            if token == current_token:
                start, _, first, _ = spans[-1]
                spans[-1] = (start, end, first, current_opener)
            else:
                spans.append((position, end, current_opener, current_opener))
                current_token = token
    ordered = [key for key in keys if key in present]
    if len(ordered) != len(spans):
        raise ValueError(f"{len(spans)} subjects found in the serialised text, {len(ordered)} expected")
    return _columns(keys, dict(zip(ordered, spans, strict=True)), length)


def _columns(keys: list[bytes], found: dict[bytes, tuple[int, int, int, int]],
             length: int) -> tuple[array[int], array[int], array[int], array[int]]:
    """Start, end, first and last opener of each subject from the spans of those present (a subject
    absent starts where the next present one starts, at `length` if none, and ends where the previous
    present one ends, at 0 if none)."""
    starts, ends, firsts, lasts = array("q"), array("q"), array("q"), array("q")
    previous_end, previous_last = 0, -1
    for key in keys:
        span = found.get(key)
        if span is not None:
            previous_end, previous_last = span[1], span[3]
        ends.append(previous_end)
        lasts.append(previous_last)
    next_start, next_first = length, -1
    for key in reversed(keys):
        span = found.get(key)
        if span is not None:
            next_start, next_first = span[0], span[2]
        starts.append(next_start)
        firsts.append(next_first)
    starts.reverse()
    firsts.reverse()
    return starts, ends, firsts, lasts


@dataclass
class Assembled:
    """What `assemble` wrote: the statements in each file, and the build's figures."""

    statements: dict[str, int]
    counts: dict[str, int]
    shared: SharedSubjects | None = None  # for the next build's `assemble` (None without every document's id)


class _BlockWriter:
    """Writes pieces of TriG, opening and closing graph blocks where consecutive pieces differ (the
    header before the first); `written`: the bytes written so far."""

    def __init__(self, stream: IO[bytes], header: bytes) -> None:
        self.stream = stream
        self.header = header
        self.open: bytes | None = None
        self.written = 0

    def write(self, piece: Text, first: bytes, last: bytes) -> None:
        if self.open is None:
            self._put(self.header)
        if first != self.open:
            if self.open is not None:
                self._put(b"}\n")
            self._put(first)
        self._put(piece)
        self.open = last

    def _put(self, data: Text) -> None:
        self.stream.write(data)
        self.written += len(data)

    def close(self) -> None:
        if self.open is not None:
            self.stream.write(b"}\n")


def _merged(documents: list[DocumentFragments], shared: list[list[tuple[int, int]]]) -> DocumentFragments:
    """The pieces of the subjects several documents describe, rendered again from all their statements."""
    parts: list[Text] = [_header(RdfFormat.TRIG)]
    for group in shared:
        for doc, i in group:
            fragments = documents[doc]
            c = fragments.columns
            for text, name in ((fragments.trig, "trig"), (fragments.evidence, "evidence")):
                piece = text[c[f"{name}_start"][i]:c[f"{name}_end"][i]]
                if piece:
                    parts += [fragments.openers[c[f"{name}_first"][i]], piece, b"}\n"]
    store = Store()
    store.load(b"".join(parts), format=RdfFormat.TRIG)
    merged = render(store)
    assert merged is not None
    return merged


def concatenate(subjects: list[tuple[DocumentFragments, int]]) -> DocumentFragments:
    """One document's pieces made of other documents' subjects (given in the order of their keys)."""
    keys = [fragments.keys[i] for fragments, i in subjects]
    texts = {name: io.BytesIO() for name in ("ttl", "trig", "evidence")}
    writers = {name: _BlockWriter(texts[name], b"") for name in ("trig", "evidence")}
    openers: list[bytes] = []
    opener_index: dict[bytes, int] = {}

    def index_of(opener: bytes) -> int:
        if opener not in opener_index:
            opener_index[opener] = len(openers)
            openers.append(opener)
        return opener_index[opener]

    found: dict[str, dict[bytes, tuple[int, int, int, int]]] = {name: {} for name in texts}
    counted: dict[str, array[int]] = {name: array("q") for name in COLUMNS if not name.endswith(
        ("_start", "_end", "_first", "_last"))}
    for (fragments, i), key in zip(subjects, keys, strict=True):
        c = fragments.columns
        for name, column in counted.items():
            column.append(c[name][i])
        piece = fragments.ttl[c["ttl_start"][i]:c["ttl_end"][i]]
        if piece:
            start = texts["ttl"].tell()
            texts["ttl"].write(piece)
            found["ttl"][key] = (start, start + len(piece), -1, -1)
        for name, source in (("trig", fragments.trig), ("evidence", fragments.evidence)):
            piece = source[c[f"{name}_start"][i]:c[f"{name}_end"][i]]
            if piece:
                first, last = fragments.openers[c[f"{name}_first"][i]], fragments.openers[c[f"{name}_last"][i]]
                writers[name].write(piece, first, last)
                end = writers[name].written
                found[name][key] = (end - len(piece), end, index_of(first), index_of(last))
    for writer in writers.values():
        writer.close()
    columns: dict[str, array[int]] = dict(counted)
    for name, stream in texts.items():
        starts, ends, firsts, lasts = _columns(keys, found[name], stream.tell())
        columns[f"{name}_start"], columns[f"{name}_end"] = starts, ends
        if name != "ttl":
            columns[f"{name}_first"], columns[f"{name}_last"] = firsts, lasts
    return DocumentFragments(keys, texts["ttl"].getvalue(), texts["trig"].getvalue(), texts["evidence"].getvalue(),
                             columns, openers)


# Layers of shared subjects kept before they are written again as one (each rebuild adds one).
MAX_LAYERS = 8


@dataclass
class SharedSubjects:
    """The subjects several documents described in the last build, rendered from all their statements,
    each found by the digest of its key and of the documents (their cache keys) that described it, so that
    a rebuild renders again only the subjects of a document that changed. They are kept in layers, a
    rebuild adding one with what it rendered (not writing again what the earlier ones hold), merged into
    one beyond MAX_LAYERS. `where`: digest -> (layer, subject index in it)."""

    layers: dict[str, DocumentFragments]  # name -> the layer
    where: dict[str, tuple[str, int]]

    @classmethod
    def read(cls, folder: Path) -> SharedSubjects | None:
        """The subjects kept in `folder`, or None if there are none or they cannot all be read."""
        try:
            where: dict[str, tuple[str, int]] = {}
            for line in (folder / "index").read_text(encoding="ascii").splitlines():
                digest, layer, index = line.split(" ")
                where[digest] = (layer, int(index))
            layers = {name: DocumentFragments.from_bytes(_mapped(folder / f"{name}.layer"))
                      for name in {layer for layer, _ in where.values()}}
        except (OSError, ValueError, KeyError, IndexError, UnicodeDecodeError):
            return None
        if any(index >= len(layers[layer].keys) for layer, index in where.values()):
            return None
        return cls(layers, where)

    def write(self, folder: Path) -> None:
        """Keep the subjects in `folder`: the layers not there yet, then the index; layers no longer used
        are removed. Not being able to write them only costs the next build time."""
        with contextlib.suppress(OSError):
            folder.mkdir(parents=True, exist_ok=True)
            for name, layer in self.layers.items():
                if not (folder / f"{name}.layer").exists():
                    write_quietly(folder / f"{name}.layer", layer.to_bytes())
            index = "".join(f"{digest} {layer} {i}\n" for digest, (layer, i) in self.where.items())
            write_quietly(folder / "index", index.encode("ascii"))
            for stale in folder.glob("*.layer"):
                if stale.name.removesuffix(".layer") not in self.layers:
                    stale.unlink(missing_ok=True)


def _mapped(path: Path) -> mmap.mmap:
    """A file's bytes, mapped (not copied into the process: a layer is some 30 MB)."""
    with path.open("rb") as stream:
        return mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)


def _digest(key: bytes, group: list[int], ids: list[bytes]) -> str | None:
    """The digest of a subject's key and of the documents that describe it (`group`: its places; `ids`:
    each document's id, empty if it has none: the digest is then None)."""
    described_by = sorted(map(ids.__getitem__, map(rshift, group, repeat(_SHIFT))))
    if not described_by[0]:
        return None
    return hashlib.sha256(b"\n".join([key, *described_by])).hexdigest()


def assemble(documents: list[DocumentFragments], ttl: IO[bytes], trig: IO[bytes], evidence: IO[bytes],
             ids: Sequence[str | None] = (), previous: SharedSubjects | None = None) -> Assembled:
    """Write graph.ttl, graph.trig and evidence.trig from the documents' pieces: the same bytes as
    serialising the store (cyberlex.serialise.stage_graph) holding every document's quads. `ids`: each
    document's cache key (what its pieces are made from), with which the subjects several documents
    describe are taken from `previous` (the last build's `Assembled.shared`) where the same documents
    described them; only the others are rendered again."""
    described = len(documents)
    sequence, shared = _order(documents)
    new_shared: SharedSubjects | None = None
    if shared:
        documents = list(documents)
        place, new_shared = _place_shared(documents, shared, ids or [None] * described, previous)
        sequence = [owner if owner >= 0 else place[-1 - owner] for owner in sequence]
    statements, triples = _write(documents, _runs(sequence), ttl, trig, evidence)
    counts = _counts(documents[:described])
    counts["triples"] = triples
    return Assembled(statements, counts, new_shared)


# A subject's place: its document's index, shifted, with the subject's index in that document.
_SHIFT = 32
_INDEX = (1 << _SHIFT) - 1


def _order(documents: list[DocumentFragments], blocks: bool = True) -> tuple[list[int], list[list[int]]]:
    """Every document's subjects in order (each as its place, or for a subject several documents
    describe, -1 - its number among those), and those described by several (each as the places that
    describe it). Done with whole-list operations: there are some 150,000 subjects. With `blocks`, each
    document's own subjects (DocumentFragments.own, most of them: its evidence) are ordered as one, where
    no other document's subject falls among them (otherwise everything is ordered subject by subject)."""
    keys: list[bytes] = []
    owners: list[int] = []
    block_ends: dict[int, tuple[int, bytes]] = {}  # a block's first place -> its size, its last key
    for doc, fragments in enumerate(documents):
        base = doc << _SHIFT
        start, end = fragments.own if blocks else (0, 0)
        if end - start < 2:
            keys.extend(fragments.keys)
            owners.extend(range(base, base + len(fragments.keys)))
            continue
        keys.extend(fragments.keys[:start + 1])
        owners.extend(range(base, base + start + 1))
        block_ends[base + start] = (end - start, fragments.keys[end - 1])
        keys.extend(fragments.keys[end:])
        owners.extend(range(base + end, base + len(fragments.keys)))
    order = sorted(range(len(keys)), key=keys.__getitem__)
    ordered_keys = list(map(keys.__getitem__, order))
    ordered = list(map(owners.__getitem__, order))
    if block_ends:
        position_of = dict(zip(ordered, range(len(ordered)), strict=True))
        total = len(ordered)
        for first, (_, last_key) in block_ends.items():
            at = position_of[first]
            if at + 1 < total and ordered_keys[at + 1] <= last_key:
                return _order(documents, blocks=False)  # another document's subject among the block's
    # positions whose key is the one before's: the second and later describers of a subject
    repeats = list(compress(range(1, len(order)), map(eq, islice(ordered_keys, 1, None), ordered_keys)))
    shared: list[list[int]] = []
    sequence: list[int] = []
    done = 0
    position = 0
    while position < len(repeats):
        first = repeats[position] - 1  # the first describer of the subject
        following = position + 1
        while following < len(repeats) and repeats[following] == repeats[following - 1] + 1:
            following += 1
        end = repeats[following - 1] + 1
        sequence.extend(ordered[done:first])
        sequence.append(-1 - len(shared))
        shared.append(ordered[first:end])
        done = end
        position = following
    sequence.extend(ordered[done:])
    if any(owner in block_ends for group in shared for owner in group):
        return _order(documents, blocks=False)  # another document describes a block's first subject
    if not block_ends:
        return sequence, shared
    expanded: list[int] = []
    for owner in sequence:
        if owner in block_ends:
            expanded.extend(range(owner, owner + block_ends[owner][0]))
        else:
            expanded.append(owner)
    return expanded, shared


def _place_shared(documents: list[DocumentFragments], shared: list[list[int]], ids: Sequence[str | None],
                  previous: SharedSubjects | None) -> tuple[list[int], SharedSubjects | None]:
    """Where each subject several documents describe is rendered: taken from `previous` where the same
    documents described it, else rendered again, in a document appended to `documents` (as are the
    layers of `previous`); and all of them, for the next build (None without every document's id)."""
    encoded = [(doc_id or "").encode("ascii") for doc_id in ids]
    digests = [_digest(documents[g[0] >> _SHIFT].keys[g[0] & _INDEX], g, encoded) for g in shared]
    where = previous.where if previous is not None else {}
    again = [g for g, digest in enumerate(digests) if digest is None or digest not in where]
    layers: dict[str, DocumentFragments] = dict(previous.layers) if previous is not None else {}
    rendered_name = ""
    if again:
        rendered = _merged(documents, [[divmod(owner, 1 << _SHIFT) for owner in shared[g]] for g in again])
        rendered_name = hashlib.sha256("\n".join(d or "" for d in (digests[g] for g in again)).encode()).hexdigest()
        layers[rendered_name] = rendered
    layer_doc = {}
    for name, layer in layers.items():
        layer_doc[name] = len(documents) << _SHIFT
        documents.append(layer)
    again_at = {g: k for k, g in enumerate(again)}
    place = [layer_doc[rendered_name] | again_at[g] if g in again_at else
             layer_doc[where[digest or ""][0]] | where[digest or ""][1] for g, digest in enumerate(digests)]
    if not all(digests):
        return place, None
    now = {digest or "": (rendered_name, again_at[g]) if g in again_at else where[digest or ""]
           for g, digest in enumerate(digests)}
    used = {layer for layer, _ in now.values()}
    if len(used) > MAX_LAYERS:  # merged into one layer
        merged = concatenate([(documents[p >> _SHIFT], p & _INDEX) for p in place])
        name = hashlib.sha256("\n".join(now).encode()).hexdigest()
        return place, SharedSubjects({name: merged}, {digest: (name, k) for k, digest in enumerate(now)})
    return place, SharedSubjects({name: layers[name] for name in used}, now)


def _runs(sequence: list[int]) -> list[tuple[int, int, int]]:
    """The subjects in order as runs of consecutive subjects of one document: (document, first, end)."""
    if not sequence:
        return []
    # a run ends where the next place is not the one after it in the same document
    ends = list(compress(range(1, len(sequence)), map(ne, islice(sequence, 1, None), map(add, sequence, repeat(1)))))
    runs = []
    start = 0
    for end in [*ends, len(sequence)]:
        owner = sequence[start]
        first = owner & _INDEX
        runs.append((owner >> _SHIFT, first, first + end - start))
        start = end
    return runs


def _write(documents: list[DocumentFragments], runs: list[tuple[int, int, int]], ttl: IO[bytes], trig: IO[bytes],
           evidence: IO[bytes]) -> tuple[dict[str, int], int]:
    """Each run's slices written to the three files; the statements in each, and the distinct triples."""
    statements = {"graph.ttl": 0, "graph.trig": 0, "evidence.trig": 0}
    triples = 0
    ttl_header, trig_header = _header(RdfFormat.TURTLE), _header(RdfFormat.TRIG)
    facts_writer, evidence_writer = _BlockWriter(trig, trig_header), _BlockWriter(evidence, trig_header)
    wrote_ttl = False
    for doc, first, end in runs:
        fragments = documents[doc]
        c = fragments.columns
        last = end - 1
        piece = fragments.ttl[c["ttl_start"][first]:c["ttl_end"][last]]
        if piece:
            if not wrote_ttl:
                ttl.write(ttl_header)
                wrote_ttl = True
            ttl.write(piece)
        piece = fragments.trig[c["trig_start"][first]:c["trig_end"][last]]
        if piece:
            facts_writer.write(piece, fragments.openers[c["trig_first"][first]],
                               fragments.openers[c["trig_last"][last]])
        piece = fragments.evidence[c["evidence_start"][first]:c["evidence_end"][last]]
        if piece:
            evidence_writer.write(piece, fragments.openers[c["evidence_first"][first]],
                                  fragments.openers[c["evidence_last"][last]])
        triples += sum(c["triples"][first:end])
        statements["graph.ttl"] += sum(c["ttl_statements"][first:end])
        statements["graph.trig"] += sum(c["trig_statements"][first:end])
        statements["evidence.trig"] += sum(c["evidence_statements"][first:end])
    facts_writer.close()
    evidence_writer.close()
    return statements, triples


def _counts(documents: list[DocumentFragments]) -> dict[str, int]:
    """The build's figures over the documents (as cyberlex.build.count asks the store)."""
    typed: dict[str, set[bytes]] = {name: set() for name in TYPED_COUNTS}
    cites: set[bytes] = set()
    for fragments in documents:
        for name, nodes in fragments.typed.items():
            typed[name].update(nodes)
        cites.update(fragments.cites)
    return {"documents": len(typed["documents"]), "instruments": len(typed["instruments"]),
            "clauses": len(typed["clauses"]), "citations": len(cites), "bodies": len(typed["bodies"])}


def stage_fragments(documents: list[DocumentFragments], ids: Sequence[str | None], out_dir: Path,
                    shared_folder: Path | None) -> tuple[StagedGraph, dict[str, int]]:
    """graph.ttl, graph.trig and evidence.trig assembled into temporaries in out_dir (as stage_graph
    stages them from a store: the same bytes), and the build's figures. `shared_folder`: where the
    subjects several documents describe are kept between builds (SharedSubjects), or None."""
    previous = SharedSubjects.read(shared_folder) if shared_folder is not None else None
    staged = StagedGraph()
    mode = new_file_mode()
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        streams = []
        for output in GRAPH_OUTPUTS:
            handle, name = tempfile.mkstemp(prefix=f".{output.name}.", dir=out_dir)
            staged.files[output.name] = Path(name)
            os.fchmod(handle, mode)
            streams.append(os.fdopen(handle, "wb", buffering=1 << 20))
        with contextlib.ExitStack() as closing:
            for stream in streams:
                closing.enter_context(stream)
            by_name = dict(zip((output.name for output in GRAPH_OUTPUTS), streams, strict=True))
            assembled = assemble(documents, by_name["graph.ttl"], by_name["graph.trig"], by_name[EVIDENCE_FILE],
                                 ids, previous)
            for stream in streams:
                stream.flush()
                os.fsync(stream.fileno())
        for output in GRAPH_OUTPUTS:
            written = assembled.statements[output.name]
            if written == 0 and output.optional:
                staged.files.pop(output.name).unlink()
                continue
            staged.statements[output.name] = written
    except BaseException:
        staged.discard()
        raise
    if shared_folder is not None and assembled.shared is not None:
        assembled.shared.write(shared_folder)
    return staged, assembled.counts


def write_quietly(path: Path, data: bytes) -> None:
    """Write a file of the build cache, atomically; one that cannot be written only costs the next build time."""
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.replace(temporary, path)
        finally:
            Path(temporary).unlink(missing_ok=True)
