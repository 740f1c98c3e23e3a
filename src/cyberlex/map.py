"""Stage 5, map: an Extraction becomes RDF quads, as the mapping in mappings/rdf.toml says.

Each document's statements go to a named graph named by its source document's IRI; names and
Wikidata identifiers of the gazetteer entities it uses, and the facts the gazetteer states of them, go to the
named graph `id:graph/gazetteer`.
Every statement gets evidence, in the document's evidence graph (`<document graph>/evidence`): a reified
statement linked to the span of text it was read from (one clx:Evidence node per span: source document,
offsets, quote). What a marked-up source states beside its text (subject keywords, FRBR identifiers, the
vote) has none.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from pyoxigraph import Literal, NamedNode, Quad

from cyberlex.evidence import evidence_graph
from cyberlex.knowledge import Entry, gazetteer
from cyberlex.models import ClauseRecord, Extraction, RecordedVote, Ref, Span
from cyberlex.resolve import instrument_for_symbol, ref_for_entry, slug
from cyberlex.resources import data_path
from cyberlex.vocab import DEFAULT_BASE, RDF, XSD, expand

RDF_TYPE = NamedNode(RDF.type)

@cache
def mapping() -> dict[str, Any]:
    """The mapping table (mappings/rdf.toml)."""
    with (data_path("mappings") / "rdf.toml").open("rb") as handle:
        return tomllib.load(handle)


@cache
def term(curie: str) -> NamedNode:
    """A CURIE over the declared prefixes as an IRI."""
    return NamedNode(expand(curie))


@dataclass(frozen=True)
class Mapper:
    """Maps extractions under one base IRI."""

    base: str = DEFAULT_BASE

    def iri(self, key: str) -> NamedNode:
        """The IRI of an entity key."""
        return NamedNode(self.base + key)

    def source_iri(self, file_name: str) -> NamedNode:
        """The IRI of a source document (also the name of its graph)."""
        return NamedNode(f"{self.base}source/{slug(file_name).lower()}")

    def gazetteer_graph(self) -> NamedNode:
        """The named graph of reference data from the gazetteer."""
        return NamedNode(self.base + "graph/gazetteer")

    def entity_quads(self, ref: Ref, graph: NamedNode, lang: str) -> Iterator[Quad]:
        """The type and names of an entity: in `graph` as the document has it, and, for an entity of the
        gazetteer, what the gazetteer says of it (gazetteer_quads) in the gazetteer's graph."""
        table = mapping()["entity"]
        node = self.iri(ref.key)
        yield Quad(node, RDF_TYPE, term(table["class_namespace"] + ref.cls), graph)
        key = ref.key
        entry = gazetteer().get(key.split("/", 1)[1]) if key.startswith(("body/", "state/", "instrument/")) else None
        if ref.identifier:
            yield Quad(node, term(table["identifier"]), Literal(ref.identifier), graph)
        if entry is None:
            if ref.label:
                yield Quad(node, term(table["prefLabel"]), Literal(ref.label, language=ref.lang or lang), graph)
            return
        yield from _DESCRIBED.quads(self, entry)

    def gazetteer_quads(self, entry: Entry, described: set[str] | None = None) -> Iterator[Quad]:
        """What the gazetteer says of an entry, in the gazetteer's graph: its class, names in every
        language, acronyms, Wikidata link and the facts of mappings/rdf.toml's [gazetteer] table; and
        so of every entry those facts point to (a parent body, an adopting body), each described once."""
        described = set() if described is None else described
        if entry.key in described:
            return
        described.add(entry.key)
        table = mapping()["entity"]
        node = self.iri(ref_for_entry(entry).key)
        reference = self.gazetteer_graph()
        yield Quad(node, RDF_TYPE, term(table["class_namespace"] + entry.cls), reference)
        for label_lang, labels in sorted(entry.labels.items()):
            yield Quad(node, term(table["prefLabel"]), Literal(labels[0], language=label_lang), reference)
            for label in labels[1:]:
                yield Quad(node, term(table["altLabel"]), Literal(label, language=label_lang), reference)
        for acronym in (*entry.acronyms, *entry.identifiers):
            yield Quad(node, term(table["notation"]), Literal(acronym), reference)
        if entry.wikidata:
            yield Quad(node, term(table["sameAs"]), term(table["wikidata"] + entry.wikidata), reference)
        for field_name, fact in sorted(mapping()["gazetteer"].items()):
            value = entry.extra.get(field_name)
            if value is None:
                continue
            if fact["object"] == "date":
                yield Quad(node, term(fact["property"]), Literal(str(value), datatype=NamedNode(XSD.date)),
                           reference)
            elif str(value) in gazetteer():  # the key of another entry
                target = gazetteer()[str(value)]
                yield Quad(node, term(fact["property"]), self.iri(ref_for_entry(target).key), reference)
                yield from self.gazetteer_quads(target, described)
            else:  # an instrument by its symbol: its class and identifier, as for a cited symbol
                ref = instrument_for_symbol(str(value))
                target_node = self.iri(ref.key)
                yield Quad(node, term(fact["property"]), target_node, reference)
                yield Quad(target_node, RDF_TYPE, term(table["class_namespace"] + ref.cls), reference)
                yield Quad(target_node, term(table["identifier"]), Literal(ref.identifier or str(value)), reference)

    def map(self, extraction: Extraction) -> list[Quad]:
        """All quads of one document, its gazetteer reference data included."""
        return list(_DocumentMapper(self, extraction).quads())


