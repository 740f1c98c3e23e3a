"""The main job: files in, a validated graph out (read → segment → extract → map → validate → serialise).

One bad file never stops the build: it is reported with its reason and the rest is built.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import os
import pickle
import re
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Generic, TypeVar

from pyoxigraph import NamedNode, QuerySolutions, RdfFormat, Store, serialize

from cyberlex import scratch
from cyberlex.cache import (
    BuildCache,
    Entry,
    inputs_digest,
    outputs_unchanged,
    read_manifest,
    write_manifest,
)
from cyberlex.cluster import DaskCluster, Executor, LocalPool
from cyberlex.extract import extract
from cyberlex.gcpause import gc_paused
from cyberlex.incremental import OWN_FROM, UNION_STATE, VALIDATION, DocumentSources, union_part
from cyberlex.map import Mapper
from cyberlex.read import MAX_FILE_BYTES, ReadError, read, read_bytes
from cyberlex.resolve import slug
from cyberlex.resources import data_path
from cyberlex.segment import segment
from cyberlex.serialise import StagedGraph, count_unique_triples, stage_graph, write_files
from cyberlex.vocab import CLX, DEFAULT_BASE, RDF, body_classes, instrument_classes

if TYPE_CHECKING:
    from cyberlex.fragments import DocumentFragments
    from cyberlex.validate_parts import DocumentValidation


@dataclass(frozen=True)
class Failure:
    """A file that could not be built, and why."""

    path: str
    reason: str


class NothingBuilt(Exception):
    """No file could be built (none given, an empty or unmounted folder, or every one failed): nothing is
    written, the previous graph is kept. `why` says which; `result` holds the failures."""

    def __init__(self, why: str, out_dir: Path, result: BuildResult) -> None:
        super().__init__(f"nothing was built: {why}; the previous graph in {out_dir} is kept")
        self.why = why
        self.result = result


class WriteError(OSError):
    """The graph could not be written (a full disk, a read-only or missing folder); the previous graph is
    kept. The message is one line."""


_Item = TypeVar("_Item")


class ValidationLog(Generic[_Item]):
    """The documents' validations of a build, in the order they came: in memory, or (`spill_to`, a file
    made for it) on disk, read back one at a time, so that a build of any size need not hold them (a
    document's nodes, neighbours and results take some 20 kB). Call :meth:`finish` when every one is
    added (before a process that reads it forks), :meth:`discard` when done with it."""

    def __init__(self, spill_to: Path | None = None) -> None:
        self._kept: list[_Item] | None = [] if spill_to is None else None
        self._path = spill_to
        self._writer = spill_to.open("wb") if spill_to is not None else None
        self._count = 0

    def append(self, validation: _Item) -> None:
        """Add the validation of the next document."""
        if self._writer is not None:
            pickle.dump(validation, self._writer, protocol=pickle.HIGHEST_PROTOCOL)
        else:
            assert self._kept is not None, "the log was discarded"
            self._kept.append(validation)
        self._count += 1

    def finish(self) -> None:
        """Write out what is buffered (the log is then read only)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    @property
    def on_disk(self) -> bool:
        """Whether the log is in a file (and is removed with :meth:`discard`)."""
        return self._path is not None

    def discard(self) -> None:
        """Remove the log's file (its validations are gone)."""
        self.finish()
        if self._path is not None:
            self._path.unlink(missing_ok=True)
        self._kept = []
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[_Item]:
        if self._kept is not None:
            yield from self._kept
            return
        assert self._path is not None and self._writer is None, "finish() the log before reading it"
        with self._path.open("rb") as stream:
            for _ in range(self._count):
                yield pickle.load(stream)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ValidationLog | list):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]


