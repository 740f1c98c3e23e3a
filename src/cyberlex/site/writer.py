"""The static site: every file of the linked-data pages (a page and its Turtle and JSON-LD twins per
IRI, the front page, the 404 page and the Apache rules), written into a folder that no IRI can
lead out of."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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
        path = tail(iri, index.base)
        yield f"{path}/index.html", render(index, iri).encode("utf-8"), iri
        described = description(index, iri)  # the twins hold the same triples: gathered once
        yield f"{path}/index.ttl", turtle(index, iri, described), iri
        yield f"{path}/index.jsonld", json_ld(index, iri, described), iri
    yield "404.html", not_found("").encode("utf-8"), index.base
    yield ".htaccess", apache_rules(index.base).encode("utf-8"), index.base


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


def write_site(index: Index, folder: Path) -> int:
    """Write the static site into a folder; the number of pages (IRIs) written. Every path is checked to
    stay inside the folder first (UnsafePagePath otherwise, before anything is written)."""
    # all of them before anything is written; a page's folder, once checked, holds its twins too
    checked = {f"{tail(iri, index.base)}/": site_path(folder, f"{tail(iri, index.base)}/index.html", iri).parent
               for iri in index.iris()}
    made: set[Path] = set()
    pages = 0
    for relative, data, iri in site_files(index):
        within, _, name = relative.rpartition("/")
        known = checked.get(within + "/")
        path = known / name if known is not None and name in PAGE_FILES else site_path(folder, relative, iri)
        try:
            if path.parent not in made:
                path.parent.mkdir(parents=True, exist_ok=True)
                made.add(path.parent)
            path.write_bytes(data)
        except (IsADirectoryError, NotADirectoryError, FileExistsError) as exc:
            raise UnsafePagePath(f"<{iri}>: its page clashes with another file of the site ({relative}): "
                                 f"{exc.strerror}") from exc
        pages += relative.endswith("/index.html")
    return pages