class _DescribedEntries:
    """What the gazetteer says of each entry (Mapper.gazetteer_quads), by base IRI and entry key: the same
    quads for every document that names the entry, so made once a process rather than once a document (and
    made again where the gazetteer or the mapping table was loaded again)."""

    def __init__(self) -> None:
        self.made_from: tuple[object, object] | None = None
        self.made: dict[tuple[str, str], tuple[Quad, ...]] = {}

    def quads(self, mapper: Mapper, entry: Entry) -> tuple[Quad, ...]:
        tables = (gazetteer(), mapping())
        if self.made_from is None or any(a is not b for a, b in zip(tables, self.made_from, strict=True)):
            self.made_from, self.made = tables, {}
        key = (mapper.base, entry.key)
        found = self.made.get(key)
        if found is None:
            found = self.made[key] = tuple(mapper.gazetteer_quads(entry))
        return found


_DESCRIBED = _DescribedEntries()


class _DocumentMapper:
    def __init__(self, mapper: Mapper, extraction: Extraction) -> None:
        self.mapper = mapper
        self.ex = extraction
        self.source = extraction.source
        self.graph = mapper.source_iri(self.source.file_name)
        self.lang = self.source.language
        self.table = mapping()
        self.entities: dict[str, Ref] = {}
        self.evidence: list[tuple[Span, NamedNode, NamedNode, NamedNode | Literal]] = []

    def quad(self, s: NamedNode, p: NamedNode, o: NamedNode | Literal) -> Quad:
        return Quad(s, p, o, self.graph)

    def node(self, ref: Ref) -> NamedNode:
        self.entities.setdefault(ref.key, ref)
        return self.mapper.iri(ref.key)

    def quads(self) -> Iterator[Quad]:
        yield from self._source()
        yield from self._statements()
        yield from self._clauses()
        yield from self._reservations()
        yield from self._expressions()
        yield from self._markup()
        yield from self._entities()
        yield from self._evidence()

    def _source(self) -> Iterator[Quad]:
        table = self.table["source"]
        doc = self.graph
        yield self.quad(doc, RDF_TYPE, term(table["class"]))
        yield self.quad(doc, term(table["fileName"]), Literal(self.source.file_name))
        yield self.quad(doc, term(table["sha256"]), Literal(self.source.sha256))
        yield self.quad(doc, term(table["language"]), Literal(self.lang, datatype=NamedNode(XSD.language)))
        yield self.quad(doc, term(table["format"]), Literal(self.source.media_type))
        for record in self.ex.records:
            yield self.quad(doc, term(table["records"]), self.node(record))
        for ref, span in sorted(self.ex.mentions.items(), key=lambda item: item[0].key):
            obj = self.node(ref)
            yield self.quad(doc, term(table["mentions"]), obj)
            self.evidence.append((span, doc, term(table["mentions"]), obj))

    def _statements(self) -> Iterator[Quad]:
        for statement in self.ex.statements:
            rule = self.table["statements"][statement.predicate]
            subject = self.node(statement.subject)
            prop = term(rule["property"])
            obj: NamedNode | Literal
            if rule["object"] == "entity":
                assert isinstance(statement.obj, Ref)
                obj = self.node(statement.obj)
            elif rule["object"] == "text":
                obj = Literal(str(statement.obj), language=self.lang)
            elif rule["object"] == "typed":
                obj = Literal(str(statement.obj), datatype=term(rule["datatype"]))
            else:
                obj = Literal(str(statement.obj))
            yield self.quad(subject, prop, obj)
            self.evidence.append((statement.span, subject, prop, obj))

    def _clause_node(self, clause: ClauseRecord) -> NamedNode:
        return self.mapper.iri(clause.key)

    def _clauses(self) -> Iterator[Quad]:
        table = self.table["clause"]
        # (the terms are taken once, not once a clause: a document has dozens)
        has_clause, ordinal, text, opening, footnote_of = (term(table[name]) for name in (
            "hasClause", "ordinal", "text", "openingPhrase", "footnote"))
        integer = NamedNode(XSD.integer)
        for clause in self.ex.clauses:
            node = self._clause_node(clause)
            owner = self.node(clause.instrument)
            yield self.quad(owner, has_clause, node)
            yield self.quad(node, RDF_TYPE, term(table["classes"][clause.kind]))
            yield self.quad(node, ordinal, Literal(str(clause.ordinal), datatype=integer))
            if clause.text is not None and clause.span is not None:
                yield self.quad(node, text, Literal(clause.text, language=self.lang))
                self.evidence.append((clause.span, owner, has_clause, node))
            if clause.opening_phrase:
                yield self.quad(node, opening, Literal(clause.opening_phrase, language=self.lang))
            for footnote in clause.footnotes:
                yield self.quad(node, footnote_of, Literal(footnote, language=self.lang))

    def _reservations(self) -> Iterator[Quad]:
        table = self.table["reservation"]
        for reservation in self.ex.reservations:
            node = self.mapper.iri(reservation.key)
            owner = self.node(reservation.instrument)
            yield self.quad(owner, term(table["hasReservation"]), node)
            yield self.quad(node, RDF_TYPE, term(table["class"]))
            yield self.quad(node, term(table["madeBy"]), self.node(reservation.state))
            yield self.quad(node, term(table["concerns"]), self._clause_node(reservation.clause))
            yield self.quad(node, term(table["text"]), Literal(reservation.text, language=self.lang))
            for prop in ("hasReservation", "madeBy", "concerns"):
                subject = owner if prop == "hasReservation" else node
                obj = {"hasReservation": node, "madeBy": self.node(reservation.state),
                       "concerns": self._clause_node(reservation.clause)}[prop]
                self.evidence.append((reservation.span, subject, term(table[prop]), obj))

    def _expressions(self) -> Iterator[Quad]:
        """The language version this document carries of each instrument it records (ELI/FRBR)."""
        table = self.table["expression"]
        titles = {s.subject.key: str(s.obj) for s in self.ex.statements if s.predicate == "title"}
        for record in self.ex.records:
            work = self.node(record)
            expression = self.mapper.iri(f"{record.key}/{table['path']}/{self.lang}")
            yield self.quad(expression, RDF_TYPE, term(table["class"]))
            yield self.quad(work, term(table["is_realized_by"]), expression)
            yield self.quad(expression, term(table["realizes"]), work)
            yield self.quad(expression, term(table["is_embodied_by"]), self.graph)
            code = table["languages"].get(self.lang)
            if code:
                yield self.quad(expression, term(table["language"]), NamedNode(table["language_authority"] + code))
            if record.key in titles:
                yield self.quad(expression, term(table["title"]), Literal(titles[record.key], language=self.lang))

    def _markup(self) -> Iterator[Quad]:
        """What a marked-up source states beside its text: subject concepts, FRBR IRIs, the recorded vote
        (no evidence: the markup says them, no span of the text)."""
        facts = self.ex.markup
        if facts is None:
            return
        table = self.table["markup"]
        instrument = self.mapper.iri(facts.instrument.key)
        for iri in facts.subjects:
            yield self.quad(instrument, term(table["subject"]), NamedNode(iri))
        frbr = table["frbr"]
        for level, iri in facts.frbr.items():
            holder = instrument if frbr[level]["of"] == "instrument" else self.graph
            yield self.quad(holder, term(frbr[level]["property"]), Literal(iri, datatype=term(frbr["datatype"])))
        if facts.vote is not None:
            yield from self._vote(instrument, facts.vote)

    def _vote(self, instrument: NamedNode, vote: RecordedVote) -> Iterator[Quad]:
        table = self.table["markup"]["vote"]
        node = NamedNode(f"{instrument.value}/{table['path']}")
        yield self.quad(instrument, term(table["vote"]), node)
        yield self.quad(node, RDF_TYPE, term(table["class"]))
        yield self.quad(node, term(table["outcome"]), Literal(vote.outcome))
        for kind, count_property in table["counts"].items():
            if kind in vote.counts:
                yield self.quad(node, term(count_property),
                                Literal(str(vote.counts[kind]), datatype=term(table["count_datatype"])))
        for kind, voter_property in table["voters"].items():
            for state in vote.voters.get(kind, []):
                yield self.quad(node, term(voter_property), self.mapper.iri(state.key))
                yield from self.mapper.entity_quads(state, self.graph, self.lang)

    def _entities(self) -> Iterator[Quad]:
        """Types and names of every entity used: from the gazetteer, or as found in this document."""
        for key in sorted(self.entities):
            if "/op/" not in key and "/pre/" not in key:
                yield from self.mapper.entity_quads(self.entities[key], self.graph, self.lang)

    def _evidence(self) -> Iterator[Quad]:
        """The evidence of the document's statements, in its evidence graph: one clx:Evidence node per span
        (source, offsets, quote) and one reified statement per fact, pointing to the span it was read from."""
        table = self.table["evidence"]
        text = self.source.text
        graph = NamedNode(evidence_graph(self.graph.value))
        ordered = sorted(set(self.evidence), key=lambda e: (e[0].start, e[0].end, str(e[1]), str(e[2]), str(e[3])))
        # (the terms are taken once, not once a statement: a document has thousands)
        evidence_class, source, start, end, exact = (term(table[name]) for name in (
            "class", "source", "start", "end", "exact"))
        subject_of, predicate_of, object_of, evidence_of = (term(table[name]) for name in (
            "subject", "predicate", "object", "evidence"))
        offset_type = NamedNode(XSD.nonNegativeInteger)
        max_quote = table["max_quote"]
        local_names: dict[str, str] = {}
        # The IRIs say where and what ("…/evidence/492-592" the span, "…/evidence/492-592/hasClause/1" a
        # statement read from it), so that they do not change when another statement of the document is
        # added or removed; a statement's IRI names the same statement as before spans were shared.
        spans: set[tuple[int, int]] = set()
        seen: dict[str, int] = {}
        for span, subject, prop, obj in ordered:
            where = f"{graph.value}/{span.start}-{span.end}"
            span_node = NamedNode(where)
            if (span.start, span.end) not in spans:
                spans.add((span.start, span.end))
                quote = " ".join(text[span.start:span.end].split())[:max_quote]
                yield Quad(span_node, RDF_TYPE, evidence_class, graph)
                yield Quad(span_node, source, self.graph, graph)
                yield Quad(span_node, start, Literal(str(span.start), datatype=offset_type), graph)
                yield Quad(span_node, end, Literal(str(span.end), datatype=offset_type), graph)
                if quote:
                    yield Quad(span_node, exact, Literal(quote), graph)
            local = local_names.get(prop.value)
            if local is None:
                local = local_names[prop.value] = prop.value.rsplit('#', 1)[-1].rsplit('/', 1)[-1]
            name = f"{where}/{local}"
            seen[name] = seen.get(name, 0) + 1
            node = NamedNode(f"{name}/{seen[name]}")
            yield Quad(node, subject_of, subject, graph)
            yield Quad(node, predicate_of, prop, graph)
            yield Quad(node, object_of, obj, graph)
            yield Quad(node, evidence_of, span_node, graph)
