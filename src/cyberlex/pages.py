"""Linked-data pages: every IRI of the graph answers with an HTML page for people and with Turtle or
JSON-LD for programs.

Addresses. The site's root is the base IRI of the data (``https://w3id.org/cyberlex/id/``). The IRI
``<base>A-RES-73-187`` names a resolution, not a document, so, as the W3C's "Cool URIs for the
Semantic Web" (303 URIs) advises, a request for it is answered **303 See Other** with the address of
a document about it, chosen by the request's Accept header:

    <base>A-RES-73-187               the thing        → 303 to one of:
    <base>A-RES-73-187/              HTML page        (site/A-RES-73-187/index.html)
    <base>A-RES-73-187/index.ttl     Turtle           (site/A-RES-73-187/index.ttl)
    <base>A-RES-73-187/index.jsonld  JSON-LD          (site/A-RES-73-187/index.jsonld)

so every page has its machine-readable twins at a predictable address, and the static site needs no
rewriting at all on the host: only the 303 for the bare IRI is a server rule (the ``.htaccess`` and
nginx snippet written beside the site, or w3id.org's redirects). Links in pages are relative, so the
site works wherever it is hosted. Pages are plain HTML with one small stylesheet, no JavaScript.

What a page shows: for an instrument, its metadata, clauses (with what each cites, establishes,
endorses), what it cites and what cites it, reservations, and the evidence for its statements; for a
body, its names, what established it, what it adopted, what mentions it; for every IRI, all
statements about it and all statements that point to it.
"""

from __future__ import annotations

import html
import os
import re
import threading
import urllib.parse
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from pyoxigraph import Literal, NamedNode, RdfFormat, Store, Triple, serialize

from cyberlex import jsonld
from cyberlex.vocab import (
    CLX,
    DCTERMS,
    DEFAULT_BASE,
    DESCRIPTION_VOCABULARIES,
    ELI,
    OA,
    OWL,
    PROV,
    RDF,
    RDFS,
    SKOS,
    body_classes,
    compact,
    instrument_classes,
    vocabulary_prefixes,
)

TYPE = RDF.type
MAX_LISTED = 300  # rows of a long list shown on a page; the Turtle twin has them all

STYLE = """
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:60rem;margin:0 auto;
padding:1rem 1.5rem;color:#1b1b1b;background:#fff}
a{color:#0b5394}a:visited{color:#5b3a8c}header nav,footer{font-size:.9rem;color:#555}
h1{font-size:1.6rem;margin:.6rem 0 .2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
code,.iri{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85rem;word-break:break-all}
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:.25rem .5rem;
border-bottom:1px solid #eee}th{width:14rem;font-weight:600}ol.clauses>li{margin-bottom:.6rem}
.meta{color:#555;font-size:.9rem}.types span{background:#eef3f8;border-radius:3px;padding:0 .3rem;margin-right:.3rem}
blockquote{margin:.3rem 0 .3rem 1rem;padding-left:.7rem;border-left:3px solid #ccc;color:#333}
"""


# -- the graph, indexed ----------------------------------------------------------------------------