class HeldBack:
    """Quads a validating build leaves out of its store: the documents' quads about their own nodes (their
    evidence, most of their quads) that the union part of validation does not read
    (cyberlex.validate_parts.own_lines_last), kept as N-Quads in a file made for them, to be loaded into the store
    should the union part need them after all (:meth:`load_into`). Call :meth:`discard` when done."""

    def __init__(self, path: Path, cache: BuildCache | None = None) -> None:
        self.path = path
        self._writer: BinaryIO | None = path.open("wb")
        self.loaded = False
        self.cache = cache
        self.in_cache: list[tuple[str, int]] = []  # (entry key, where its held-back quads begin)

    def add(self, nquads: bytes) -> None:
        """Keep a document's held-back quads (N-Quads)."""
        assert self._writer is not None, "the quads held back were read or discarded"
        self._writer.write(nquads)

    def add_kept(self, key: str, own_from: int) -> None:
        """A document's held-back quads are those of its entry in the build cache from `own_from` on."""
        self.in_cache.append((key, own_from))

    def finish(self) -> None:
        """Write out what is buffered (before a process that loads them forks)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def load_into(self, store: Store) -> None:
        """Load every quad held back into `store` (once)."""
        self.finish()
        if not self.loaded:
            store.load(path=str(self.path), format=RdfFormat.N_QUADS)
            for key, own_from in self.in_cache:
                entry = self.cache.get(key) if self.cache is not None else None
                if entry is None:
                    raise OSError(f"the build cache lost entry {key} during the build")
                store.load(entry.nquads[own_from:], format=RdfFormat.N_QUADS)
            self.loaded = True

    def discard(self) -> None:
        """Remove the file."""
        self.finish()
        self.path.unlink(missing_ok=True)


@dataclass
class BuildResult:
    """What a build produced: the store, the files written, the counts, the failures."""

    store: Store
    documents: int = 0
    failures: list[Failure] = field(default_factory=list)
    warnings: list[Failure] = field(default_factory=list)  # built, but something in the file looked wrong
    counts: dict[str, int] = field(default_factory=dict)
    written: dict[str, Path] = field(default_factory=dict)
    violations: int | None = None
    report_text: str = ""
    # each document's own SHACL results (on disk when the store is: read them back with iter())
    validations: ValidationLog[DocumentValidation] = field(default_factory=ValidationLog)
    # the quads left out of the store, which then holds only what validation reads (build_store, `hold_back`)
    held_back: HeldBack | None = None
    from_cache: int = 0  # files taken from the build cache instead of being built
    # each document's graph files in pieces, and its cache key (build_store with `fragments`); None when a
    # document has none (blank nodes, the default graph), and the graph is written from the store
    fragments: list[DocumentFragments] | None = None
    fragment_ids: list[str | None] = field(default_factory=list)
    # Nothing changed since the last build into the output folder, whose files were left as they are: the
    # figures are that build's and the store is empty (the graph is in the files).
    up_to_date: bool = False


def sample_corpus() -> Path:
    """The small corpus bundled with cyberlex, written by the project for the demo."""
    return data_path("samples")


# Files in a folder that describe the folder rather than being documents of it.
NOT_DOCUMENTS = re.compile(r"^(?:README|LICENSE|LICENCE|NOTICE|CHANGELOG|COPYING)(?:\.\w+)?$", re.IGNORECASE)


def collect_inputs(paths: Iterable[Path], exclude: Path | None = None) -> list[Path]:
    """Files named, and files in folders named (recursively; hidden files, a folder's README or LICENSE
    and the folder `exclude`, the build's own output, left out), sorted, once each."""
    found: dict[Path, None] = {}
    outputs = exclude.resolve() if exclude is not None else None
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                parts = child.relative_to(path).parts
                if outputs is not None and child.resolve().is_relative_to(outputs):
                    continue  # an --out inside an input folder: last build's graph is not an input
                if child.is_file() and not any(p.startswith(".") for p in parts) and not NOT_DOCUMENTS.match(
                        child.name):
                    found.setdefault(child, None)
        else:
            found.setdefault(path, None)
    return list(found)


@dataclass(frozen=True)
class _FileOutcome:
    """What one file gave: its quads as N-Quads (plain bytes travel between processes), or why none."""

    path: str
    nquads: bytes = b""
    failure: str | None = None
    warnings: tuple[str, ...] = ()
    validation: DocumentValidation | None = None
    # its graph files in pieces (cyberlex.fragments), when asked for and possible
    fragments: bytes | memoryview | None = None
    # where in `nquads` the quads about the document's own nodes begin (they come last: a validating build
    # may leave them out of its store, cyberlex.validate_parts.own_lines_last); None when not in that order
    own_from: int | None = None
    # put into the build cache by the worker (_kept): `nquads` may then be only their union part, and the
    # pieces are in the entry
    kept: bool = False


# Seconds one file may take to be read, segmented, extracted and mapped (`cyberlex build --file-timeout`).
DEFAULT_FILE_TIMEOUT = 60.0


class _OutOfTime(BaseException):
    """A file ran past its time budget (a BaseException, so that no `except Exception` inside a reader
    swallows it)."""


@contextmanager
def _time_budget(seconds: float | None) -> Iterator[None]:
    """Raise _OutOfTime in this process after `seconds` (a timer signal; the regular expression engine and
    Python code are interrupted by it, a long call into C only when it returns). Only the main thread of a
    process receives signals: elsewhere, and with no budget, there is no limit."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(_signum: int, _frame: object) -> None:
        raise _OutOfTime

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def source_names(files: list[Path]) -> dict[Path, str]:
    """The name each file's source document is known by (its IRI is made from it): the file's name, or,
    where two files of a build would give the same IRI ("en/A-RES-73-187.txt", "fr/A-RES-73-187.txt"), the
    file's name with as many of its folders as tell them apart."""
    by_key: dict[str, list[Path]] = {}
    for path in files:
        by_key.setdefault(slug(path.name).lower(), []).append(path)
    names = {path: path.name for path in files}
    for same in (group for group in by_key.values() if len(group) > 1):
        depth = 2
        while depth <= max(len(p.parts) for p in same):
            tried = {path: "/".join(path.parts[-depth:]) for path in same}
            if len({slug(name).lower() for name in tried.values()}) == len(same):
                break
            depth += 1
        names.update({path: "/".join(path.parts[-depth:]).lstrip("/") for path in same})
    return names


def _process(path: Path, base: str, timeout: float | None = DEFAULT_FILE_TIMEOUT,
             name: str | None = None, max_bytes: int | None = None, validate: bool = False,
             data: bytes | ReadError | None = None, fragments: bool = False) -> _FileOutcome:
    """Read, segment, extract and map one file within its time budget (and, with `validate`, check it
    against the shapes alone: cyberlex.validate_parts); whatever goes wrong is that file's failure, with
    its reason. `data`: the file's bytes, or why they could not be read, where they were read already
    (on a cluster, by the build's own process). With `fragments`, its graph files in pieces too
    (cyberlex.fragments), made here in parallel so that writing the graph is copying them."""
    stage = "read"
    try:
        with _time_budget(timeout):
            if isinstance(data, ReadError):
                raise data
            # Mapper(base).map(extract(segment(read(path, name, max_bytes)))), one stage at a time so that
            # a failure or a timeout can say at which stage it came
            source = read(path, name, max_bytes, data)
            stage = "segmented"
            segments = segment(source)
            stage = "extracted"
            extraction = extract(segments)
            if not extraction.records and not extraction.mentions:
                return _FileOutcome(str(path),
                                    failure="no recognisable structure: no instrument, body or citation found")
            stage = "mapped"
            quads = Mapper(base).map(extraction)
            validation = None
            pieces = None
            own_from = None
            if validate or fragments:
                # one store of the document's quads, each in its graph, for both (not parsed from N-Quads:
                # it keeps the mapper's terms as it keeps the same terms parsed); its N-Quads are what the
                # build's store loads (each quad once, its terms as stores keep them) and what the pieces
                # are cut from, written once for both
                store = Store()
                store.extend(quads)
                dump = store.dump(format=RdfFormat.N_QUADS) or b""
                if validate:
                    from cyberlex.validate_parts import own_lines_last, own_namespaces_in, validate_document

                    nquads, own_from = own_lines_last(dump, own_namespaces_in(store))
                    stage = "validated"
                else:
                    nquads = dump
                if fragments:  # first: the validation then copies the quads into the default graph
                    pieces = _fragments_in(store, dump)
                if validate:
                    validation = validate_document(quads, own_namespaces=True, store=store)
            else:
                nquads = serialize(quads, format=RdfFormat.N_QUADS) or b""
    except _OutOfTime:
        if stage == "validated":  # the file is built: its validation is done again without a budget
            return _FileOutcome(str(path), nquads, None, tuple(extraction.warnings), own_from=own_from)
        return _FileOutcome(str(path), failure=f"took longer than {timeout:g} s (--file-timeout) and was "
                                               f"given up while being {stage}")
    except ReadError as exc:
        return _FileOutcome(str(path), failure=str(exc))
    except Exception as exc:  # a defect or a hostile file: this file fails, the others are built
        return _FileOutcome(str(path), failure=f"could not be {stage}: {type(exc).__name__}: {exc}")
    return _FileOutcome(str(path), nquads, None, tuple(extraction.warnings), validation, pieces, own_from)


def _fragments_of(nquads: bytes) -> bytes | None:
    """A document's graph files in pieces (cyberlex.fragments.render), as bytes; None if it cannot have any.
    Its quads pass through a store first: the pieces must hold the terms as the build's store keeps them."""
    store = Store()
    store.load(nquads, format=RdfFormat.N_QUADS)
    return _fragments_in(store)


def _fragments_in(store: Store, dump: bytes | None = None) -> bytes | None:
    """The pieces of the document whose quads `store` holds (as _fragments_of); `dump`: its N-Quads, if
    written already."""
    from cyberlex.fragments import render

    try:
        rendered = render(store, dump)
    except (ValueError, IndexError, KeyError):  # a text the pieces do not follow (RDF-star?): from the store
        return None
    return rendered.to_bytes() if rendered is not None else None


@dataclass(frozen=True)
class _Job:
    """One file for a worker to build (_process's arguments), and where it keeps the result itself."""

    path: Path
    base: str
    timeout: float | None
    name: str
    max_bytes: int | None
    validate: bool
    fragments: bool
    data: bytes | ReadError | None = None  # the file's bytes, read by the build's process (for a cluster)
    # The build cache's folder and the file's key there: a worker of the local pool puts the file's entry into
    # the cache itself, so that its N-Quads and pieces (500 kB a UN text) need not travel back through a pipe
    # (1.2 CPU s for the 637 UN texts); the build's process reads the pieces from the entry, mapped.
    keep_in: tuple[Path, str] | None = None
    # with keep_in: only the union part of its N-Quads travels back (union_part), the rest being in the entry
    union_part_only: bool = False

    def run(self) -> _FileOutcome:
        return _process(self.path, self.base, self.timeout, self.name, self.max_bytes, self.validate, self.data,
                        self.fragments)


def prepare_extraction() -> None:
    """Build one document of the bundled sample corpus here, so that what reading, extraction and mapping
    load or compile for their first file (phrase tables, the gazetteer and its name index, the relation
    grammars, the language detector's models: a quarter of a second) is made once, before the pool's
    processes fork and share it, rather than by each of them."""
    samples = collect_inputs([sample_corpus()])
    if samples:
        _process(samples[0], DEFAULT_BASE, None)


def _process_for_pool(job: _Job) -> _FileOutcome:
    """One file in a process of the local pool: as _process, the garbage collector waiting while the file
    is built (gc_paused: 2 % of the time went into collections that found nothing to collect)."""
    with gc_paused(generation=0):  # what the file left is collected at its end
        outcome = job.run()
    return _kept(outcome, job)


def _kept(outcome: _FileOutcome, job: _Job) -> _FileOutcome:
    """A built file's outcome once its entry is put into the build cache here (job.keep_in): without its
    pieces, and with only the part of its N-Quads the build's process asked for; the outcome unchanged without
    job.keep_in, if the entry could not be put (the build's process then keeps it), or if its validation ran
    out of time (the build's process validates it again before keeping it)."""
    if outcome.failure is not None or (job.validate and outcome.validation is None) or job.keep_in is None \
            or (job.fragments and outcome.fragments is None):  # no pieces: the build writes from its store
        return outcome
    folder, key = job.keep_in
    if not BuildCache(folder).put(key, cache_entry(outcome)):
        return outcome
    own_read = outcome.validation is None or outcome.validation.own_quads_read
    nquads = union_part(outcome.nquads, outcome.own_from, own_read) if job.union_part_only else outcome.nquads
    return dataclasses.replace(outcome, nquads=nquads, fragments=None, kept=True)


def cache_entry(outcome: _FileOutcome) -> Entry:
    """A built file's entry in the build cache: its N-Quads, warnings, validation and pieces."""
    notes: dict[str, Any] = {VALIDATION: outcome.validation.as_data()} if outcome.validation is not None else {}
    if outcome.own_from is not None:
        notes[OWN_FROM] = outcome.own_from
    return Entry(outcome.nquads, outcome.warnings, notes, outcome.fragments or b"")


_ONE_AT_A_TIME = threading.Lock()


def _process_on_worker(job: _Job) -> _FileOutcome:
    """One file on a Dask worker: as _process, the shapes compiled by the worker's first file (they are
    kept for the next), one file at a time in a worker process (the stages are pure Python, so a worker's
    threads would only take turns, and they share the compiled shapes). Dask runs a task in a thread of
    the worker, where no timer signal arrives: the file has no time budget there (--file-timeout is not
    applied on a cluster; the size limit is, by the build's process when it reads the file).

    The garbage collector waits while the file is built, and collects what it left at the end, in this
    thread (gc_paused): pyoxigraph's objects (query results inside pySHACL) may be dropped only by the
    thread that made them, and a collection started by the worker's event loop thread would drop them there
    (an error printed for each, and the object leaked)."""
    with _ONE_AT_A_TIME, gc_paused(generation=0):
        if job.validate:
            from cyberlex.validate_parts import prepare_document_validation

            prepare_document_validation()
        return job.run()


def _with_bytes(job: _Job) -> _Job:
    """The job with the file's bytes (or why they cannot be read), read here for a worker that may not
    see this machine's files; at most max_bytes each (--max-file-size)."""
    try:
        data: bytes | ReadError = read_bytes(job.path, job.max_bytes or MAX_FILE_BYTES)
    except ReadError as exc:
        data = exc
    return dataclasses.replace(job, data=data)


def _lost_on_cluster(job: _Job, exc: BaseException) -> _FileOutcome:
    return _FileOutcome(str(job.path), failure=f"could not be built on the cluster: {type(exc).__name__}: "
                                             f"{' '.join(str(exc).split())}")


# The build cache's folder inside the output folder, unless `cache_dir` names another.
DEFAULT_CACHE = ".cache"
# The file in the build cache that keeps the subjects several documents describe, rendered (cyberlex.fragments).
SHARED_SUBJECTS = "shared"

# Below this many files, starting processes costs more than it saves.
PARALLEL_FROM = 40


def build_store(files: list[Path], base: str = DEFAULT_BASE,
                progress: Callable[[Path], None] | None = None, jobs: int | None = None,
                file_timeout: float | None = DEFAULT_FILE_TIMEOUT, max_file_bytes: int | None = None,
                cache: BuildCache | None = None, validate_documents: bool = False,
                dask: str | None = None, store_dir: Path | None = None, count_triples: bool = True,
                fragments: bool = False, fill_store: bool = True, spill_dir: Path | None = None,
                hold_back: bool = False, sources: DocumentSources | None = None) -> BuildResult:
    """Read, segment, extract and map every file into one Oxigraph store (with `validate_documents`,
    validate each file's graph alone too: `result.validations`, kept in the cache with the file).

    The store is in memory, or with `store_dir` on disk in that folder (RocksDB: memory then stays
    within its cache whatever the corpus), emptied first so that a rebuild leaves no stale graph.
    `count_triples=False` leaves the triples out of `result.counts` (build counts them as it writes).
    With `fragments`, each document's graph files in pieces are gathered too (`result.fragments`, kept in
    the cache with the file; the counts are then left to cyberlex.fragments.assemble), and without
    `fill_store` the store is left empty (a build that writes the graph from the pieces and neither validates
    nor keeps its store: a file taken from the cache is then not even decompressed). With `hold_back` too (a
    build that validates, in memory), the store holds only what the union part of validation reads: the
    documents' quads about their own nodes, most of their quads, are kept in a file (`result.held_back`,
    in `spill_dir`) to be loaded should it need them after all. With `sources` instead (a rebuild that
    validates, cyberlex.incremental), the store is left empty and `sources` notes where each document can be
    read again, for the union part to load the documents it needs.

    Files are processed by `jobs` processes (default: one per CPU) when there are many; the results
    are taken in the order of the files, so the output does not depend on the number of processes.
    A file that takes longer than `file_timeout` seconds (None or 0: no limit), or is larger than
    `max_file_bytes` (default cyberlex.read.MAX_FILE_BYTES), fails with that reason. With a `cache`, a file
    whose entry is there (same bytes, name, base and cyberlex) is taken from it instead of being built, and a
    file built is kept in it (failures are not: they may be passing, like a timeout on a busy machine).

    With `dask`, the address of a Dask scheduler (tcp://host:8786), the files are built by that cluster's
    workers instead (cyberlex.cluster; ClusterError when it cannot be reached or dask is not installed):
    this process reads each file and sends its bytes with the job, and gathers the outcomes in the order
    of the files, so the graph is the same as a local build's.
    """
    cluster = DaskCluster(dask) if dask else None
    try:
        return _build_store(files, base, progress, jobs, file_timeout, max_file_bytes, cache, validate_documents,
                            cluster, store_dir, count_triples, fragments, fill_store, spill_dir, hold_back, sources)
    finally:
        if cluster is not None:
            cluster.close()


def _build_store(files: list[Path], base: str, progress: Callable[[Path], None] | None, jobs: int | None,
                 file_timeout: float | None, max_file_bytes: int | None, cache: BuildCache | None,
                 validate_documents: bool, cluster: DaskCluster | None, store_dir: Path | None,
                 count_triples: bool, fragments: bool, fill_store: bool, spill_dir: Path | None,
                 hold_back: bool, sources: DocumentSources | None) -> BuildResult:
    store = open_store(store_dir)
    # with the store on disk, the validations are too (in a file beside it, `spill_dir`)
    result = BuildResult(store, validations=ValidationLog(_spill_file(spill_dir) if store_dir is not None else None),
                         fragments=[] if fragments else None)
    if sources is not None and not (validate_documents and not fill_store and store_dir is None):
        sources = None
    if hold_back and sources is None and validate_documents and not fill_store and store_dir is None:
        result.held_back = HeldBack(_spill_file(spill_dir, ".held-back-"), cache)
    jobs = jobs or os.cpu_count() or 1
    names = source_names(files)
    keys = {path: cache.key(path, names[path], base, max_file_bytes or MAX_FILE_BYTES) for path in files} \
        if cache is not None else {}
    # only which files have an entry: each entry is read as its turn comes, so that a rebuild from the
    # cache does not hold every file's quads at once
    cached = {path for path, key in keys.items() if key and cache.has(key)} if cache is not None else set()
    unreadable: list[Path] = []

    def build_here(path: Path) -> _FileOutcome:  # an entry found damaged or gone when read: the file is built again
        unreadable.append(path)
        return _process(path, base, file_timeout, names[path], max_file_bytes, validate_documents, None, fragments)

    work = [_Job(path, base, file_timeout, names[path], max_file_bytes, validate_documents, fragments)
            for path in files if path not in cached]
    built: Generator[_FileOutcome, None, None]
    if cluster is not None:
        built = cluster.map(_process_on_worker, (_with_bytes(job) for job in work), on_error=_lost_on_cluster)
    else:
        if validate_documents:
            from cyberlex.validate_parts import prepare_document_validation

            prepare_document_validation()  # compile the shapes once, before the workers fork
        processes = jobs if len(work) >= PARALLEL_FROM else 1
        if processes > 1:
            prepare_extraction()
            if cache is not None:  # each worker keeps its files' entries (_kept)
                work = [dataclasses.replace(job, keep_in=(cache.folder, key),
                                            union_part_only=result.held_back is not None)
                        if (key := keys.get(job.path)) else job for job in work]
        pool: Executor = LocalPool(processes)
        built = pool.map(_process_for_pool, work)
    try:
        # a cached file's N-Quads are not decompressed where nothing loads them here
        _collect(_in_file_order(files, cached, built, keys, cache, validate_documents, build_here,
                                fragments and (sources is not None or not (fill_store or validate_documents)),
                                want_pieces=fragments),
                 result, progress, bulk_every=BULK_EVERY if store_dir is not None else None,
                 fill_store=fill_store or validate_documents or store_dir is not None,
                 ids={str(path): key for path, key in keys.items()}, sources=sources)
    except BaseException:
        result.validations.discard()  # no file of them left in the output folder
        if result.held_back is not None:
            result.held_back.discard()
        raise
    finally:
        built.close()  # the local pool's processes end here, a cluster's unfinished jobs are cancelled
    result.from_cache = len(cached) - len([path for path in unreadable if path in cached])
    result.validations.finish()
    if result.held_back is not None:
        result.held_back.finish()
    if store_dir is not None:
        store.flush()  # on disk before a validating process opens it
        # compacted once: the bulk loader's many files are slow to read (writing the graph of 2,500 files
        # took 10 s longer than without it; compacting took 4 s)
        store.optimize()
    if result.fragments is None:
        result.counts = count(store, triples=count_triples)
    return result


def _spill_file(folder: Path | None, prefix: str = ".validations-") -> Path:
    """A new file for the validations (or other data of the build), in `folder` (default: the system's
    temporary folder)."""
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=prefix, dir=folder)
    os.close(handle)
    return Path(name)


