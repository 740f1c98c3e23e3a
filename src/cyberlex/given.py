"""What a structured source states outright (cyberlex.models.Given), put to use around the text stages.

For a source read from markup (Akoma Ntoso), ``segments_of`` gives the Segments the markup already
holds, so segment() is skipped and extract() runs unchanged on the rendered text and its offsets.
``merge_given`` then adds to the Extraction what text extraction cannot see or may get wrong in a
language without a phrase table: citations from the document's links, and the symbol, title, date,
session, agenda item, meeting and adopting body that the markup states. ``given_quads`` writes the
markup's subject keywords and FRBR identifiers as RDF with standard terms.
"""

from __future__ import annotations

import re

from pyoxigraph import Literal, NamedNode, Quad

from cyberlex.iri import iri_problem
from cyberlex.map import Mapper
from cyberlex.models import ClauseRecord, Extraction, Given, Ref, Segments, SourceText, Span, Statement
from cyberlex.read_akn import symbol_of
from cyberlex.resolve import body_for_name, instrument_for_symbol, lookup_name, ref_for_entry
from cyberlex.vocab import CLX, DCTERMS, RDF, XSD

XSD_ANY_URI = NamedNode(XSD.anyURI)
# Facts of which an instrument has one: the markup's value replaces what text extraction found.
SINGLE = ("identifier", "title", "adoptionDate", "session", "agendaItem", "meeting")


def segments_of(source: SourceText) -> Segments | None:
    """The Segments a structured source's markup gives, or None for a source that needs segment()."""
    given = source.given
    if given is None:
        return None
    enacting_body = given.author
    if enacting_body is None and given.enacting_text:
        enacting_body = given.enacting_text.strip(" ,*").removeprefix("The ").strip() or None
    return Segments(
        source=source,
        plain=source.text,  # rendered from markup: there is no Markdown markup to blank out
        header=given.header,
        enacting=given.enacting,
        enacting_body=enacting_body,
        paragraphs=[p for p in given.paragraphs],
        footnotes=list(given.footnotes),
        closing=given.closing,
        annexes=list(given.annexes),
        body_text=given.body_text,
    )


def merge_given(extraction: Extraction) -> Extraction:
    """Add to the extraction what the markup states; the same extraction, changed in place."""
    given = extraction.source.given
    if given is None or not extraction.records:
        return extraction
    record = extraction.records[0]
    _metadata(extraction, given, record)
    _link_citations(extraction, given, record)
    return extraction


def _metadata(extraction: Extraction, given: Given, record: Ref) -> None:
    fallback = given.enacting or given.header
    if fallback.end <= fallback.start:
        fallback = Span(0, min(1, len(extraction.source.text)))
    for value in given.values:
        if value.predicate not in SINGLE:
            continue
        if value.predicate == "identifier" and record.identifier and _norm(record.identifier) != _norm(value.value):
            continue  # a collection's symbol ("A/RES/76/247 A-C") the record already carries in its own form
        written = _comparable(value.predicate, value.value, record)
        if written is None:
            continue  # the markup's value cannot be right (a date in year 1) or cannot be compared
        extraction.statements = [s for s in extraction.statements
                                 if not (s.subject == record and s.predicate == value.predicate)]
        lang = extraction.source.language if value.predicate == "title" else None
        extraction.statements.append(Statement(record, value.predicate, written, value.span or fallback, lang,
                                               value.datatype))
    if given.author:
        body = body_for_name(given.author, "en")
        if not any(s.subject == record and s.predicate == "adoptedBy" and s.obj == body
                   for s in extraction.statements):
            extraction.statements.append(Statement(record, "adoptedBy", body, given.enacting or fallback))
            extraction.mentions.setdefault(body, given.enacting or fallback)


def _comparable(predicate: str, value: str, record: Ref) -> str | None:
    """A markup value in the form every language version shares, as the text reading gives it: the
    meeting and session as numbers ("42e séance plénière" → "42"; the session from the symbol, A/RES/76/…
    → "76"); None for a value that cannot be right, such as the date 0001-01-01 of some German files."""
    if predicate == "meeting":
        number = re.search(r"\d+", value)
        return number.group() if number else None
    if predicate == "session":
        session = re.match(r"A/RES/((?:ES-|S-)?\d+)/", record.identifier or "")
        return session.group(1) if session else None
    if predicate == "adoptionDate" and not re.match(r"(?:19[4-9]\d|2\d\d\d)-", value):
        return None
    return value


