"""The static site: every file of the linked-data pages (a page and its Turtle and JSON-LD twins per
IRI, the front page, the 404 page and the Apache rules), written into a folder that no IRI can
lead out of."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path

from cyberlex.gcpause import gc_paused
from cyberlex.site.html import home, not_found, render
from cyberlex.site.index import Index, description, json_ld, tail, turtle
from cyberlex.site.rules import apache_rules

PAGE_FILES = ("index.html", "index.ttl", "index.jsonld")  # a page and its twins, in the IRI's folder


class UnsafePagePath(ValueError):
    """An IRI whose page would be written outside the site's folder (or over another file). One line."""


def site_files(index: Index) -> Iterator[tuple[str, bytes, str]]:
    """(relative path, content, IRI) of every file of the static site, in a stable order."""
    yield "index.html", home(index).encode("utf-8"), index.base
    for iri in index.iris():
        yield from page_files(index, iri)
    yield "404.html", not_found("").encode("utf-8"), index.base
    yield ".htaccess", apache_rules(index.base).encode("utf-8"), index.base


def page_files(index: Index, iri: str) -> Iterator[tuple[str, bytes, str]]:
    """(relative path, content, IRI) of the page of one IRI and of its Turtle and JSON-LD twins."""
    path = tail(iri, index.base)
    yield f"{path}/index.html", render(index, iri).encode("utf-8"), iri
    described = description(index, iri)  # the twins hold the same triples: gathered once
    yield f"{path}/index.ttl", turtle(index, iri, described), iri
    yield f"{path}/index.jsonld", json_ld(index, iri, described), iri


def site_path(folder: Path, relative: str, iri: str) -> Path:
    """Where a file of the site goes: inside ``folder`` or nowhere. A relative path that is absolute or
    has '', '.' or '..' segments (from an IRI such as <…/id/../../x> or <…/id//etc>), or that resolves
    outside the folder (through a symbolic link), raises UnsafePagePath naming the IRI."""
    parts = relative.split("/")
    if relative.startswith("/") or "\\" in relative or "\0" in relative or \
            any(part in ("", ".", "..") for part in parts[:-1]) or parts[-1] in ("", ".", ".."):
        raise UnsafePagePath(f"<{iri}>: its page would be written outside the site folder ({relative!r}); refused")
    root = folder.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or path == root:
        raise UnsafePagePath(f"<{iri}>: its page would be written outside the site folder ({path}); refused")
    return path


def write_site(index: Index, folder: Path, workers: int | None = None) -> int:
    """Write the static site into a folder; the number of pages (IRIs) written. Every path is checked to
    stay inside the folder first (UnsafePagePath otherwise, before anything is written). The pages are
    rendered by ``workers`` processes (default SITE_WORKERS: this one and forked ones; one below PARALLEL_PAGES
    pages): each file depends on the graph alone, so the site is the same bytes however many write it."""
    iris = index.iris()
    # all of them before anything is written; a page's folder, once checked, holds its twins too
    checked = {f"{tail(iri, index.base)}/": site_path(folder, f"{tail(iri, index.base)}/index.html", iri).parent
               for iri in iris}
    writer = _Writer(folder, checked)
    with gc_paused():
        writer.write([("index.html", home(index).encode("utf-8"), index.base)])
        workers = SITE_WORKERS if workers is None else workers
        if workers > 1 and len(iris) >= PARALLEL_PAGES:
            _write_in_processes(index, writer, iris, workers)
        else:
            for iri in iris:
                writer.write(page_files(index, iri))
        writer.write([("404.html", not_found("").encode("utf-8"), index.base),
                      (".htaccess", apache_rules(index.base).encode("utf-8"), index.base)])
    return len(iris)


# Pages are rendered in this many processes: this one, which indexed the graph, and the others forked from it (a
# big site: on two cores, the site in about half the time), in jobs of PAGES_PER_JOB pages that each process takes
# in turn as it finishes the last, so that a slow page does not keep one process busy while the other waits. This
# process writes pages too rather than wait for the forked ones: a page of the index's memory that two processes
# touch is copied once instead of twice (each forked writer copies every page of it that it touches, as reading
# an object writes its reference count), and what this process knows (labels, paths) is not found again.
SITE_WORKERS = 2
PARALLEL_PAGES = 1000
PAGES_PER_JOB = 40

_FORKED: _Jobs | None = None


@dataclass
class _Jobs:
    """What the processes writing a site share: the index and the writer (inherited by the forked ones), the jobs,
    and the number of the next job to take (in shared memory)."""

    index: Index
    writer: _Writer
    jobs: list[list[str]]
    taken: Synchronized[int]

    def write(self) -> None:
        """Write the pages of job after job until none is left."""
        while True:
            with self.taken.get_lock():
                number = self.taken.value
                self.taken.value = number + 1
            if number >= len(self.jobs):
                return
            for iri in self.jobs[number]:
                self.writer.write(page_files(self.index, iri))


def _write_in_processes(index: Index, writer: _Writer, iris: list[str], workers: int) -> None:
    """The pages of the IRIs written by this process and ``workers - 1`` processes forked from it, which inherit the
    index (nothing of it is sent to them)."""
    global _FORKED
    context = multiprocessing.get_context("fork")
    pieces = [iris[start:start + PAGES_PER_JOB] for start in range(0, len(iris), PAGES_PER_JOB)]
    jobs = _FORKED = _Jobs(index, writer, pieces, context.Value("q", 0))
    try:
        with context.Pool(workers - 1) as pool:
            forked = [pool.apply_async(_write_forked) for _ in range(workers - 1)]
            jobs.write()
            for result in forked:
                result.get()  # a forked writer's error (UnsafePagePath) raised here
    finally:
        _FORKED = None


def _write_forked() -> None:
    """Write pages, in a forked process (with the jobs of _FORKED), until no job is left."""
    assert _FORKED is not None
    _FORKED.write()


class _Writer:
    """Writes files of the site: a page's into the folder checked for it, others after a check."""

    def __init__(self, folder: Path, checked: dict[str, Path]) -> None:
        self.folder = folder
        self.checked = checked
        self.made: set[Path] = set()

    def write(self, files: Iterable[tuple[str, bytes, str]]) -> None:
        for relative, data, iri in files:
            within, _, name = relative.rpartition("/")
            known = self.checked.get(within + "/")
            path = known / name if known is not None and name in PAGE_FILES else site_path(self.folder, relative, iri)
            try:
                if path.parent not in self.made:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    self.made.add(path.parent)
                path.write_bytes(data)
            except (IsADirectoryError, NotADirectoryError, FileExistsError) as exc:
                raise UnsafePagePath(f"<{iri}>: its page clashes with another file of the site ({relative}): "
                                     f"{exc.strerror}") from exc