def open_store(store_dir: Path | None) -> Store:
    """The build's store: in memory, or on disk in `store_dir` (made if need be), emptied: a rebuild
    into the same folder replaces every document's graph instead of keeping stale ones."""
    if store_dir is None:
        return Store()
    store_dir.mkdir(parents=True, exist_ok=True)
    store = Store(str(store_dir))
    store.clear()
    return store


def _in_file_order(files: list[Path], cached: set[Path], built: Iterator[_FileOutcome],
                   keys: dict[Path, str | None], cache: BuildCache | None, validate: bool,
                   build_here: Callable[[Path], _FileOutcome], pieces_only: bool = False,
                   want_pieces: bool = False) -> Iterator[_FileOutcome]:
    """Every file's outcome in the order of the files: from the cache, or as built (and then kept in it,
    with its validation, unless its worker did). A file cached by a build that did not validate is validated
    here, and kept so; one whose entry cannot be read after all is built here (`build_here`). With
    `pieces_only`, a cached file's N-Quads are not decompressed where its entry has its graph files in pieces;
    with `want_pieces`, the pieces of a file its worker kept are read from its entry."""
    if validate:  # pySHACL, imported only by a build that validates
        from cyberlex.validate_parts import DocumentValidation, validate_document

    for path in files:
        key = keys.get(path)
        entry = cache.get(key, nquads=not pieces_only) if path in cached and cache is not None and key else None
        if entry is not None:
            kept = entry.extra.get(VALIDATION)
            validation = DocumentValidation.from_data(kept) if validate and kept is not None else None
            if validate and validation is None:
                if pieces_only and cache is not None and key:  # its N-Quads are needed after all
                    entry = cache.get(key) or entry
                validation = validate_document(entry.nquads, own_namespaces=True)
                if cache is not None and key:
                    extra = {**entry.extra, VALIDATION: validation.as_data()}
                    cache.put(key, Entry(entry.nquads, entry.warnings, extra, entry.fragments))
            own_from = entry.extra.get(OWN_FROM)
            yield _FileOutcome(str(path), entry.nquads, None, entry.warnings, validation, entry.fragments or None,
                               own_from if isinstance(own_from, int) else None)
            continue
        outcome = build_here(path) if path in cached else next(built)
        if validate and outcome.failure is None and outcome.validation is None:
            # its validation ran out of the file's time: never a file whose results are left out
            outcome = dataclasses.replace(outcome, validation=validate_document(outcome.nquads, own_namespaces=True))
        if cache is not None and key and outcome.kept:  # put by its worker: its pieces are read from there, mapped
            cache.put_elsewhere(key)
            entry = cache.get(key, nquads=False) if want_pieces else None
            if entry is not None:
                outcome = dataclasses.replace(outcome, fragments=entry.fragments)
            elif want_pieces:  # gone since (another build's prune?): built again here, and kept
                outcome = build_here(path)
        if cache is not None and key and outcome.failure is None and not outcome.kept:
            cache.put(key, cache_entry(outcome))
        yield outcome