class Index:
    """The triples of the graph by subject and by object, with the base IRI of its pages."""

    def __init__(self, triples: Iterable[Triple], base: str) -> None:
        self.base = base
        self.out: dict[str, list[Triple]] = defaultdict(list)
        self.into: dict[str, list[Triple]] = defaultdict(list)
        for triple in triples:
            self.out[_iri(triple.subject)].append(triple)
            if isinstance(triple.object, NamedNode):
                self.into[triple.object.value].append(triple)
        self._labels: dict[str, str] = {}

    @classmethod
    def from_store(cls, store: Store, base: str | None = None) -> Index:
        """Index the union of a store's graphs (each triple once, sorted)."""
        from cyberlex.serialise import sorted_triples

        triples = sorted_triples(store)
        return cls(triples, base or infer_base(triples))

    def iris(self) -> list[str]:
        """Every IRI under the base that the graph states something about or points to, sorted."""
        found = {iri for iri in self.out if iri.startswith(self.base)}
        found |= {iri for iri in self.into if iri.startswith(self.base)}
        found.discard(self.base)
        return sorted(found)

    def knows(self, iri: str) -> bool:
        """Whether the graph has the IRI (as subject or object)."""
        return iri in self.out or iri in self.into

    def values(self, iri: str, prop: str) -> list[Any]:
        """The objects of (iri, prop, ?)."""
        return [t.object for t in self.out.get(iri, ()) if t.predicate.value == prop]

    def iris_of(self, iri: str, prop: str) -> list[str]:
        """The IRI objects of (iri, prop, ?), sorted."""
        return sorted({o.value for o in self.values(iri, prop) if isinstance(o, NamedNode)})

    def subjects(self, prop: str, iri: str) -> list[str]:
        """The subjects of (?, prop, iri), sorted."""
        return sorted({_iri(t.subject) for t in self.into.get(iri, ()) if t.predicate.value == prop})

    def types(self, iri: str) -> set[str]:
        """The rdf:type IRIs of a node."""
        return set(self.iris_of(iri, TYPE))

    def is_instrument(self, iri: str) -> bool:
        """Typed with an instrument class."""
        return bool(self.types(iri) & instrument_classes())

    def is_body(self, iri: str) -> bool:
        """Typed clx:Body or clx:State."""
        return bool(self.types(iri) & body_classes())

    def text(self, iri: str, prop: str) -> str | None:
        """One literal of (iri, prop): English first, then untagged, then the first language."""
        literals = [o for o in self.values(iri, prop) if isinstance(o, Literal)]
        if not literals:
            return None
        literals.sort(key=lambda lit: (lit.language != "en", lit.language is not None, lit.language or "", lit.value))
        return str(literals[0].value)

    def owner(self, clause: str) -> str | None:
        """The instrument that has a clause."""
        owners = self.subjects(CLX.hasClause, clause)
        return owners[0] if owners else None

    def label(self, iri: str) -> str:
        """A short human name for a node."""
        if iri in self._labels:
            return self._labels[iri]
        label = self._label(iri)
        self._labels[iri] = label
        return label

    def _label(self, iri: str) -> str:
        types = self.types(iri)
        if types & {CLX.PreambularClause, CLX.OperativeClause}:
            owner = self.owner(iri)
            kind = "preambular" if CLX.PreambularClause in types else "operative"
            number = self.text(iri, CLX.ordinal) or "?"
            return f"{self.label(owner) if owner else '?'}, {kind} paragraph {number}"
        if CLX.Reservation in types:
            state = self.iris_of(iri, CLX.madeBy)
            clause = self.iris_of(iri, CLX.concerns)
            return (f"Reservation of {self.label(state[0]) if state else '?'} on "
                    f"{self.label(clause[0]) if clause else '?'}")
        if CLX.Evidence in types:
            sources = self.iris_of(iri, PROV.wasDerivedFrom)
            return f"Evidence {iri.rsplit('/', 1)[-1]} from {self.label(sources[0]) if sources else '?'}"
        if CLX.SourceDocument in types:
            return self.text(iri, CLX.fileName) or _tail(iri, self.base)
        if ELI.LegalExpression in types:
            works = self.iris_of(iri, ELI.realizes)
            return f"{self.label(works[0]) if works else '?'} ({iri.rsplit('/', 1)[-1]})"
        for prop in (DCTERMS.identifier, SKOS.prefLabel, RDFS.label, DCTERMS.title,
                     "http://xmlns.com/foaf/0.1/name"):
            value = self.text(iri, prop)
            if value:
                return value
        return _tail(iri, self.base) if iri.startswith(self.base) else _curie(iri)


def infer_base(triples: Iterable[Triple]) -> str:
    """The base IRI of a built graph, read off its source documents (``<base>source/<slug>``)."""
    for triple in triples:
        if triple.predicate.value == TYPE and triple.object == NamedNode(CLX.SourceDocument):
            iri = _iri(triple.subject)
            if "/source/" in iri:
                return iri.rsplit("/source/", 1)[0] + "/"
    return DEFAULT_BASE


def _iri(node: object) -> str:
    """The IRI (or blank node id) of a subject as a string."""
    return str(getattr(node, "value", node))


def _tail(iri: str, base: str) -> str:
    return iri[len(base):] if iri.startswith(base) else iri


def _curie(iri: str) -> str:
    # the vocabularies of the dataset description (cyberlex.describe) are shown as CURIEs too
    return compact(iri, {**vocabulary_prefixes(), **DESCRIPTION_VOCABULARIES}, unknown=str)


# -- what a page's twins hold ----------------------------------------------------------------------

def description(index: Index, iri: str) -> list[Triple]:
    """The triples about an IRI: those it is the subject or object of, and the statements about the
    clauses and reservations it has (so an instrument's Turtle carries its text). Sorted."""
    triples = set(index.out.get(iri, ())) | set(index.into.get(iri, ()))
    for prop in (CLX.hasClause, CLX.hasReservation):
        for child in index.iris_of(iri, prop):
            triples.update(index.out.get(child, ()))
    return sorted(triples, key=str)


def turtle(index: Index, iri: str) -> bytes:
    """The description of an IRI as Turtle."""
    data = serialize(description(index, iri), format=RdfFormat.TURTLE, prefixes=vocabulary_prefixes())
    return data or b""


def json_ld(index: Index, iri: str) -> bytes:
    """The description of an IRI as JSON-LD."""
    return jsonld.to_bytes(description(index, iri), base=index.base)


# -- HTML ---------------------------------------------------------------------------------------------

def esc(text: object) -> str:
    """HTML-escape a value."""
    return html.escape(str(text), quote=True)


def layout(title: str, body: str, head: str = "", lang: str = "en") -> str:
    """A whole HTML page around a body."""
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{esc(title)}</title>\n<style>{STYLE}</style>\n{head}</head>\n<body>\n{body}\n</body>\n</html>\n")


