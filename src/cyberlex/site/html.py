"""The HTML of the linked-data pages: what each page shows, chosen here from the Index, and written by
the templates in templates/pages/ (autoescaped; see cyberlex.site.templating).

A page of an IRI is ``pages/resource.html`` (its types, every statement about it and pointing to it),
``pages/instrument.html`` for an instrument (metadata, clauses, citations, reservations, evidence) and
``pages/body.html`` for a body or State (names, what established it, what it adopted). Values reach
the templates as Terms (a link, a literal with its language, or text); links are relative to the
page's own address (``<path>/``), so the site works wherever it is hosted.
"""

from __future__ import annotations

import re
import urllib.parse
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from pyoxigraph import Literal, NamedNode

from cyberlex.site.index import TYPE, Index, clause_anchor, curie, evidence_anchor, evidence_order, node_iri, tail
from cyberlex.site.templating import html_template
from cyberlex.vocab import CLX, DCTERMS, ELI, OA, OWL, PROV, RDF, SKOS

MAX_LISTED = 300  # rows of a long list shown on a page; the Turtle twin has them all
# What a clause shows on its instrument's page, by name; its other statements by their property's CURIE
CLAUSE_RELATIONS = (("cites", CLX.cites), ("establishes", CLX.establishes), ("endorses", CLX.endorses))
CLAUSE_SHOWN = {TYPE, CLX.ordinal, CLX.text, CLX.openingPhrase, CLX.footnote, *(p for _, p in CLAUSE_RELATIONS)}


@dataclass(frozen=True, slots=True)
class Term:
    """A value as a page shows it: a link (``href``), a literal in a language (``lang``), or text."""

    text: str
    href: str | None = None
    lang: str | None = None


@dataclass(frozen=True, slots=True)
class Listing:
    """The first MAX_LISTED items of a long list, and how many more the page leaves out."""

    items: list[Any]
    more: int


@dataclass(frozen=True, slots=True)
class Clause:
    """A clause as its instrument's page lists it."""

    anchor: str
    ordinal: str
    link: Term
    text: str | None
    phrase: str | None
    relations: list[tuple[str, list[Term]]]  # ("cites", the cited), ("establishes", …), ("endorses", …)
    footnotes: list[tuple[str, str]]  # (language or "", text)
    referenced_by: list[tuple[Term, Listing]]  # (property, what states it of the clause): "clx:cites of …"


@dataclass(frozen=True, slots=True)
class EvidenceRow:
    """One statement read from a document: what was stated, the quoted text, where. The row's anchor
    (``ev-…``, see evidence_anchor) is where the evidence IRI leads."""

    anchor: str
    language: str
    about: Term | None  # the node the statement is about, where it is not the page's own
    predicate: Term | None
    objects: list[Term]
    quote: str
    sources: list[Term]
    span: Term  # the statement's own anchor, labelled with the character offsets of its span
    span_anchor: str | None  # the anchor of the span (ev-<doc>-<start>-<end>), on the first row read from it


def listing(items: list[Any], show: Callable[[Any], Any]) -> Listing:
    """A list cut at MAX_LISTED, each item shown (made a Term or a row) only if the page lists it."""
    return Listing([show(item) for item in items[:MAX_LISTED]], max(0, len(items) - MAX_LISTED))


