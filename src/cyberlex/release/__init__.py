"""A versioned release for open-data portals: dumps, ontology, shapes, description, notes, site.

``release(paths, out)`` builds the graph (cyberlex.build.build) and writes into ``out``:

    graph.ttl, graph.nt, graph.trig, graph.jsonld   the same triples (the facts) in four formats (N-Triples
                                                    sorted, TriG with one named graph per source document)
    evidence.trig                                   the evidence: per source document a named graph
                                                    (<document>/evidence) of the spans the facts were read
                                                    from and the statements read from each
    context.jsonld                                  the JSON-LD context (also inline in graph.jsonld)
    ontology.ttl, ontology.html, shapes.ttl         the vocabulary (its owl:versionInfo the release's version,
                                                    its owl:versionIRI its file in the release), its
                                                    documentation, the SHACL shapes
    dataset.ttl                                     DCAT-AP 3.0.0 and VoID description, with the size and
                                                    SHA-256 of each file above
    RELEASE-NOTES.md                                counts per class and property; changes since --previous
    validation.txt                                  the SHACL report of the graph
    site/                                           the linked-data pages, with an Apache .htaccess
    publish/                                        nginx snippet and w3id.org rules

Determinism: nothing depends on the wall clock or the machine. The version is the project's version
with the first 12 hex digits of the SHA-256 of graph.nt and evidence.trig (``0.1.0+3f2a…``); the dates come from
``date`` (or $SOURCE_DATE_EPOCH), else the latest adoption date in the graph; ``issued`` is carried
over from the previous release when one is given. So two releases of the same inputs are the same bytes.

Atomic: everything is written into a temporary folder beside ``out`` and renamed into place at the
end; a previous release in ``out`` is replaced only then.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import Literal, NamedNode, RdfFormat, Store, Triple, parse

from cyberlex import __version__, jsonld, scratch
from cyberlex.build import BuildResult, build
from cyberlex.evidence import EVIDENCE_FILE
from cyberlex.gcpause import gc_paused
from cyberlex.release import describe
from cyberlex.resources import data_path
from cyberlex.serialise import sorted_union_lines, to_bytes
from cyberlex.site import ontodoc, pages
from cyberlex.validate import ValidationReport
from cyberlex.vocab import CLX, DCAT, DCTERMS, DEFAULT_BASE, RDF, compact, instrument_classes

ADOPTION_DATE = CLX.adoptionDate
SOURCE_DOCUMENT = CLX.SourceDocument
LANGUAGE = DCTERMS.language
RDF_TYPE = RDF.type
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class ReleaseError(Exception):
    """The release cannot be made (a bad option, a previous release that cannot be read). One line."""


@dataclass
class ReleaseResult:
    """What a release produced."""

    out: Path
    version: str
    build: BuildResult
    files: list[describe.FileFacts] = field(default_factory=list)
    pages: int = 0
    added: int | None = None  # triples added since the previous release
    removed: int | None = None
    description_report: str = ""
    seconds: dict[str, float] = field(default_factory=dict)
    # the CPU seconds per step after the build, of this process and of the processes it forked for the step
    # (the site's; the build's workers had ended before): on a shared machine, what a step costs whatever the load
    cpu_seconds: dict[str, float] = field(default_factory=dict)


def release_date(date: str | None = None, fallback: str | None = None) -> str:
    """The date of a release: ``date`` if given, else $SOURCE_DATE_EPOCH (UTC), else ``fallback``
    (the latest adoption date in the graph), else 1970-01-01. Never the wall clock."""
    if date:
        if not DATE.match(date):
            raise ReleaseError(f"--date {date}: not a date (YYYY-MM-DD)")
        return date
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return time.strftime("%Y-%m-%d", time.gmtime(int(epoch)))
        except ValueError as exc:
            raise ReleaseError(f"SOURCE_DATE_EPOCH={epoch}: not a number of seconds") from exc
    return fallback or "1970-01-01"


def shapes_bytes() -> bytes:
    """The shapes of the data graph (shapes/*.ttl) as one Turtle file: the files one after another,
    each under a comment naming it (Turtle allows a prefix to be declared again)."""
    parts = [b"# Generated by `cyberlex release`: the SHACL shapes of cyberlex (shapes/*.ttl), concatenated.\n"]
    for path in sorted(data_path("shapes").glob("*.ttl")):
        parts.append(f"\n# ---- shapes/{path.name} ----\n".encode())
        parts.append(path.read_bytes())
    return b"".join(parts)


VERSION_IRI = re.compile(rb"(\bowl:versionIRI\s+<)[^>]*(>)")
VERSION_INFO = re.compile(rb'(\bowl:versionInfo\s+")[^"]*(")')


def stamp_ontology(turtle: bytes, version: str, version_iri: str) -> bytes:
    """The ontology's Turtle with its owl:versionInfo set to ``version`` and its owl:versionIRI to
    ``version_iri``, every other byte as written (comments and layout kept)."""
    for name, pattern, value in (("owl:versionIRI", VERSION_IRI, version_iri),
                                 ("owl:versionInfo", VERSION_INFO, version)):
        replacement = value.encode("utf-8").replace(b"\\", b"\\\\")
        turtle, count = pattern.subn(rb"\g<1>" + replacement + rb"\g<2>", turtle)
        if count != 1:
            raise ReleaseError(f"the ontology states {name} {count} times, not once")
    return turtle


def _previous(previous: Path | None) -> tuple[set[bytes] | None, str | None, str | None]:
    """The triples (N-Triples lines), version and issued date of a previous release."""
    if previous is None:
        return None, None, None
    nt = previous / "graph.nt"
    if not nt.is_file():
        raise ReleaseError(f"--previous {previous}: no graph.nt there (not a release folder)")
    lines = set(nt.read_bytes().splitlines())
    version = issued = None
    description = previous / "dataset.ttl"
    if description.is_file():
        for triple in parse(path=str(description), format=RdfFormat.TURTLE):
            if triple.predicate.value == DCAT.version and isinstance(triple.object, Literal):
                version = triple.object.value
            if triple.predicate.value == DCTERMS.issued and triple.subject.value.endswith("/dataset"):
                issued = str(triple.object.value)
    return lines, version, issued


def _facts_of_graph(triples: list[Triple]) -> tuple[list[str], tuple[str, str] | None]:
    """The languages of the source documents and the first and last adoption dates."""
    languages = {str(t.object.value) for t in triples if t.predicate.value == LANGUAGE and isinstance(t.object, Literal)
                 and str(t.subject).strip("<>").rsplit("/", 2)[-2] == "source"}
    dates = sorted(str(t.object.value) for t in triples if t.predicate.value == ADOPTION_DATE
                   and isinstance(t.object, Literal) and DATE.match(str(t.object.value)))
    return sorted(languages), ((dates[0], dates[-1]) if dates else None)


def release(paths: list[Path], out: Path, base: str = DEFAULT_BASE, previous: Path | None = None,
            endpoint: str | None = None, date: str | None = None, download_url: str | None = None,
            licence: str = describe.LICENCES["CC-BY-4.0"], publisher: str | None = None,
            site_url: str | None = None, with_site: bool = True,
            progress: Callable[[Path], None] | None = None, cache_dir: Path | None = None,
            dask: str | None = None) -> ReleaseResult:
    """Build the graph from ``paths`` and write a release into ``out`` (see the module's text); with
    ``cache_dir``, through the build cache there (files unchanged since the last build are not built again);
    with ``dask``, a Dask scheduler's address, on that cluster (cyberlex.build.build_store)."""
    old_lines, old_version, old_issued = _previous(previous)
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    _clean_abandoned(out)
    work = scratch.make(f".{out.name}.", out.parent)
    try:
        result = _write(work, paths, base, old_lines, old_version, old_issued, endpoint, date, download_url,
                        licence, publisher, site_url, with_site, progress, cache_dir, dask)
        _replace(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    result.out = out
    return result


def _clean_abandoned(out: Path) -> None:
    """Remove the work folders a killed release left beside out (.NAME.*, see cyberlex.scratch); a previous
    release set aside (.NAME.old.*/NAME) goes back into place if out is missing, since the release that
    was to replace it never got there."""
    for old in scratch.abandoned(f".{out.name}.old.", out.parent):
        if not out.exists() and (old / out.name).is_dir():
            os.replace(old / out.name, out)
    scratch.clean(f".{out.name}.", out.parent)


def _replace(work: Path, out: Path) -> None:
    """Rename the finished release into place; a folder already there is removed only afterwards."""
    scratch.release_mark(work)
    if out.exists():
        old = scratch.make(f".{out.name}.old.", out.parent)
        os.replace(out, old / out.name)
        os.replace(work, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(work, out)
    os.chmod(out, 0o755)  # mkdtemp made it 0700


def _write(work: Path, paths: list[Path], base: str, old_lines: set[bytes] | None, old_version: str | None,
           old_issued: str | None, endpoint: str | None, date: str | None, download_url: str | None,
           licence: str, publisher: str | None, site_url: str | None, with_site: bool,
           progress: Callable[[Path], None] | None, cache_dir: Path | None, dask: str | None) -> ReleaseResult:
    clock = time.perf_counter
    started = clock()
    # graph.ttl, graph.trig, validation.txt; a build cache only where one is named (never in the release, and
    # nothing is written outside --out unasked); the store in memory whatever the corpus, since the steps
    # below read the whole graph from it (the release is not bounded in memory yet, the build is)
    built = build(paths, work, base=base, progress=progress, cache_dir=cache_dir, use_cache=cache_dir is not None,
                  dask=dask, in_memory=True)
    seconds = {"build": clock() - started}
    with gc_paused():  # the steps below hold the graph as Python objects, which collections would walk again and again
        return _write_built(work, built, seconds, base, old_lines, old_version, old_issued, endpoint, date,
                            download_url, licence, publisher, site_url, with_site)


def _write_built(work: Path, built: BuildResult, seconds: dict[str, float], base: str, old_lines: set[bytes] | None,
                 old_version: str | None, old_issued: str | None, endpoint: str | None, date: str | None,
                 download_url: str | None, licence: str, publisher: str | None, site_url: str | None,
                 with_site: bool) -> ReleaseResult:
    """The release's files after the build: the dumps, the description and notes, the site."""
    clock = time.perf_counter
    started, cpu_started = clock(), _cpu_time()
    # the facts (the evidence is in evidence.trig alone) and the evidence, each as sorted N-Triples lines read
    # from the build's store graph by graph: graph.nt is the facts' lines, and the terms are parsed once
    fact_lines = sorted_union_lines(built.store, evidence=False)
    evidence_lines = sorted_union_lines(built.store, evidence=True)
    # the store, read whole, goes (the result's store is then empty, as a build's with its store in a temporary
    # folder is): what follows takes that memory instead of more
    built.store = Store()
    nt = b"".join(line + b"\n" for line in fact_lines)
    triples = list(parse(nt, format=RdfFormat.N_TRIPLES))
    evidence_triples = list(parse(b"\n".join(evidence_lines), format=RdfFormat.N_TRIPLES))
    files: dict[str, bytes] = {
        "graph.ttl": (work / "graph.ttl").read_bytes(),
        "graph.nt": nt,
        "graph.trig": (work / "graph.trig").read_bytes(),
        EVIDENCE_FILE: (work / EVIDENCE_FILE).read_bytes(),
        "graph.jsonld": jsonld.to_bytes(triples, base=base),
        "context.jsonld": jsonld.context_bytes(base=base),
        "shapes.ttl": shapes_bytes(),
    }
    version = f"{__version__}+{hashlib.sha256(nt + files[EVIDENCE_FILE]).hexdigest()[:12]}"
    root = base[: -len("id/")] if base.endswith("/id/") else base
    download = download_url or f"{root}release/{version}/"
    if not download.endswith("/"):
        download += "/"
    # the released ontology carries the release's version, its version IRI the file in this release
    files["ontology.ttl"] = stamp_ontology((data_path("ontology") / "cyberlex.ttl").read_bytes(), version,
                                           f"{download}ontology.ttl")
    (work / "ontology.ttl").write_bytes(files["ontology.ttl"])
    files["ontology.html"] = ontodoc.render(work / "ontology.ttl").encode("utf-8")
    for name in ("graph.nt", "graph.jsonld", "context.jsonld", "ontology.html", "shapes.ttl"):
        (work / name).write_bytes(files[name])
    seconds["dumps"] = clock() - started
    cpu_seconds = {"dumps": _cpu_time() - cpu_started}
    started, cpu_started = clock(), _cpu_time()

    languages, period = _facts_of_graph(triples)
    modified = release_date(date, period[1] if period else None)
    issued = min(old_issued, modified) if old_issued and DATE.match(old_issued) else modified
    facts = [describe.file_facts(name, files[name]) for name in describe.FILES]
    figures = describe.graph_figures(triples)

    added = removed = None
    changes: dict[str, tuple[int, int]] = {}
    instruments_added: list[str] = []
    instruments_removed: list[str] = []
    if old_lines is not None:
        new_lines = set(nt.splitlines())
        plus, minus = new_lines - old_lines, old_lines - new_lines
        added, removed = len(plus), len(minus)
        changes = _changes_by_property(plus, minus)
        instruments_added, instruments_removed = _instrument_changes(plus, minus)

    notes_summary = (f"cyberlex {version}: {figures['triples']} triples, "
                     f"{built.counts.get('instruments', 0)} instruments, {built.documents} source documents"
                     + (f"; {added} triples added and {removed} removed since {old_version or 'the previous release'}"
                        if added is not None else "") + ".")
    info = describe.Release(base=base, version=version, issued=issued, modified=modified, download_url=download,
                            endpoint=endpoint, licence=licence, languages=languages, period=period,
                            notes=notes_summary, **({"publisher_name": publisher} if publisher else {}))
    description = describe.describe(info, facts, figures)
    description_bytes = describe.to_turtle(description)
    (work / "dataset.ttl").write_bytes(description_bytes)
    report = validate_description(description_bytes)
    if not report.conforms:
        raise ReleaseError("the dataset description does not conform to shapes/dcat:\n" + report.to_text())

    notes = release_notes(version, modified, base, built, figures, facts, old_version, added, removed, changes,
                          instruments_added, instruments_removed, evidence_figures(evidence_triples))
    (work / "RELEASE-NOTES.md").write_bytes(notes.encode("utf-8"))

    seconds["description"] = clock() - started
    cpu_seconds["description"] = _cpu_time() - cpu_started
    result = ReleaseResult(work, version, built, facts, added=added, removed=removed,
                           description_report=report.to_text(), seconds=seconds, cpu_seconds=cpu_seconds)
    del files, nt  # written and described: the site's index takes that memory instead of more
    if with_site:
        started, cpu_started = clock(), _cpu_time()
        # the facts as sorted for the dumps, with the evidence, which the pages show, and the description
        index = pages.Index(_sorted_union([(fact_lines, triples), (evidence_lines, evidence_triples),
                                           (to_bytes(description, "nt").splitlines(), description)]), base)
        del fact_lines, evidence_lines, triples, evidence_triples  # the index holds the triples
        result.pages = pages.write_site(index, work / "site")
        publish = work / "publish"
        publish.mkdir()
        (publish / "nginx.conf").write_text(pages.nginx_rules(base), encoding="utf-8")
        (publish / "w3id.htaccess").write_text(
            pages.w3id_rules(base, site_url or "https://example.org/cyberlex/site/",
                             ontology_url=download), encoding="utf-8")
        seconds["site"] = clock() - started
        cpu_seconds["site"] = _cpu_time() - cpu_started
    for path in work.iterdir():  # the build's files were made private by mkstemp: a release is public
        if path.is_file():
            path.chmod(0o644)
    return result