class Renderer:
    """Renders the page of one IRI, with links relative to the page's own address (``<path>/``)."""

    def __init__(self, index: Index, iri: str) -> None:
        self.index = index
        self.iri = iri
        self.path = _tail(iri, index.base)
        depth = len(self.path.split("/")) if self.path else 0
        self.root = "../" * depth

    # links
    def href(self, iri: str) -> str:
        """Where a link to an IRI goes: its page in this site, or the IRI itself."""
        if iri.startswith(self.index.base) and self.index.knows(iri):
            return self.root + urllib.parse.quote(_tail(iri, self.index.base), safe="/-._~") + "/"
        return iri

    def link(self, iri: str, text: str | None = None) -> str:
        """An <a> to an IRI, labelled."""
        return f'<a href="{esc(self.href(iri))}">{esc(text if text is not None else self.index.label(iri))}</a>'

    def term(self, node: object) -> str:
        """A value as HTML: a link for an IRI, the text (with its language) for a literal."""
        if isinstance(node, NamedNode):
            if node.value.startswith(self.index.base):
                return self.link(node.value)
            return f'<a href="{esc(node.value)}">{esc(_curie(node.value))}</a>'
        if isinstance(node, Literal):
            if node.language:
                lang = esc(node.language)
                return f'<span lang="{lang}">{esc(node.value)}</span> <small>({lang})</small>'
            return esc(node.value)
        return esc(node)

    # page
    def page(self) -> str:
        """The whole page."""
        index, iri = self.index, self.iri
        label = index.label(iri)
        types = sorted(index.types(iri))
        parts = [
            f'<header><nav><a href="{esc(self.root) or "./"}">cyberlex</a> › {esc(label)}</nav>',
            f"<h1>{esc(label)}</h1>",
            f'<p class="meta">IRI: <code class="iri">{esc(iri)}</code></p>',
        ]
        if types:
            parts.append('<p class="types">' + "".join(f"<span>{self.term(NamedNode(t))}</span>" for t in types)
                         + "</p>")
        parts.append('<p class="meta">This page as data: <a href="index.ttl" type="text/turtle">Turtle</a> · '
                     '<a href="index.jsonld" type="application/ld+json">JSON-LD</a></p></header>\n<main>')
        if index.is_instrument(iri):
            parts += self.instrument()
        elif index.is_body(iri):
            parts += self.body()
        parts += self.statements()
        parts.append("</main>\n<footer><p>cyberlex linked data. Every statement here was extracted from a source "
                     "document; its evidence names the file, the character offsets and the quoted text.</p></footer>")
        head = ('<link rel="alternate" type="text/turtle" href="index.ttl">\n'
                '<link rel="alternate" type="application/ld+json" href="index.jsonld">\n')
        return layout(f"{label} — cyberlex", "\n".join(parts), head)

    def _rows(self, rows: list[tuple[str, str]]) -> str:
        return "<table>" + "".join(f"<tr><th>{esc(k)}</th><td>{v}</td></tr>" for k, v in rows) + "</table>"

    def _list(self, items: list[str]) -> str:
        shown = items[:MAX_LISTED]
        more = f"<p>… and {len(items) - MAX_LISTED} more (see the Turtle).</p>" if len(items) > MAX_LISTED else ""
        return "<ul>" + "".join(f"<li>{i}</li>" for i in shown) + "</ul>" + more

    def instrument(self) -> list[str]:
        """Sections of an instrument's page."""
        index, iri = self.index, self.iri
        rows: list[tuple[str, str]] = []
        for name, prop in (("Symbol", DCTERMS.identifier), ("Title", DCTERMS.title), ("Name", SKOS.prefLabel),
                           ("Adopted by", CLX.adoptedBy), ("Adoption date", CLX.adoptionDate),
                           ("Session", CLX.session), ("Meeting", CLX.meeting),
                           ("Agenda item", CLX.agendaItem), ("On the report", CLX.onReport),
                           ("Annexes", CLX.hasAnnex), ("Same as", OWL.sameAs),
                           ("Language versions", ELI.is_realized_by)):
            values = sorted(index.values(iri, prop), key=str)
            if values:
                rows.append((name, "<br>".join(self.term(v) for v in values)))
        annex_of = index.subjects(CLX.hasAnnex, iri)
        if annex_of:
            rows.append(("Annexed to", "<br>".join(self.link(a) for a in annex_of)))
        parts = ["<h2>About</h2>", self._rows(rows)] if rows else []

        clauses = index.iris_of(iri, CLX.hasClause)
        if clauses:
            parts.append(f"<h2>Clauses ({len(clauses)})</h2>")
            parts.append(self.clauses(clauses))

        cited = set(index.iris_of(iri, CLX.cites)) | {c for cl in clauses for c in index.iris_of(cl, CLX.cites)}
        if cited:
            parts.append(f"<h2>Cites ({len(cited)})</h2>")
            parts.append(self._list([self.link(c) for c in sorted(cited, key=index.label)]))

        citing: dict[str, list[str]] = defaultdict(list)
        for source in index.subjects(CLX.cites, iri):
            owner = index.owner(source) if not index.is_instrument(source) else None
            if owner:
                citing[owner].append(source)
            else:
                citing.setdefault(source, [])
        if citing:
            parts.append(f"<h2>Cited by ({len(citing)})</h2>")
            items = []
            for owner in sorted(citing, key=index.label):
                where = ", ".join(self.link(c, _paragraph(index, c)) for c in sorted(citing[owner], key=_ordinal_key))
                items.append(self.link(owner) + (f" — in {where}" if where else ""))
            parts.append(self._list(items))

        established = sorted(set(index.iris_of(iri, CLX.establishes))
                             | {b for cl in clauses for b in index.iris_of(cl, CLX.establishes)}, key=index.label)
        if established:
            parts.append("<h2>Establishes</h2>" + self._list([self.link(b) for b in established]))

        reservations = index.iris_of(iri, CLX.hasReservation)
        if reservations:
            parts.append(f"<h2>Reservations ({len(reservations)})</h2><table><tr><th>State</th><th>On</th>"
                         "<th>Text</th></tr>")
            for r in reservations:
                state = "".join(self.link(s) for s in index.iris_of(r, CLX.madeBy))
                clause = "".join(self.link(c, _paragraph(index, c)) for c in index.iris_of(r, CLX.concerns))
                parts.append(f"<tr><td>{state}</td><td>{clause}</td><td>{esc(index.text(r, CLX.text) or '')}"
                             f" <small>({self.link(r, 'details')})</small></td></tr>")
            parts.append("</table>")

        parts += self.evidence()
        sources = index.subjects(CLX.records, iri)
        if sources:
            parts.append("<h2>Source documents</h2>" + self._list([self.link(s) for s in sources]))
        return parts

    def clauses(self, clauses: list[str]) -> str:
        """The clauses in reading order, each with what it cites, establishes and endorses."""
        index = self.index
        out = ['<ol class="clauses">']
        for clause in sorted(clauses, key=_ordinal_key):
            phrase = index.text(clause, CLX.openingPhrase)
            text = index.text(clause, CLX.text)
            anchor = "-".join(clause.rsplit("/", 2)[-2:])
            body = f"<strong>{self.link(clause, _paragraph(index, clause))}</strong>"
            if text:
                body += f"<blockquote>{esc(text)}</blockquote>"
            elif phrase:
                body += f" <em>{esc(phrase)}</em>"
            for name, prop in (("cites", CLX.cites), ("establishes", CLX.establishes),
                               ("endorses", CLX.endorses)):
                targets = index.iris_of(clause, prop)
                if targets:
                    body += (f'<div class="meta">{name}: '
                             + ", ".join(self.link(t) for t in sorted(targets, key=index.label)) + "</div>")
            body += footnotes(index, clause)
            out.append(f'<li id="{esc(anchor)}" value="{esc(index.text(clause, CLX.ordinal) or "")}">{body}</li>')
        out.append("</ol>")
        return "".join(out)

    def evidence(self) -> list[str]:
        """Where the statements about this node were read: evidence nodes whose subject it is."""
        index = self.index
        nodes = index.subjects(RDF.subject, self.iri)
        if not nodes:
            return []
        rows = []
        language = None
        for node in sorted(nodes, key=lambda n: evidence_order(index, n))[:MAX_LISTED]:
            node_language = evidence_language(index, node)
            if node_language != language:  # grouped by the language of the document read
                language = node_language
                rows.append(f'<tr class="language"><th colspan="3">{esc(language or "language not stated")}'
                            f"</th></tr>")
            predicate = index.iris_of(node, RDF.predicate)
            objects = index.values(node, RDF.object)
            sources = index.iris_of(node, PROV.wasDerivedFrom)
            span = f"{index.text(node, OA.start)}–{index.text(node, OA.end)}"
            quote = index.text(node, OA.exact) or ""
            rows.append(f"<tr><td>{self.term(NamedNode(predicate[0])) if predicate else ''} "
                        f"{' '.join(self.term(o) for o in objects)}</td>"
                        f"<td>{esc(quote)}</td><td>{''.join(self.link(s) for s in sources)}, "
                        f"{self.link(node, span)}</td></tr>")
        more = f"<p>… and {len(nodes) - MAX_LISTED} more.</p>" if len(nodes) > MAX_LISTED else ""
        return [f"<h2>Evidence ({len(nodes)})</h2><table><tr><th>Statement</th><th>Quoted text</th>"
                f"<th>Source, characters</th></tr>{''.join(rows)}</table>{more}"]

    def body(self) -> list[str]:
        """Sections of a body's page."""
        index, iri = self.index, self.iri
        rows = []
        for name, prop in (("Names", SKOS.prefLabel), ("Other names", SKOS.altLabel),
                           ("Acronyms", SKOS.notation), ("Same as", OWL.sameAs)):
            values = sorted(index.values(iri, prop), key=lambda v: (getattr(v, "language", "") or "", str(v)))
            if values:
                rows.append((name, "<br>".join(self.term(v) for v in values)))
        parts = ["<h2>About</h2>", self._rows(rows)] if rows else []
        establishing: dict[str, list[str]] = defaultdict(list)
        for source in index.subjects(CLX.establishes, iri):
            owner = None if index.is_instrument(source) else index.owner(source)
            establishing[owner or source].extend([source] if owner else [])
        if establishing:
            items = []
            for owner in sorted(establishing, key=index.label):
                where = ", ".join(self.link(c, _paragraph(index, c)) for c in establishing[owner])
                items.append(self.link(owner) + (f" — in {where}" if where else ""))
            parts.append("<h2>Established by</h2>" + self._list(items))
        for title, prop in (("Adopted", CLX.adoptedBy), ("Reservations made", CLX.madeBy),
                            ("Mentioned in", CLX.mentions)):
            sources = index.subjects(prop, iri)
            if sources:
                parts.append(f"<h2>{title} ({len(sources)})</h2>"
                             + self._list([self.link(s) for s in sorted(sources, key=index.label)]))
        return parts

    def statements(self) -> list[str]:
        """Every statement about the node and every statement pointing to it."""
        index, iri = self.index, self.iri
        out: dict[str, list[object]] = defaultdict(list)
        for t in index.out.get(iri, ()):
            if t.predicate.value != TYPE:
                out[t.predicate.value].append(t.object)
        parts = []
        if out:
            parts.append("<h2>All statements</h2><table>")
            for prop in sorted(out, key=_curie):
                values = out[prop]
                shown = "<br>".join(self.term(v) for v in values[:MAX_LISTED])
                if len(values) > MAX_LISTED:
                    shown += f"<br>… and {len(values) - MAX_LISTED} more"
                parts.append(f"<tr><th>{self.term(NamedNode(prop))}</th><td>{shown}</td></tr>")
            parts.append("</table>")
        into: dict[str, list[str]] = defaultdict(list)
        for t in index.into.get(iri, ()):
            into[t.predicate.value].append(_iri(t.subject))
        if into:
            parts.append("<h2>Referenced by</h2><table>")
            for prop in sorted(into, key=_curie):
                subjects = sorted(set(into[prop]))
                shown = "<br>".join(self.link(s) for s in subjects[:MAX_LISTED])
                if len(subjects) > MAX_LISTED:
                    shown += f"<br>… and {len(subjects) - MAX_LISTED} more (see the Turtle)"
                parts.append(f"<tr><th>{self.term(NamedNode(prop))} of</th><td>{shown}</td></tr>")
            parts.append("</table>")
        return parts