class Renderer:
    """Renders the page of one IRI, with links relative to the page's own address (``<path>/``)."""

    def __init__(self, index: Index, iri: str) -> None:
        self.index = index
        self.iri = iri
        self.path = tail(iri, index.base)
        depth = len(self.path.split("/")) if self.path else 0
        self.root = "../" * depth

    # links
    def href(self, iri: str) -> str:
        """Where a link to an IRI goes: its page in this site (for a clause or an evidence node, its
        anchor on the page that shows it), or the IRI itself."""
        if iri.startswith(self.index.base) and self.index.knows(iri):
            page, anchor = self.index.page_of(iri)
            fragment = "#" + anchor if anchor else ""
            if page == self.iri and fragment:
                return fragment
            return self.root + self.index.path(page) + "/" + fragment
        return iri

    def link(self, iri: str, text: str | None = None) -> Term:
        """A link to an IRI, labelled."""
        return Term(text if text is not None else self.index.label(iri), self.href(iri))

    def links(self, iris: list[str]) -> list[Term]:
        """Links to IRIs, labelled, in the order given."""
        return [self.link(iri) for iri in iris]

    def term(self, node: object) -> Term:
        """A value: a link for an IRI (to its page under the base, else out, shown as a CURIE), the
        text with its language for a literal."""
        if isinstance(node, NamedNode):
            if node.value.startswith(self.index.base):
                return self.link(node.value)
            return Term(curie(node.value), node.value)
        if isinstance(node, Literal):
            return Term(node.value, lang=node.language or None)
        return Term(str(node))

    # page
    def page(self) -> str:
        """The whole page."""
        index, iri = self.index, self.iri
        context: dict[str, Any] = {
            "label": index.label(iri), "iri": iri, "root": self.root,
            "types": [self.term(NamedNode(t)) for t in sorted(index.types(iri))],
            **self.statements(),
        }
        if index.is_instrument(iri):
            return html_template("pages/instrument.html").render(context, **self.instrument())
        if index.is_body(iri):
            return html_template("pages/body.html").render(context, **self.body())
        return html_template("pages/resource.html").render(context)

    def _paragraph_link(self, clause: str) -> Term:
        return self.link(clause, _paragraph(self.index, clause))

    def instrument(self) -> dict[str, Any]:
        """What an instrument's page shows."""
        index, iri = self.index, self.iri
        about: list[tuple[str, list[Term]]] = []
        for name, prop in (("Symbol", DCTERMS.identifier), ("Title", DCTERMS.title), ("Name", SKOS.prefLabel),
                           ("Adopted by", CLX.adoptedBy), ("Adoption date", CLX.adoptionDate),
                           ("Session", CLX.session), ("Meeting", CLX.meeting),
                           ("Agenda item", CLX.agendaItem), ("On the report", CLX.onReport),
                           ("Annexes", CLX.hasAnnex), ("Same as", OWL.sameAs),
                           ("Language versions", ELI.is_realized_by)):
            values = sorted(index.values(iri, prop), key=str)
            if values:
                about.append((name, [self.term(v) for v in values]))
        annex_of = index.subjects(CLX.hasAnnex, iri)
        if annex_of:
            about.append(("Annexed to", self.links(annex_of)))

        clauses = index.iris_of(iri, CLX.hasClause)
        cited = set(index.iris_of(iri, CLX.cites)) | {c for cl in clauses for c in index.iris_of(cl, CLX.cites)}
        citing: dict[str, list[str]] = defaultdict(list)
        for source in index.subjects(CLX.cites, iri):
            owner = index.owner(source) if not index.is_instrument(source) else None
            if owner:
                citing[owner].append(source)
            else:
                citing.setdefault(source, [])
        established = sorted(set(index.iris_of(iri, CLX.establishes))
                             | {b for cl in clauses for b in index.iris_of(cl, CLX.establishes)},
                             key=index.by_label)
        reservations = [
            (self.links(index.iris_of(r, CLX.madeBy)),
             [self._paragraph_link(c) for c in index.iris_of(r, CLX.concerns)],
             index.text(r, CLX.text) or "", self.link(r, "details"))
            for r in index.iris_of(iri, CLX.hasReservation)]
        return {
            "about": about,
            "clauses": self.clauses(clauses),
            "cites": listing(sorted(cited, key=index.by_label), self.link),
            "cited_by": listing(sorted(citing, key=index.label), lambda owner: (
                self.link(owner), [self._paragraph_link(c) for c in sorted(citing[owner], key=_ordinal_key)])),
            "establishes": listing(established, self.link),
            "reservations": reservations,
            "sources": listing(index.subjects(CLX.records, iri), self.link),
        }

    def clauses(self, clauses: list[str]) -> list[Clause]:
        """The clauses in reading order, each with what it cites, establishes and endorses, its other
        statements and those pointing to it: all that a clause's own page showed, when it had one."""
        index = self.index
        shown = []
        for clause in sorted(clauses, key=_ordinal_key):
            relations: list[tuple[str, list[Term]]] = []
            for name, prop in CLAUSE_RELATIONS:
                targets = index.iris_of(clause, prop)
                if targets:
                    relations.append((name, self.links(sorted(targets, key=index.label))))
            others: dict[str, list[object]] = defaultdict(list)
            for t in index.out.get(clause, ()):
                if t.predicate.value not in CLAUSE_SHOWN:
                    others[t.predicate.value].append(t.object)
            relations += [(curie(prop), [self.term(o) for o in sorted(others[prop], key=str)])
                          for prop in sorted(others, key=curie)]
            shown.append(Clause(anchor=clause_anchor(clause),
                                ordinal=index.text(clause, CLX.ordinal) or "",
                                link=self._paragraph_link(clause),
                                text=index.text(clause, CLX.text),
                                phrase=index.text(clause, CLX.openingPhrase), relations=relations,
                                footnotes=footnotes(index, clause), referenced_by=self.referenced_by(clause)))
        return shown

    def evidence(self) -> dict[str, Any] | None:
        """Where the statements about this node were read (on a source document's page: every statement
        read from it), grouped by the language of the document read, in reading order. All of them,
        each at its anchor: the evidence IRIs lead there."""
        index = self.index
        nodes = index.evidence_of(self.iri)
        if not nodes:
            return None
        rows = []
        spans_shown: set[str] = set()
        for node in nodes:  # a statement: what it says; its span (clx:evidence): where, and the words
            span_node = index.span(node)
            predicate = index.iris_of(node, RDF.predicate)
            subjects = [s for s in index.iris_of(node, RDF.subject) if s != self.iri]
            span = f"{index.text(span_node, OA.start)}–{index.text(span_node, OA.end)}"
            first = span_node != node and span_node not in spans_shown
            spans_shown.add(span_node)
            anchor = evidence_anchor(node)
            rows.append(EvidenceRow(anchor=anchor, language=evidence_order(index, node)[0],  # its language first
                                    about=self.link(subjects[0]) if subjects else None,
                                    predicate=self.term(NamedNode(predicate[0])) if predicate else None,
                                    objects=[self.term(o) for o in index.values(node, RDF.object)],
                                    quote=index.text(span_node, OA.exact) or "",
                                    sources=self.links(index.iris_of(span_node, PROV.wasDerivedFrom)),
                                    span=Term(span, "#" + anchor),
                                    span_anchor=evidence_anchor(span_node) if first else None))
        groups = [(language, list(group)) for language, group in groupby(rows, key=lambda row: row.language)]
        return {"count": len(nodes), "groups": groups}

    def body(self) -> dict[str, Any]:
        """What the page of a body or State shows."""
        index, iri = self.index, self.iri
        about = []
        for name, prop in (("Names", SKOS.prefLabel), ("Other names", SKOS.altLabel),
                           ("Acronyms", SKOS.notation), ("Same as", OWL.sameAs)):
            values = sorted(index.values(iri, prop), key=lambda v: (getattr(v, "language", "") or "", str(v)))
            if values:
                about.append((name, [self.term(v) for v in values]))
        establishing: dict[str, list[str]] = defaultdict(list)
        for source in index.subjects(CLX.establishes, iri):
            owner = None if index.is_instrument(source) else index.owner(source)
            establishing[owner or source].extend([source] if owner else [])
        lists = []
        for title, prop in (("Adopted", CLX.adoptedBy), ("Reservations made", CLX.madeBy),
                            ("Mentioned in", CLX.mentions)):
            sources = index.subjects(prop, iri)
            if sources:
                lists.append((f"{title} ({len(sources)})", listing(sorted(sources, key=index.label), self.link)))
        return {
            "about": about,
            "established_by": listing(sorted(establishing, key=index.label), lambda owner: (
                self.link(owner), [self._paragraph_link(c) for c in establishing[owner]])),
            "lists": lists,
        }

    def statements(self) -> dict[str, Any]:
        """Every statement about the node and every statement pointing to it, by property."""
        index, iri = self.index, self.iri
        out: dict[str, list[object]] = defaultdict(list)
        for t in index.out.get(iri, ()):
            if t.predicate.value != TYPE:
                out[t.predicate.value].append(t.object)
        return {
            "evidence": self.evidence() if index.evidence else None,
            "statements": [(self.term(NamedNode(prop)), listing(out[prop], self.term))
                           for prop in sorted(out, key=curie)],
            "referenced_by": self.referenced_by(iri),
        }

    def referenced_by(self, iri: str) -> list[tuple[Term, Listing]]:
        """The statements pointing to a node, by property: the subjects of each (not the evidence, which
        has its own section, nor, for a clause, its instrument's clx:hasClause: the page is that)."""
        index = self.index
        owner = index.clause_owner.get(iri)
        into: dict[str, list[str]] = defaultdict(list)
        for t in index.into.get(iri, ()):
            subject = node_iri(t.subject)
            if subject not in index.evidence and not (subject == owner and t.predicate.value == CLX.hasClause):
                into[t.predicate.value].append(subject)
        return [(self.term(NamedNode(prop)), listing(sorted(set(into[prop])), self.link))
                for prop in sorted(into, key=curie)]