def _cpu_time() -> float:
    """The CPU seconds of this process and of its children that have ended (the site's page writers)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _sorted_union(parts: list[tuple[list[bytes], list[Triple]]]) -> list[Triple]:
    """The triples of several parts (each its N-Triples lines and their triples, a line each), each once, in
    the order of their N-Triples lines: what serialise.sorted_triples gives of a store holding them all,
    without copying the graph into a second store and sorting it again."""
    by_line: dict[bytes, Triple] = {}
    for lines, triples in parts:
        for line, triple in zip(lines, triples, strict=True):
            by_line.setdefault(line, triple)
    return [by_line[line] for line in sorted(by_line)]


def validate_description(data: bytes) -> ValidationReport:
    """Validate a dataset description (Turtle bytes) against shapes/dcat."""
    from rdflib import Graph

    from cyberlex.validate import validate

    graph = Graph().parse(data=data, format="turtle")
    return validate(graph, shapes_dir=data_path("shapes") / "dcat")


def _predicate(line: bytes) -> str:
    return line.split(b" ", 2)[1].decode("utf-8", "replace").strip("<>")


def _changes_by_property(plus: set[bytes], minus: set[bytes]) -> dict[str, tuple[int, int]]:
    added = Counter(_predicate(line) for line in plus)
    removed = Counter(_predicate(line) for line in minus)
    return {p: (added.get(p, 0), removed.get(p, 0)) for p in sorted(set(added) | set(removed))}


def _instrument_changes(plus: set[bytes], minus: set[bytes]) -> tuple[list[str], list[str]]:
    """Instruments whose rdf:type statement appears or disappears."""
    typed_as_instrument = {f"<{c}>".encode() for c in instrument_classes()}

    def typed(lines: set[bytes]) -> list[str]:
        found = set()
        for line in lines:
            parts = line.split(b" ", 3)
            if len(parts) > 2 and parts[1] == f"<{RDF_TYPE}>".encode() and parts[2] in typed_as_instrument:
                found.add(parts[0].decode().strip("<>"))
        return sorted(found)

    return typed(plus), typed(minus)


def evidence_figures(triples: list[Triple]) -> dict[str, int]:
    """The size of the evidence (its triples, each once): the triples, the statements and the spans they
    were read from."""
    evidence, evidence_class = NamedNode(CLX.evidence), NamedNode(CLX.Evidence)
    rdf_type = NamedNode(RDF.type)
    return {"triples": len(triples),
            "statements": len({t.subject for t in triples if t.predicate == evidence}),
            "spans": len({t.subject for t in triples if t.predicate == rdf_type and t.object == evidence_class})}


def release_notes(version: str, date: str, base: str, built: BuildResult, figures: dict[str, object],
                  facts: list[describe.FileFacts], old_version: str | None, added: int | None,
                  removed: int | None, changes: dict[str, tuple[int, int]], instruments_added: list[str],
                  instruments_removed: list[str], evidence: dict[str, int] | None = None) -> str:
    """RELEASE-NOTES.md: what is in this release and what changed since the previous one (the counts and
    changes are of the facts, graph.nt; the evidence, evidence.trig, is counted apart)."""
    classes: dict[str, int] = figures["classes"]  # type: ignore[assignment]
    properties: dict[str, int] = figures["properties"]  # type: ignore[assignment]
    lines = [
        f"# cyberlex {version}",
        "",
        "<!-- Generated by `cyberlex release`. -->",
        "",
        f"Released {date}. Base IRI: `{base}`. Built from {built.documents} source documents"
        f" ({len(built.failures)} could not be read). SHACL validation: "
        + ("skipped" if built.violations is None else f"{built.violations} violations") + ".",
        "",
        "## Files",
        "",
        "| file | bytes | SHA-256 |",
        "| --- | ---: | --- |",
        *(f"| `{f.name}` | {f.size:,} | `{f.sha256}` |" for f in facts),
        "",
        "## Counts",
        "",
        f"{figures['triples']:,} triples (distinct), {figures['subjects']:,} distinct subjects, "
        f"{figures['objects']:,} distinct objects, {len(classes)} classes, {len(properties)} properties.",
        "",
        *([f"The evidence, apart in `evidence.trig`: {evidence['triples']:,} triples, {evidence['statements']:,} "
           f"statements read from {evidence['spans']:,} spans of text.", ""] if evidence is not None else []),
        "| class | instances |",
        "| --- | ---: |",
        *(f"| `{compact(c)}` | {n:,} |" for c, n in classes.items()),
        "",
        "| property | triples |",
        "| --- | ---: |",
        *(f"| `{compact(p)}` | {n:,} |" for p, n in properties.items()),
        "",
        "## Changes",
        "",
    ]
    if added is None:
        lines.append("No previous release was given (`--previous`), so no changes are listed.")
    else:
        lines += [f"Since {old_version or 'the previous release'}: {added:,} triples added, {removed:,} removed.", ""]
        if changes:
            lines += ["| property | added | removed |", "| --- | ---: | ---: |",
                      *(f"| `{compact(p)}` | {a:,} | {r:,} |" for p, (a, r) in changes.items()), ""]
        for title, items in (("Instruments added", instruments_added), ("Instruments removed", instruments_removed)):
            if items:
                shown = ", ".join(f"`{compact(i)}`" for i in items[:200])
                more = f" and {len(items) - 200} more" if len(items) > 200 else ""
                lines += [f"{title} ({len(items)}): {shown}{more}.", ""]
    return "\n".join(lines).rstrip() + "\n"