def _ordinal_key(clause: str) -> tuple[int, int, str]:
    match = re.search(r"/(pre|op)/(\d+)$", clause)
    if not match:
        return (2, 0, clause)
    return (0 if match.group(1) == "pre" else 1, int(match.group(2)), clause)


def _number(text: str | None) -> int:
    return int(text) if text is not None and text.isdigit() else -1


def evidence_language(index: Index, node: str) -> str:
    """The language of the document an evidence node was read in ('' where not stated)."""
    for source in index.iris_of(node, PROV.wasDerivedFrom):
        language = index.text(source, DCTERMS.language)
        if language:
            return language
    return ""


def evidence_order(index: Index, node: str) -> tuple[str, str, int, int, str]:
    """Evidence in reading order: by language, document, then start and end offsets as numbers
    (as text, 1033 came before 109)."""
    sources = index.iris_of(node, PROV.wasDerivedFrom)
    return (evidence_language(index, node), sources[0] if sources else "", _number(index.text(node, OA.start)),
            _number(index.text(node, OA.end)), node)


def footnotes(index: Index, clause: str) -> str:
    """A clause's footnotes, each once, tagged with its language."""
    notes = sorted({(n.language or "", str(n.value)) for n in index.values(clause, CLX.footnote)
                    if isinstance(n, Literal)})
    out = []
    for language, note in notes:
        if language:
            out.append(f'<div class="meta" lang="{esc(language)}">footnote ({esc(language)}): {esc(note)}</div>')
        else:
            out.append(f'<div class="meta">footnote: {esc(note)}</div>')
    return "".join(out)