class _NoFragments(Exception):
    """A document has no graph files in pieces (cyberlex.fragments): the build writes from the store."""


class InputFailed(Exception):
    """build_graph: some input files could not be built, or there were none. `failures` names each file
    with its reason; `store` holds the graph of the files that were built."""

    def __init__(self, message: str, failures: list[Failure], store: Store) -> None:
        super().__init__(message)
        self.failures = failures
        self.store = store


def build_graph(paths: str | Path | Iterable[str | Path] | None = None, *, base: str = DEFAULT_BASE,
                jobs: int | None = None, file_timeout: float | None = DEFAULT_FILE_TIMEOUT,
                max_file_bytes: int | None = None) -> Store:
    """The graph of the files named and of the files in the folders named (default: the sample corpus),
    as `cyberlex build` makes it, neither validated nor written: a pyoxigraph Store holding one named
    graph per source document and the gazetteer's graph (query it with SPARQL, `store.query(...)`;
    validate it with cyberlex.validate; write it with cyberlex.write_graph). Raises InputFailed, which
    carries the failures and the graph of the other files, when a file cannot be built or none is found."""
    if paths is None:
        paths = [sample_corpus()]
    elif isinstance(paths, str | Path):
        paths = [paths]
    named = [Path(path) for path in paths]
    files = collect_inputs(named)
    result = build_store(files, base, None, jobs, file_timeout, max_file_bytes)
    if not files:
        raise InputFailed(f"no files to read in {', '.join(map(str, named))}", [], result.store)
    if result.failures:
        listed = "; ".join(f"{failure.path}: {failure.reason}" for failure in result.failures)
        raise InputFailed(f"{len(result.failures)} of {len(files)} input files failed: {listed}", result.failures,
                          result.store)
    return result.store


