"""The graph of the linked-data pages, indexed: its triples by subject and by object, the labels of
its nodes, and the description of an IRI that its page's Turtle and JSON-LD twins hold."""

from __future__ import annotations

import urllib.parse
from collections import defaultdict
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, NamedNode, RdfFormat, Store, Triple, serialize

from cyberlex import jsonld
from cyberlex.evidence import with_evidence
from cyberlex.vocab import (
    CLX,
    DCTERMS,
    DEFAULT_BASE,
    DESCRIPTION_VOCABULARIES,
    ELI,
    OA,
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
HAS_CLAUSE = CLX.hasClause


# -- the graph, indexed ----------------------------------------------------------------------------

class Index:
    """The triples of the graph by subject and by object, with the base IRI of its pages."""

    def __init__(self, triples: Iterable[Triple], base: str) -> None:
        self.base = base
        self.out: dict[str, list[Triple]] = defaultdict(list)
        self.into: dict[str, list[Triple]] = defaultdict(list)
        has_clause: list[Triple] = []
        for triple in triples:
            self.out[node_iri(triple.subject)].append(triple)
            if isinstance(triple.object, NamedNode):
                self.into[triple.object.value].append(triple)
                if triple.predicate.value == HAS_CLAUSE:
                    has_clause.append(triple)
        self._labels: dict[str, str] = {}
        self._paths: dict[str, str] = {}
        self._by_property: dict[str, dict[str, list[Any]]] = {}  # a node's objects by property, when first asked
        self._iris_of: dict[tuple[str, str], list[str]] = {}  # iris_of's answers, kept (asked again on every page)
        self._texts: dict[tuple[str, str], str | None] = {}  # text's answers, kept
        self._subjects: dict[str, dict[str, list[str]]] = {}  # the subjects pointing to a node by property, sorted
        self._evidence_of: dict[str, list[str]] = {}
        self.evidence_orders: dict[str, tuple[str, str, int, int, str]] = {}  # see evidence_order
        # A clause has no page of its own: it is a section of its instrument's page (at clause_anchor), so
        # that the site has a page per instrument, not one per paragraph. Its owner under the base.
        self.clause_owner: dict[str, str] = {}
        for triple in has_clause:
            owner, clause = node_iri(triple.subject), node_iri(triple.object)
            if owner.startswith(base) and clause.startswith(base) and owner != clause:
                self.clause_owner[clause] = min(owner, self.clause_owner.get(clause, owner))
        self.clauses_of: dict[str, list[str]] = defaultdict(list)
        for clause, owner in sorted(self.clause_owner.items()):
            self.clauses_of[owner].append(clause)
        # Evidence has no page of its own: each statement (linked by clx:evidence to the clx:Evidence node
        # of the span it was read from) is a row, at its anchor, on the page of the node it is about (its
        # rdf:subject) and on the page of its source document; a span leads to its source document's page.
        self.statements: set[str] = {node_iri(t.subject) for t in self.into_property(CLX.evidence)}
        self.evidence: set[str] = self.statements | {node_iri(t.subject) for t in self.into.get(CLX.Evidence, ())
                                                     if t.predicate.value == TYPE}

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
        return sorted(found - self.evidence - self.clause_owner.keys())

    def path(self, iri: str) -> str:
        """The path of an IRI's page below the site's root, %-encoded (a link's; kept once made)."""
        found = self._paths.get(iri)
        if found is None:
            found = self._paths[iri] = urllib.parse.quote(tail(iri, self.base), safe="/-._~")
        return found

    def page_of(self, iri: str) -> tuple[str, str]:
        """The page that shows an IRI and the anchor on it ('' for the IRI's own page): a clause is a
        section of its instrument's page, an evidence node a row of the page of what it supports."""
        if iri in self.clause_owner:
            return self.clause_owner[iri], clause_anchor(iri)
        if iri in self.evidence:
            return self.evidence_page(iri), evidence_anchor(iri)
        return iri, ""

    def shown_on(self, iri: str) -> list[str]:
        """The nodes a page shows: its own, and an instrument's clauses."""
        return [iri, *self.clauses_of.get(iri, ())]

    def into_property(self, prop: str) -> list[Triple]:
        """The triples of a property whose object is an IRI (found through the objects' index)."""
        return [t for triples in self.into.values() for t in triples if t.predicate.value == prop]

    def span(self, node: str) -> str:
        """The clx:Evidence node (the span) of a statement; a span is its own."""
        spans = self.iris_of(node, CLX.evidence)
        return spans[0] if spans else node

    def evidence_page(self, node: str) -> str:
        """The IRI of the page that shows a statement of the evidence: that of the node it is about (its
        rdf:subject) when that node has a page, else that of its source document (a span's too)."""
        for subject in self.iris_of(node, RDF.subject):
            if subject.startswith(self.base) and subject != self.base and subject not in self.evidence:
                return self.clause_owner.get(subject, subject)
        sources = self.iris_of(self.span(node), PROV.wasDerivedFrom)
        return sources[0] if sources else node.rsplit("/evidence/", 1)[0]

    def evidence_of(self, iri: str) -> list[str]:
        """The statements of the evidence a page shows: those about the node (and, on an instrument's page,
        about each of its clauses) and, on a source document's page, those read from it (from its spans).
        In reading order (see evidence_order)."""
        found = self._evidence_of.get(iri)
        if found is None:  # a page asks for it, and so do its Turtle and JSON-LD
            found = self._evidence_of[iri] = self._find_evidence(iri)
        return found

    def _find_evidence(self, iri: str) -> list[str]:
        nodes = {node_iri(t.subject) for shown in self.shown_on(iri) for t in self.into.get(shown, ())
                 if t.predicate.value == RDF.subject and node_iri(t.subject) in self.statements}
        for span in self.subjects(PROV.wasDerivedFrom, iri):
            if span in self.evidence:
                nodes.update(s for s in self.subjects(CLX.evidence, span) if s in self.statements)
        return sorted(nodes, key=lambda node: evidence_order(self, node))

    def knows(self, iri: str) -> bool:
        """Whether the graph has the IRI (as subject or object)."""
        return iri in self.out or iri in self.into

    def values(self, iri: str, prop: str) -> list[Any]:
        """The objects of (iri, prop, ?) (a list the index keeps: not to be changed)."""
        by_property = self._by_property.get(iri)
        if by_property is None:  # asked millions of times while a site is written: a node's triples sorted once
            by_property = defaultdict(list)
            for t in self.out.get(iri, ()):
                by_property[t.predicate.value].append(t.object)
            self._by_property[iri] = by_property
        return by_property.get(prop, [])

    def iris_of(self, iri: str, prop: str) -> list[str]:
        """The IRI objects of (iri, prop, ?), sorted (a list the index keeps: not to be changed)."""
        found = self._iris_of.get((iri, prop))
        if found is None:
            found = self._iris_of[iri, prop] = sorted({o.value for o in self.values(iri, prop)
                                                       if isinstance(o, NamedNode)})
        return found

    def subjects(self, prop: str, iri: str) -> list[str]:
        """The subjects of (?, prop, iri), sorted (a list the index keeps: not to be changed)."""
        by_property = self._subjects.get(iri)
        if by_property is None:  # a source document is pointed to by each of its thousands of spans: gone through once
            gathered: dict[str, set[str]] = defaultdict(set)
            for t in self.into.get(iri, ()):
                gathered[t.predicate.value].add(node_iri(t.subject))
            by_property = self._subjects[iri] = {name: sorted(found) for name, found in gathered.items()}
        return by_property.get(prop, [])

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
        key = (iri, prop)
        if key in self._texts:
            return self._texts[key]
        literals = [o for o in self.values(iri, prop) if isinstance(o, Literal)]
        found = None
        if literals:
            literals.sort(key=lambda lit: (lit.language != "en", lit.language is not None, lit.language or "",
                                           lit.value))
            found = str(literals[0].value)
        self._texts[key] = found
        return found

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

    def by_label(self, iri: str) -> tuple[str, str]:
        """The order of a set of nodes on a page: by label, then by IRI. (By label alone, two nodes
        with the same label came in the set's order, which changes from run to run with the hash seed.)"""
        return (self.label(iri), iri)

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
            return self.text(iri, CLX.fileName) or tail(iri, self.base)
        if ELI.LegalExpression in types:
            works = self.iris_of(iri, ELI.realizes)
            return f"{self.label(works[0]) if works else '?'} ({iri.rsplit('/', 1)[-1]})"
        for prop in (DCTERMS.identifier, SKOS.prefLabel, RDFS.label, DCTERMS.title,
                     "http://xmlns.com/foaf/0.1/name"):
            value = self.text(iri, prop)
            if value:
                return value
        return tail(iri, self.base) if iri.startswith(self.base) else curie(iri)


def clause_anchor(clause: str) -> str:
    """The anchor of a clause on its instrument's page: ``<instrument>/op/2`` is ``op-2`` (what the
    server rules compute from the IRI alone)."""
    return "-".join(clause.rsplit("/", 2)[-2:])


def evidence_anchor(node: str) -> str:
    """The anchor of a statement of the evidence on the pages that show it: ``<base>source/<doc>/evidence/<a>/<b>/<c>``
    is ``ev-<doc>-<a>-<b>-<c>``; that of a span ``<base>source/<doc>/evidence/<a>`` (on its source document's
    page, at the first statement read from it) ``ev-<doc>-<a>`` (what the server rules compute from the IRI alone)."""
    doc, _, rest = node.rpartition("/evidence/")
    return "ev-" + "-".join([doc.rsplit("/", 1)[-1], *rest.split("/")])


def _number(text: str | None) -> int:
    return int(text) if text is not None and text.isdigit() else -1


def evidence_language(index: Index, node: str) -> str:
    """The language of the document a statement of the evidence (or a span) was read in ('' where not stated)."""
    for source in index.iris_of(index.span(node), PROV.wasDerivedFrom):
        language = index.text(source, DCTERMS.language)
        if language:
            return language
    return ""


def evidence_order(index: Index, node: str) -> tuple[str, str, int, int, str]:
    """Evidence in reading order: by language, document, then start and end offsets as numbers
    (as text, 1033 came before 109); a statement's are its span's. Kept once found: a node is sorted on
    two pages and two twins."""
    order = index.evidence_orders.get(node)
    if order is None:
        span = index.span(node)
        sources = index.iris_of(span, PROV.wasDerivedFrom)
        order = (evidence_language(index, node), sources[0] if sources else "",
                 _number(index.text(span, OA.start)), _number(index.text(span, OA.end)), node)
        index.evidence_orders[node] = order
    return order


def infer_base(triples: Iterable[Triple]) -> str:
    """The base IRI of a built graph, read off its source documents (``<base>source/<slug>``)."""
    for triple in triples:
        if triple.predicate.value == TYPE and triple.object == NamedNode(CLX.SourceDocument):
            iri = node_iri(triple.subject)
            if "/source/" in iri:
                return iri.rsplit("/source/", 1)[0] + "/"
    return DEFAULT_BASE


def node_iri(node: object) -> str:
    """The IRI (or blank node id) of a subject as a string."""
    return str(getattr(node, "value", node))


def tail(iri: str, base: str) -> str:
    """An IRI relative to the base (its page's path in the site); an IRI outside the base as it is."""
    return iri[len(base):] if iri.startswith(base) else iri


@cache  # the same few predicates and classes, on every page
def curie(iri: str) -> str:
    """An IRI as prefix:name where a known prefix fits, else the IRI."""
    # the vocabularies of the dataset description (cyberlex.release.describe) too
    return compact(iri, {**vocabulary_prefixes(), **DESCRIPTION_VOCABULARIES}, unknown=str)


# -- what a page's twins hold ----------------------------------------------------------------------

def description(index: Index, iri: str) -> list[Triple]:
    """The triples about an IRI: those it is the subject or object of, the statements about the
    clauses and reservations it has (so an instrument's Turtle carries its text) and those pointing to
    its clauses (a clause has no page of its own: its IRI leads to its instrument's twins), and every triple of
    the evidence its page shows (that of its own statements; on a source document's, all read from it),
    so that the Turtle of the page an evidence IRI redirects to describes it. Sorted."""
    triples = set(index.out.get(iri, ())) | set(index.into.get(iri, ()))
    for clause in index.clauses_of.get(iri, ()):  # the clauses shown on the page: what points to them too
        triples.update(index.into.get(clause, ()))
    for prop in (CLX.hasClause, CLX.hasReservation):
        for child in index.iris_of(iri, prop):
            triples.update(index.out.get(child, ()))
    for node in index.evidence_of(iri):
        triples.update(index.out.get(node, ()))
        triples.update(index.out.get(index.span(node), ()))
    return sorted(triples, key=str)


def turtle(index: Index, iri: str, described: list[Triple] | None = None) -> bytes:
    """The description of an IRI as Turtle (``described``: that description, when already made)."""
    triples = description(index, iri) if described is None else described
    return serialize(triples, format=RdfFormat.TURTLE, prefixes=vocabulary_prefixes()) or b""


def json_ld(index: Index, iri: str, described: list[Triple] | None = None) -> bytes:
    """The description of an IRI as JSON-LD (``described``: that description, when already made)."""
    return jsonld.to_bytes(description(index, iri) if described is None else described, base=index.base)


def load_index(data: Path) -> Index:
    """The Index of a build or release folder (its graph.trig with its evidence.trig, else graph.ttl; a
    release's dataset.ttl too, so the dataset's IRIs have pages) or of an RDF file."""
    store = Store()
    if data.is_dir():
        graph = next((data / n for n in ("graph.trig", "graph.ttl", "graph.nt") if (data / n).is_file()), None)
        if graph is None:
            raise FileNotFoundError(f"{data}: no graph.trig, graph.ttl or graph.nt in this folder")
        files = with_evidence(graph) + ([data / "dataset.ttl"] if (data / "dataset.ttl").is_file() else [])
    else:
        files = [data]
    for file in files:
        fmt = RdfFormat.from_extension(file.suffix.lstrip(".")) or RdfFormat.TURTLE
        store.bulk_load(path=str(file), format=fmt)
    return Index.from_store(store)