def _paragraph(index: Index, clause: str) -> str:
    types = index.types(clause)
    number = index.text(clause, CLX.ordinal) or "?"
    return f"{'operative' if CLX.OperativeClause in types else 'preambular'} paragraph {number}"


def render(index: Index, iri: str) -> str:
    """The HTML page of an IRI."""
    return Renderer(index, iri).page()


def home(index: Index) -> str:
    """The site's front page: the instruments with text in the graph, then the bodies."""
    recorded = sorted({i for s in index.iris() if index.types(s) & {CLX.SourceDocument}
                       for i in index.iris_of(s, CLX.records)}, key=index.label)
    bodies = sorted((i for i in index.iris() if index.is_body(i)), key=index.label)

    def link(iri: str) -> str:
        return f'<a href="{esc(urllib.parse.quote(_tail(iri, index.base), safe="/-._~"))}/">{esc(index.label(iri))}</a>'

    def titled(iri: str) -> str:
        title = index.text(iri, DCTERMS.title)
        return link(iri) + (f" — {esc(title)}" if title else "")

    body = [
        "<header><h1>cyberlex</h1><p>A knowledge graph of the international legal instruments on cybercrime. "
        f'Every IRI under <code class="iri">{esc(index.base)}</code> has a page here, and its data as '
        "Turtle and JSON-LD beside it.</p></header><main>",
        f"<h2>Instruments with their text ({len(recorded)})</h2><ul>"
        + "".join(f"<li>{titled(i)}</li>" for i in recorded) + "</ul>",
        f"<h2>Bodies and States ({len(bodies)})</h2><ul>" + "".join(f"<li>{link(b)}</li>" for b in bodies) + "</ul>",
    ]
    if index.knows(index.base + "dataset"):
        body.append('<h2>This dataset</h2><p><a href="dataset/">Its description</a> (DCAT and VoID).</p>')
    body.append("</main>")
    return layout("cyberlex — linked data", "\n".join(body))