# An on-disk store is loaded this many documents at a time, by Oxigraph's bulk loader (which writes its
# indexes' files directly): loaded one document at a time, RocksDB's memory tables had to be flushed every
# 100 documents to keep memory flat, and 2.4 M quads (2,500 synthetic files) took 64 CPU s; in batches of
# 100, 27 CPU s. At most BULK_BYTES of N-Quads wait for their batch.
BULK_EVERY = 100
BULK_BYTES = 64 << 20


def _collect(outcomes: Iterable[_FileOutcome], result: BuildResult, progress: Callable[[Path], None] | None,
             bulk_every: int | None = None, fill_store: bool = True, ids: dict[str, str | None] | None = None,
             sources: DocumentSources | None = None) -> None:
    if result.fragments is not None:
        from cyberlex.fragments import DocumentFragments
    batch: list[bytes] = []  # the N-Quads waiting for the bulk loader (an on-disk store: `bulk_every`)
    batch_bytes = 0
    for outcome in outcomes:
        if progress is not None:
            progress(Path(outcome.path))
        if outcome.failure is not None:
            result.failures.append(Failure(outcome.path, outcome.failure))
            continue
        result.warnings.extend(Failure(outcome.path, warning) for warning in outcome.warnings)
        if result.fragments is not None:
            pieces = outcome.fragments or _fragments_of(outcome.nquads)  # a file that ran out of time before
            try:
                if pieces is None:  # a document the pieces cannot describe
                    raise ValueError(pieces)
                result.fragments.append(DocumentFragments.from_bytes(pieces))
            except (ValueError, KeyError, TypeError) as exc:  # that, or damaged: written from the store
                raise _NoFragments from exc
            result.fragment_ids.append((ids or {}).get(outcome.path))
        own_read = outcome.validation is None or outcome.validation.own_quads_read
        if sources is not None:
            sources.add((ids or {}).get(outcome.path), outcome.nquads, outcome.own_from, own_read)
        elif fill_store:
            loaded = union_part(outcome.nquads, outcome.own_from, own_read or result.held_back is None)
            if bulk_every:
                batch.append(loaded)
                batch_bytes += len(loaded)
            else:
                result.store.load(loaded, format=RdfFormat.N_QUADS)
            if result.held_back is not None and outcome.kept and not own_read and outcome.own_from is not None:
                result.held_back.add_kept(str((ids or {})[outcome.path]), outcome.own_from)  # the rest: in its entry
            elif result.held_back is not None and len(loaded) < len(outcome.nquads):
                result.held_back.add(outcome.nquads[len(loaded):])
        result.documents += 1
        if batch and (len(batch) >= (bulk_every or 1) or batch_bytes >= BULK_BYTES):
            result.store.bulk_load(b"".join(batch), format=RdfFormat.N_QUADS)
            batch.clear()
            batch_bytes = 0
        if outcome.validation is not None:
            result.validations.append(outcome.validation)
    if batch:
        result.store.bulk_load(b"".join(batch), format=RdfFormat.N_QUADS)