def _link_citations(extraction: Extraction, given: Given, record: Ref) -> None:
    """Each link to a document (https://undocs.org/<symbol>) is a citation by the clause it stands in (or
    whose footnote it stands in), by the annex it stands in, or else by the instrument itself."""
    own = {_norm(record.identifier or ""), _norm(given.symbol or "")}
    clauses = {(c.kind, c.ordinal): c for c in extraction.clauses if c.instrument == record and c.span is not None}
    note_spans = {note.marker: note.span for note in given.footnotes}
    holders: list[tuple[Span, Ref]] = []
    for paragraph in given.paragraphs:
        clause = clauses.get((paragraph.kind, paragraph.ordinal))
        if clause is None:
            continue
        ref = _clause_ref(clause)
        holders.append((paragraph.span, ref))
        holders += [(note_spans[m], ref) for m in paragraph.footnote_markers if m in note_spans]
    annex_records = [r for r in extraction.records if r.key.startswith(record.key + "/annex")]
    for number, span in enumerate(given.annexes):
        if number < len(annex_records):
            holders.append((span, annex_records[number]))
    done = {(s.subject, s.obj) for s in extraction.statements if s.predicate == "cites"}
    for link in given.links:
        symbol = symbol_of(link.href)
        if symbol is None or _norm(symbol) in own:
            continue
        cited = instrument_for_symbol(symbol)
        subject = next((ref for span, ref in holders if span.start <= link.span.start and link.span.end <= span.end),
                       record)
        if (subject, cited) in done or cited.identifier is None or _norm(cited.identifier) in own:
            continue
        done.add((subject, cited))
        extraction.statements.append(Statement(subject, "cites", cited, link.span))
        extraction.mentions.setdefault(cited, link.span)


def _clause_ref(clause: ClauseRecord) -> Ref:
    return Ref(key=clause.key, cls="OperativeClause" if clause.kind == "operative" else "PreambularClause")


def _norm(symbol: str) -> str:
    return "".join(ch for ch in symbol.casefold() if ch.isalnum())


def given_quads(extraction: Extraction, mapper: Mapper) -> list[Quad]:
    """What the markup states beside the text, in the document's named graph: subject keywords
    (dcterms:subject → the UNBIS, EuroVoc or SDG concept), the Akoma Ntoso FRBR IRIs (clx:frbrWork on the
    instrument, clx:frbrExpression and clx:frbrManifestation on the source document), and the recorded
    vote (clx:vote → <instrument>/vote with its outcome, counts and the States by how they voted)."""
    given = extraction.source.given
    if given is None or not extraction.records:
        return []
    graph = mapper.source_iri(extraction.source.file_name)
    record = mapper.iri(extraction.records[0].key)
    quads = []
    for iri in sorted({k.iri for k in given.keywords if k.iri and k.iri.startswith(("http://", "https://"))}):
        problem = iri_problem(iri)  # a document's IRI becomes a node (and a page) only when it is sound
        if problem is not None:
            extraction.warnings.append(f"keyword IRI {iri!r} dropped: {problem}")
            continue
        quads.append(Quad(record, NamedNode(DCTERMS.subject), NamedNode(iri), graph))
    if given.frbr.get("work") and "/0001-01-01/" not in given.frbr["work"]:
        quads.append(Quad(record, NamedNode(CLX.frbrWork), Literal(given.frbr["work"], datatype=XSD_ANY_URI),
                          graph))
    for level, prop in (("expression", CLX.frbrExpression), ("manifestation", CLX.frbrManifestation)):
        if given.frbr.get(level):
            quads.append(Quad(graph, NamedNode(prop),
                              Literal(given.frbr[level], datatype=XSD_ANY_URI), graph))
    if given.vote is not None and given.vote.outcome:
        quads += _vote_quads(given, record, graph, mapper, extraction.source.language)
    return quads


# How the markup names the counts of a vote, and our properties for the count and for the voters.
VOTE_KINDS = {"inFavour": ("votesInFavour", "votedInFavour"), "against": ("votesAgainst", "votedAgainst"),
              "abstaining": ("abstentions", "abstained")}


def _vote_quads(given: Given, record: NamedNode, graph: NamedNode, mapper: Mapper,
                given_language: str) -> list[Quad]:
    assert given.vote is not None
    vote = NamedNode(record.value + "/vote")
    integer = NamedNode(XSD.integer)
    quads = [Quad(record, NamedNode(CLX.vote), vote, graph),
             Quad(vote, NamedNode(RDF.type), NamedNode(CLX.Vote), graph),
             Quad(vote, NamedNode(CLX.outcome), Literal(given.vote.outcome), graph)]
    for kind, (count_property, voter_property) in VOTE_KINDS.items():
        if kind in given.vote.counts:
            quads.append(Quad(vote, NamedNode(CLX[count_property]),
                              Literal(str(given.vote.counts[kind]), datatype=integer), graph))
        for name in given.vote.voters.get(kind, []):
            entry = lookup_name(name)
            if entry is None or entry.cls != "State":
                continue  # a voter the gazetteer does not know as a State is left out, not guessed
            state = ref_for_entry(entry)
            quads.append(Quad(vote, NamedNode(CLX[voter_property]), mapper.iri(state.key), graph))
            quads += mapper.entity_quads(state, graph, given_language)
    return quads