def not_found(iri: str) -> str:
    """A 404 page."""
    return layout("Not found — cyberlex", f"<h1>Not found</h1><p>The graph says nothing about "
                                          f'<code class="iri">{esc(iri)}</code>.</p>')


# -- the static site ----------------------------------------------------------------------------------

class UnsafePagePath(ValueError):
    """An IRI whose page would be written outside the site's folder (or over another file). One line."""


def site_files(index: Index) -> Iterator[tuple[str, bytes, str]]:
    """(relative path, content, IRI) of every file of the static site, in a stable order."""
    yield "index.html", home(index).encode("utf-8"), index.base
    for iri in index.iris():
        path = _tail(iri, index.base)
        yield f"{path}/index.html", render(index, iri).encode("utf-8"), iri
        yield f"{path}/index.ttl", turtle(index, iri), iri
        yield f"{path}/index.jsonld", json_ld(index, iri), iri
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
    for iri in index.iris():  # all of them before anything is written
        site_path(folder, f"{_tail(iri, index.base)}/index.html", iri)
    pages = 0
    for relative, data, iri in site_files(index):
        path = site_path(folder, relative, iri)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        except (IsADirectoryError, NotADirectoryError, FileExistsError) as exc:
            raise UnsafePagePath(f"<{iri}>: its page clashes with another file of the site ({relative}): "
                                 f"{exc.strerror}") from exc
        pages += relative.endswith("/index.html")
    return pages


def apache_rules(base: str) -> str:
    """An .htaccess for Apache (mod_rewrite) at the site's root: the bare IRI gets a 303 to its page,
    its Turtle or its JSON-LD by the Accept header; ``<IRI>.ttl`` and ``<IRI>.jsonld`` work too."""
    return f"""# Generated by `cyberlex release`: content negotiation for the linked-data pages of
# {base} (Apache 2.4, mod_rewrite and mod_mime; AllowOverride FileInfo).
# A bare IRI names a thing, not a document: it is answered 303 See Other with its page (text/html),
# its Turtle (text/turtle) or its JSON-LD (application/ld+json), chosen by the Accept header.
AddType text/turtle .ttl
AddType application/ld+json .jsonld
AddCharset utf-8 .html .ttl .jsonld
DirectorySlash Off
RewriteEngine On
Header append Vary Accept
ErrorDocument 404 /404.html

# <IRI>.ttl and <IRI>.jsonld: the twins by extension
RewriteCond %{{REQUEST_FILENAME}} !-f
RewriteCond %{{REQUEST_FILENAME}} !-d
RewriteRule ^(.+)\\.(ttl|jsonld)$ $1/index.$2 [L]
# the bare IRI (a folder of the site without its slash) → 303 by Accept
RewriteCond %{{REQUEST_FILENAME}} -d
RewriteCond %{{HTTP_ACCEPT}} text/turtle
RewriteRule ^(.+[^/])$ $1/index.ttl [R=303,L]
RewriteCond %{{REQUEST_FILENAME}} -d
RewriteCond %{{HTTP_ACCEPT}} application/(ld\\+)?json
RewriteRule ^(.+[^/])$ $1/index.jsonld [R=303,L]
RewriteCond %{{REQUEST_FILENAME}} -d
RewriteRule ^(.+[^/])$ $1/ [R=303,L]
# the folder with its slash → its page
RewriteRule ^(.*/)?$ $1index.html [L]
"""


def nginx_rules(base: str, root: str = "/srv/cyberlex/site") -> str:
    """An nginx server snippet doing what the .htaccess does."""
    path = urllib.parse.urlsplit(base).path or "/"
    return f"""# Generated by `cyberlex release`: nginx rules for the linked-data pages of {base}.
# Put inside the `server {{ … }}` of the host, with the release's site/ folder at {root}.
# A bare IRI is answered 303 See Other with its page, Turtle or JSON-LD, by the Accept header.
map $http_accept $cyberlex_twin {{
    default                      "/";
    "~*text/turtle"              "/index.ttl";
    "~*application/(ld\\+)?json" "/index.jsonld";
}}

location {path} {{
    alias {root}/;
    types {{ text/html html; text/turtle ttl; application/ld+json jsonld; }}
    charset utf-8;
    charset_types text/turtle application/ld+json;
    add_header Vary Accept always;
    error_page 404 {path}404.html;
    # <IRI>.ttl and <IRI>.jsonld: the twins by extension
    location ~ ^{path}(?<thing>.+)\\.(?<ext>ttl|jsonld)$ {{
        try_files /$thing.$ext /$thing/index.$ext =404;
    }}
    # the bare IRI (a folder of the site without its slash) → 303 by Accept
    location ~ ^{path}(?<thing>.+[^/])$ {{
        if (-d {root}/$thing) {{ return 303 {path}$thing$cyberlex_twin; }}
        try_files /$thing =404;
    }}
    index index.html;
}}
"""