def count(store: Store, triples: bool = True) -> dict[str, int]:
    """Summary figures: documents, instruments, clauses, citations, bodies and (with `triples`) triples,
    counted by the store (SPARQL aggregates; the unique triples by the external sort of serialise), so
    that no Python set of the graph's nodes is made."""
    counts = {
        "documents": _count_typed(store, {CLX.SourceDocument}),
        "instruments": _count_typed(store, instrument_classes()),
        "clauses": _count_typed(store, {CLX.PreambularClause, CLX.OperativeClause}),
        "citations": _count_query(store, "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?o WHERE { "
                                         "{ ?s $cites ?o } UNION { GRAPH ?g { ?s $cites ?o } } } }",
                                  cites=NamedNode(CLX.cites)),
        "bodies": _count_typed(store, body_classes()),
    }
    if triples:
        counts["triples"] = count_unique_triples(store)
    return counts


def _count_typed(store: Store, classes: Iterable[str]) -> int:
    """The number of distinct nodes typed with any of the classes, in any graph."""
    values = " ".join(sorted(str(NamedNode(c)) for c in classes))
    return _count_query(store, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { VALUES ?c { " + values + " } "
                               "{ ?s $type ?c } UNION { GRAPH ?g { ?s $type ?c } } }", type=NamedNode(RDF.type))


def _count_query(store: Store, query: str, **terms: NamedNode) -> int:
    """The number ?n a counting query gives, each $name in it replaced by the term given for it."""
    for name, term in terms.items():
        query = query.replace(f"${name}", str(term))  # a term's N-Triples form: a whole IRI, never a joined one
    solutions = store.query(query)
    assert isinstance(solutions, QuerySolutions)
    solution = next(solutions)
    return int(solution["n"].value)  # type: ignore[index,union-attr]


def validate_store(store: Store, documents: Iterable[DocumentValidation], held_back: HeldBack | None = None,
                   sources: DocumentSources | None = None, state_in: Path | None = None,
                   keys: Sequence[str | None] = ()) -> tuple[int, str]:
    """SHACL validation of a store whose documents were validated alone (`documents`): the union part
    (cyberlex.validate_parts), and the number of violations and the report for people. `held_back`: the
    quads left out of the store (build_store), loaded into it if the union part asks for them. `sources`
    (a rebuild, build_store): the store is empty, the union part loads the documents it needs and takes over
    the last build's findings kept in `state_in` (cyberlex.incremental). With `state_in`, the union part's
    findings are kept there for the next build, with the documents' cache `keys`."""
    from oxrdflib import OxigraphStore
    from rdflib import Dataset

    from cyberlex.incremental import forget_state, read_state, touched_nodes, write_state
    from cyberlex.validate_parts import Rebuild, UnionState, validate_parts_kept

    complete = (lambda: held_back.load_into(store)) if held_back is not None else None
    rebuild = None
    if sources is not None:
        previous = read_state(state_in) if state_in is not None else None
        touched = touched_nodes(previous, sources) if previous is not None else None
        rebuild = Rebuild(previous.state if previous is not None and touched is not None else UnionState({}, {}),
                          touched or frozenset(), lambda indices, whole: sources.load(store, indices, whole))
    # what the union part found node by node is kept only where the next build can take it over (`state_in`):
    # elsewhere (a build with --store or without the cache) it would only grow with the corpus
    report, state = validate_parts_kept(documents, Dataset(store=OxigraphStore(store=store)), store,
                                        complete=complete, rebuild=rebuild, keep=state_in is not None)
    if state_in is not None:
        if state is not None and keys and None not in keys:
            write_state(state_in, [key for key in keys if key is not None], state)
        else:
            forget_state(state_in)
    return sum(1 for r in report.results if r.severity == "Violation"), report.to_text()


@dataclass(frozen=True)
class _UnionJob:
    """What the validating process is handed by fork: the store itself (in memory, shared by fork), or the
    folder of a checkpoint of an on-disk one, which the process opens read-only (a RocksDB handle is not to be
    used across a fork); and the rest of validate_store's arguments."""

    store: Store | Path
    documents: ValidationLog[DocumentValidation]
    held_back: HeldBack | None = None
    sources: DocumentSources | None = None
    state_in: Path | None = None
    keys: Sequence[str | None] = ()

    def run(self) -> tuple[int, str]:
        store = Store.read_only(str(self.store)) if isinstance(self.store, Path) else self.store
        return validate_store(store, self.documents, self.held_back, self.sources, self.state_in, self.keys)


_STORE_TO_VALIDATE: _UnionJob | None = None

# From this many input files a build without --store keeps its store on disk (a temporary folder in the
# output folder, removed afterwards) rather than in memory, so that memory does not grow with the corpus.
ON_DISK_FROM = 2_000


def _validate_inherited() -> tuple[int, str]:
    assert _STORE_TO_VALIDATE is not None
    return _STORE_TO_VALIDATE.run()


def build(paths: list[Path], out_dir: Path, base: str = DEFAULT_BASE, run_validation: bool = True,
          progress: Callable[[Path], None] | None = None, jobs: int | None = None,
          file_timeout: float | None = DEFAULT_FILE_TIMEOUT, max_file_bytes: int | None = None,
          cache_dir: Path | None = None, use_cache: bool = True, prune_cache: bool | None = None,
          dask: str | None = None, skip_unchanged: bool = False, store_dir: Path | None = None,
          in_memory: bool = False, fill_store: bool = True) -> BuildResult:
    """The whole job: build the store, validate it, write graph.ttl, graph.trig and the report.

    Files are taken from the build cache where they are unchanged: `cache_dir`, or by default `.cache` in
    out_dir, whose entries no longer used are removed after the build (a `cache_dir` given is shared, say
    between CI runs, and left as it is unless `prune_cache`); `use_cache=False` builds every file.
    With `dask`, a Dask scheduler's address, the files are built on that cluster (build_store).
    With `skip_unchanged` (and the cache), a build whose input files, their names and the options are
    those of the last build into out_dir, whose files are still as it wrote them, and which had no failure,
    writes nothing and returns that build's figures (`result.up_to_date`), the way `make` stops when its
    targets are newer than their sources; a change to cyberlex's code or data changes every file's key.

    The store is on disk in `store_dir` when given (kept, to be queried; emptied first). Otherwise it is
    in memory below ON_DISK_FROM files, and from there on disk in a temporary folder of out_dir removed at
    the end (`result.store` is then an empty store: give `store_dir` to keep the graph), unless
    `in_memory` (for a caller that reads `result.store` afterwards and holds the graph anyway: the release).

    With the store in memory, the graph files are assembled from each document's pieces (cyberlex.fragments,
    kept in the cache with the file), not serialised from the store: a rebuild copies the pieces of the files
    that did not change. `fill_store=False` (`cyberlex build`, which never reads `result.store`) then leaves
    the store empty unless the build validates.

    Each file's graph is validated alone by the worker that built it (and kept in the cache with it);
    what several files describe is validated on the union (cyberlex.validate_parts) in a second process
    while this one writes the graph (streamed from the store: stage_graph), so the two take the time of
    the longer, not of both.
    """
    files = collect_inputs(paths, exclude=out_dir)
    # the build's own files (a temporary store, the validations or evidence it spills, a store's checkpoint for
    # the validating process) go in a folder of out_dir removed at the end; one that a killed build left is
    # removed by the next (cyberlex.scratch)
    made_out_dir = not out_dir.exists()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        scratch.clean(WORK_PREFIX, out_dir)
        work = scratch.make(WORK_PREFIX, out_dir)
    except OSError as exc:
        raise _write_error(exc, out_dir) from exc
    temporary_store = None
    if store_dir is None and not in_memory and len(files) >= ON_DISK_FROM:
        temporary_store = store_dir = work / "store"
    built = False
    try:
        result = _build(paths, files, out_dir, base, run_validation, progress, jobs, file_timeout, max_file_bytes,
                        cache_dir, use_cache, prune_cache, dask, skip_unchanged, store_dir,
                        temporary_store is not None, fill_store, work)
        built = True
        return result
    finally:
        if temporary_store is not None:
            gc.collect()  # the store's last reference may sit in a cycle (a traceback): closed before removal
        shutil.rmtree(work, ignore_errors=True)
        if made_out_dir and not built:  # a build that failed leaves no empty --out behind
            with contextlib.suppress(OSError):
                out_dir.rmdir()


# The prefix of a build's folder for its own files in out_dir.
WORK_PREFIX = ".cyberlex-work-"


def _build(paths: list[Path], files: list[Path], out_dir: Path, base: str, run_validation: bool,
           progress: Callable[[Path], None] | None, jobs: int | None, file_timeout: float | None,
           max_file_bytes: int | None, cache_dir: Path | None, use_cache: bool, prune_cache: bool | None,
           dask: str | None, skip_unchanged: bool, store_dir: Path | None, temporary_store: bool,
           fill_store: bool, work: Path) -> BuildResult:
    global _STORE_TO_VALIDATE
    cache = BuildCache(cache_dir or out_dir / DEFAULT_CACHE) if use_cache else None
    if cache is not None and cache_dir is not None:
        files = [path for path in files if not path.resolve().is_relative_to(cache_dir.resolve())]
    built_from = None
    if cache is not None:
        names = source_names(files)
        limit = max_file_bytes or MAX_FILE_BYTES
        options = {"base": base, "validate": run_validation, "file_timeout": file_timeout, "max_file_bytes": limit}
        if store_dir is not None and not temporary_store:  # up to date only if that store was built too
            options["store"] = str(store_dir.resolve())
        built_from = inputs_digest([(str(path), cache.key(path, names[path], base, limit)) for path in files],
                                   options)
        unchanged = _unchanged_build(out_dir, built_from) if skip_unchanged and built_from else None
        if unchanged is not None:
            return unchanged
    # pieces only where the store is in memory: assembling them holds every document's pieces at once
    pieces = store_dir is None
    # the union part's findings are kept for the next build where the store is only the union part's
    incremental = run_validation and pieces and not fill_store and cache is not None
    sources = None
    if incremental and cache is not None and (out_dir / UNION_STATE).exists():
        sources = DocumentSources(cache)  # a rebuild: the union part loads only the documents it needs
    try:
        result = build_store(files, base, progress, jobs, file_timeout, max_file_bytes, cache,
                             validate_documents=run_validation, dask=dask, store_dir=store_dir, count_triples=False,
                             spill_dir=work, fragments=pieces, fill_store=fill_store or not pieces, hold_back=True,
                             sources=sources)
    except _NoFragments:
        incremental, sources = False, None
        result = build_store(files, base, progress, jobs, file_timeout, max_file_bytes, cache,
                             validate_documents=run_validation, dask=dask, store_dir=store_dir, count_triples=False,
                             spill_dir=work)
    if result.documents == 0:
        result.validations.discard()
        if result.held_back is not None:
            result.held_back.discard()
        named = ", ".join(str(p) for p in paths)
        why = (f"all {len(files)} input files failed" if files
               else f"no files to read in {named} (an empty or unmounted folder?)")
        raise NothingBuilt(why, out_dir, result)
    extra: dict[str, bytes] = {}
    staged = StagedGraph()
    try:
        if run_validation and (jobs or os.cpu_count() or 1) > 1:
            snapshot = _snapshot(result.store, work) if store_dir is not None else None
            job = _UnionJob(snapshot if snapshot is not None else result.store, result.validations, result.held_back,
                            sources, out_dir if incremental else None, result.fragment_ids)
            _STORE_TO_VALIDATE = job
            try:
                import multiprocessing  # here: a build that does not validate starts no process for it

                with multiprocessing.get_context("fork").Pool(1) as pool:
                    pending = pool.apply_async(_validate_inherited)
                    staged = _stage(result, out_dir, cache)
                    result.violations, result.report_text = pending.get()
            finally:
                _STORE_TO_VALIDATE = None
                if snapshot is not None:
                    shutil.rmtree(snapshot, ignore_errors=True)
        else:
            staged = _stage(result, out_dir, cache)
            if run_validation:
                result.violations, result.report_text = _UnionJob(
                    result.store, result.validations, result.held_back, sources, out_dir if incremental else None,
                    result.fragment_ids).run()
        if result.fragments is None:
            # the distinct triples of every graph, evidence included: graph.ttl's count (the facts) is not it
            result.counts["triples"] = staged.triples if staged.triples is not None \
                else count_unique_triples(result.store)
        if run_validation:
            extra["validation.txt"] = result.report_text.encode("utf-8")
        try:
            result.written = write_files(out_dir, {**staged.files, **extra})
        except OSError as exc:
            raise _write_error(exc, out_dir) from exc
    finally:
        staged.discard()
        if result.validations.on_disk:
            result.validations.discard()
        if result.held_back is not None:
            result.held_back.discard()
    if run_validation:
        result.written["report"] = result.written.pop("validation.txt")
    if built_from is not None and not result.failures:  # a failed file is tried again by the next build
        write_manifest(out_dir, built_from, list(result.written.values()), _summary(result))
    if cache is not None and (prune_cache if prune_cache is not None else cache_dir is None):
        cache.prune()
    if temporary_store:
        result.store = Store()  # the temporary store's folder is removed as the build ends
    return result


def _snapshot(store: Store, work: Path) -> Path:
    """A checkpoint of an on-disk store (RocksDB: hard links to its files, cheap) in the build's folder for its
    own files, for the validating process to open read-only: opening the build's own folder read-only while
    this process holds it is undefined (its compactions remove files under the reader)."""
    folder = work / "checkpoint"
    store.backup(str(folder))
    return folder


def _stage(result: BuildResult, out_dir: Path, cache: BuildCache | None) -> StagedGraph:
    """The graph files staged in out_dir: assembled from the documents' pieces (the figures counted with
    them, into result.counts), or serialised from the store."""
    try:
        if result.fragments is None:
            return stage_graph(result.store, out_dir)
        from cyberlex.fragments import stage_fragments

        staged, counts = stage_fragments(result.fragments, result.fragment_ids, out_dir,
                                         cache.folder / SHARED_SUBJECTS if cache is not None else None)
        result.counts.update(counts)
        return staged
    except OSError as exc:
        raise _write_error(exc, out_dir) from exc


def _write_error(exc: OSError, out_dir: Path) -> WriteError:
    where = f" ({exc.filename})" if exc.filename else ""
    error = WriteError(f"could not write the graph to {out_dir}: {exc.strerror or exc}{where}; "
                       "the previous graph is kept")
    error.errno = exc.errno
    return error


def _summary(result: BuildResult) -> dict[str, Any]:
    """What a build reports, as plain data for its manifest."""
    return {"documents": result.documents, "counts": result.counts, "violations": result.violations,
            "warnings": [[warning.path, warning.reason] for warning in result.warnings],
            "written": [[kind, path.name] for kind, path in result.written.items()]}  # a list: in order


def _unchanged_build(out_dir: Path, built_from: str) -> BuildResult | None:
    """The last build into out_dir, if it was built from the same inputs and options and its files are
    still as it wrote them; None otherwise."""
    manifest = read_manifest(out_dir)
    if manifest is None or manifest.inputs != built_from or not outputs_unchanged(manifest, out_dir):
        return None
    summary = manifest.summary
    try:
        written = {str(kind): out_dir / str(name) for kind, name in summary["written"]}
        result = BuildResult(Store(), documents=int(summary["documents"]), counts=dict(summary["counts"]),
                             warnings=[Failure(str(path), str(reason)) for path, reason in summary["warnings"]],
                             written=written, violations=summary["violations"], from_cache=int(summary["documents"]),
                             up_to_date=True)
        report = written.get("report")
        result.report_text = report.read_text(encoding="utf-8") if report is not None else ""
    except (KeyError, TypeError, ValueError, OSError):
        return None  # a manifest of another layout, or the report unreadable: build
    return result