def _ordinal_key(clause: str) -> tuple[int, int, str]:
    match = re.search(r"/(pre|op)/(\d+)$", clause)
    if not match:
        return (2, 0, clause)
    return (0 if match.group(1) == "pre" else 1, int(match.group(2)), clause)


def footnotes(index: Index, clause: str) -> list[tuple[str, str]]:
    """A clause's footnotes, each once, as (language or '', text), sorted."""
    return sorted({(n.language or "", str(n.value)) for n in index.values(clause, CLX.footnote)
                   if isinstance(n, Literal)})


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
                       for i in index.iris_of(s, CLX.records)}, key=index.by_label)
    bodies = sorted((i for i in index.iris() if index.is_body(i)), key=index.label)

    def link(iri: str) -> Term:  # from the root of the site
        return Term(index.label(iri), urllib.parse.quote(tail(iri, index.base), safe="/-._~") + "/")

    return html_template("pages/home.html").render(
        base=index.base, instruments=[(link(i), index.text(i, DCTERMS.title)) for i in recorded],
        bodies=[link(b) for b in bodies], dataset=index.knows(index.base + "dataset"))


def not_found(iri: str) -> str:
    """A 404 page."""
    return html_template("pages/not_found.html").render(iri=iri)


def see_other(location: str) -> str:
    """The body of a 303 answer: a link to where the thing's page or data is."""
    return html_template("pages/see_other.html").render(location=location)