def w3id_rules(base: str, site_url: str, ontology_url: str | None = None) -> str:
    """The .htaccess to propose to w3id.org (github.com/perma-id/w3id.org) for the folder of the base
    IRI: every IRI is sent 303 to the hosted static site, by Accept, so the host needs no rules."""
    path = urllib.parse.urlsplit(base).path.strip("/")
    top, _, rest = path.partition("/")
    prefix = (rest + "/") if rest else ""
    site = site_url.rstrip("/") + "/"
    lines = [
        f"# .htaccess for w3id.org/{top}/ (perma-id/w3id.org): the IRIs {base}… answer 303 See Other",
        f"# with the page, Turtle or JSON-LD of the static site hosted at {site}",
        "Options +FollowSymLinks",
        "RewriteEngine on",
        "",
        "RewriteCond %{HTTP_ACCEPT} text/turtle",
        f"RewriteRule ^{prefix}(.+)$ {site}$1/index.ttl [R=303,L]",
        "RewriteCond %{HTTP_ACCEPT} application/(ld\\+)?json",
        f"RewriteRule ^{prefix}(.+)$ {site}$1/index.jsonld [R=303,L]",
        f"RewriteRule ^{prefix}(.+)$ {site}$1/ [R=303,L]",
        f"RewriteRule ^{prefix}?$ {site} [R=303,L]",
    ]
    if ontology_url:
        lines += ["", "# the ontology: its documentation for browsers, its Turtle for programs",
                  "RewriteCond %{HTTP_ACCEPT} text/turtle",
                  f"RewriteRule ^ontology$ {ontology_url.rstrip('/')}/ontology.ttl [R=303,L]",
                  f"RewriteRule ^ontology$ {ontology_url.rstrip('/')}/ontology.html [R=303,L]"]
    return "\n".join(lines) + "\n"


# -- serving ----------------------------------------------------------------------------------------

HTML, TURTLE, JSONLD = "text/html", "text/turtle", "application/ld+json"
RDFXML, NTRIPLES = "application/rdf+xml", "application/n-triples"
OFFERS = {HTML: HTML, "application/xhtml+xml": HTML, TURTLE: TURTLE, "application/x-turtle": TURTLE,
          JSONLD: JSONLD, "application/json": JSONLD, RDFXML: RDFXML, NTRIPLES: NTRIPLES}
# what the pages server answers besides the HTML page, Turtle and JSON-LD (not written to the static site)
MORE_FORMATS = {RDFXML: ("/index.rdf", RdfFormat.RDF_XML), NTRIPLES: ("/index.nt", RdfFormat.N_TRIPLES)}


def rdf_bytes(index: Index, iri: str, media: str) -> bytes:
    """The description of an IRI as RDF/XML or N-Triples."""
    return serialize(description(index, iri), format=MORE_FORMATS[media][1]) or b""


def negotiate(accept: str | None) -> str:
    """The media type to answer with, by the Accept header: text/html, text/turtle or
    application/ld+json. The highest q wins, then a named type over a wildcard, then the first
    listed; HTML when nothing offered is accepted."""
    candidates: list[tuple[float, bool, int, str]] = []
    for position, item in enumerate((accept or "*/*").split(",")):
        fields = [f.strip() for f in item.split(";")]
        media = fields[0].lower()
        q = 1.0
        for param in fields[1:]:
            if param.replace(" ", "").startswith("q="):
                try:
                    q = float(param.split("=", 1)[1])
                except ValueError:
                    q = 0.0
        offer = OFFERS.get(media) or (HTML if media in ("*/*", "text/*") else None)
        if offer is not None and q > 0:
            candidates.append((q, media not in ("*/*", "text/*"), -position, offer))
    return max(candidates)[3] if candidates else HTML


class PagesApp:
    """A WSGI application serving the pages of an Index: ``/<path>`` 303 by Accept; ``/<path>/``,
    ``/<path>/index.ttl``, ``/<path>/index.jsonld`` 200. The root is the base IRI."""

    def __init__(self, index: Index, sparql_url: str | None = None) -> None:
        self.index = index
        self.sparql_url = sparql_url

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        """Answer one request."""
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ("GET", "HEAD"):
            return self._answer(start_response, "405 Method Not Allowed", "text/plain", b"GET or HEAD only\n",
                                method, [("Allow", "GET, HEAD")])
        path = urllib.parse.unquote(environ.get("PATH_INFO", "/")).lstrip("/")
        index = self.index
        if path in ("", "index.html"):
            return self._answer(start_response, "200 OK", HTML, home(index).encode(), method)
        for suffix, media in (("/index.html", HTML), ("/", HTML), ("/index.ttl", TURTLE),
                              ("/index.jsonld", JSONLD), (".ttl", TURTLE), (".jsonld", JSONLD),
                              *((tail, media) for media, (tail, _) in MORE_FORMATS.items())):
            if path.endswith(suffix):
                iri = index.base + path[: -len(suffix)]
                if index.knows(iri):
                    return self._answer(start_response, "200 OK", media, self._body(iri, media), method)
        iri = index.base + path
        if not index.knows(iri):
            return self._answer(start_response, "404 Not Found", HTML, not_found(iri).encode(), method)
        media = negotiate(environ.get("HTTP_ACCEPT"))
        tail = {HTML: "/", TURTLE: "/index.ttl", JSONLD: "/index.jsonld",
                **{m: t for m, (t, _) in MORE_FORMATS.items()}}[media]
        script = environ.get("SCRIPT_NAME", "").rstrip("/")
        location = f"{script}/{urllib.parse.quote(path, safe='/-._~')}{tail}"
        body = f'<p>See <a href="{esc(location)}">{esc(location)}</a>.</p>\n'.encode()
        return self._answer(start_response, "303 See Other", HTML, body, method,
                            [("Location", location), ("Vary", "Accept")])

    def _body(self, iri: str, media: str) -> bytes:
        if media == TURTLE:
            return turtle(self.index, iri)
        if media == JSONLD:
            return json_ld(self.index, iri)
        if media in MORE_FORMATS:
            return rdf_bytes(self.index, iri, media)
        return render(self.index, iri).encode("utf-8")

    @staticmethod
    def _answer(start_response: Callable[..., Any], status: str, media: str, body: bytes, method: str,
                extra: list[tuple[str, str]] | None = None) -> list[bytes]:
        headers = [("Content-Type", f"{media}; charset=utf-8"), ("Content-Length", str(len(body))),
                   ("Vary", "Accept"), *(extra or [])]
        start_response(status, list(dict(headers).items()))
        return [] if method == "HEAD" else [body]


# Connections waiting to be accepted (the kernel's queue; it was 5, and 200 clients at once were dropped),
# the threads that answer (a bounded pool, not a thread per connection), and the seconds a connection
# may take to send its request or read the answer (no idle client holds a worker for long).
PAGES_BACKLOG = 256
PAGES_WORKERS = 32
PAGES_TIMEOUT_S = 10.0


class _PooledServer(WSGIServer):
    """wsgiref's server with a listen backlog of PAGES_BACKLOG and PAGES_WORKERS threads: a connection is
    accepted when a worker is free (until then it waits in the kernel's queue, not in memory)."""

    request_queue_size = PAGES_BACKLOG

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._free = threading.BoundedSemaphore(PAGES_WORKERS)
        self._pool = ThreadPoolExecutor(PAGES_WORKERS, thread_name_prefix="cyberlex-pages")

    def verify_request(self, request: Any, client_address: Any) -> bool:
        """Wait (in the accepting thread) for a free worker before taking the connection on."""
        while not self._free.acquire(timeout=0.5):
            if getattr(self, "_BaseServer__shutdown_request", False):  # shutdown() was called: stop waiting
                return False
        return True

    def process_request(self, request: Any, client_address: Any) -> None:
        """Answer the connection on a worker of the pool."""
        try:
            self._pool.submit(self._answer, request, client_address)
        except RuntimeError:  # the pool is shut down: the server is stopping
            self._free.release()
            self.shutdown_request(request)

    def _answer(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            self._free.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away or timed out is no error of the server's; say nothing."""
        if os.environ.get("CYBERLEX_PAGES_LOG"):
            super().handle_error(request, client_address)

    def server_close(self) -> None:
        """Close the socket and let the workers end (each connection has its timeout)."""
        super().server_close()
        self._pool.shutdown(wait=False, cancel_futures=True)


class _QuietHandler(WSGIRequestHandler):
    timeout = PAGES_TIMEOUT_S  # a socket timeout for each read and write of the connection

    def log_message(self, format: str, *args: Any) -> None:
        if os.environ.get("CYBERLEX_PAGES_LOG"):
            super().log_message(format, *args)


class PagesServer:
    """The pages of an Index served over HTTP in a background thread (the standard library's wsgiref)."""

    def __init__(self, index: Index, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = PagesApp(index)
        self.server = make_server(host, port, self.app, server_class=_PooledServer, handler_class=_QuietHandler)
        self.host = host
        self.port = int(self.server.server_port)
        self.thread = threading.Thread(target=self.server.serve_forever, name="cyberlex-pages", daemon=True)

    @property
    def url(self) -> str:
        """http://host:port/"""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def start(self) -> PagesServer:
        """Start answering in the background."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop answering and close the socket."""
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> PagesServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def load_index(data: Path) -> Index:
    """The Index of a build or release folder (its graph.trig, else graph.ttl; a release's dataset.ttl
    too, so the dataset's IRIs have pages) or of an RDF file."""
    store = Store()
    if data.is_dir():
        graph = next((data / n for n in ("graph.trig", "graph.ttl", "graph.nt") if (data / n).is_file()), None)
        if graph is None:
            raise FileNotFoundError(f"{data}: no graph.trig, graph.ttl or graph.nt in this folder")
        files = [graph] + ([data / "dataset.ttl"] if (data / "dataset.ttl").is_file() else [])
    else:
        files = [data]
    for file in files:
        fmt = RdfFormat.from_extension(file.suffix.lstrip(".")) or RdfFormat.TURTLE
        store.bulk_load(path=str(file), format=fmt)
    return Index.from_store(store)
