"""Stage 3, extract: Segments become an Extraction (instrument, clauses, citations, bodies, facts).

Each statement keeps the span of text that says it. Names and numbers are turned into entities
by cyberlex.resolve; what counts as a citation, an establishment, an endorsement or a reservation
is read from the phrase tables of the document's language (mappings/lang/). For a source read from
markup (Akoma Ntoso), what the markup states outright is merged in at the end (merge_markup).
"""

from __future__ import annotations

import datetime as dt
import re

from cyberlex.extract.relations import Citation, find_relations, report_antecedents
from cyberlex.extract.relations import Paragraph as RelationParagraph
from cyberlex.iri import iri_problem
from cyberlex.knowledge import Language, languages, may_match_in
from cyberlex.models import (
    ClauseRecord,
    Extraction,
    Given,
    MarkupFacts,
    RecordedVote,
    Ref,
    ReservationRecord,
    Segments,
    Span,
    Statement,
)
from cyberlex.resolve import (
    bare_resolution_pattern,
    body_for_name,
    eu_document_pattern,
    eu_document_symbol,
    find_names,
    find_symbols,
    has_series,
    instrument_for_symbol,
    lookup_name,
    match_resolution_number,
    ref_for_entry,
    symbol_of_link,
)
from cyberlex.segment import marker_pattern

MARKDOWN = re.compile(r"<sup>\s*\d+\s*</sup>|\[([^\]]{0,1000})\]\([^)]{0,2000}\)|[*#]+")


def extract(segments: Segments) -> Extraction:
    """Everything one document says, as records and statements with their evidence; for a source read
    from markup, with what the markup states merged in (merge_markup)."""
    extraction = _Extractor(segments).run()
    if segments.source.given is not None:
        merge_markup(extraction, segments.source.given)
    return extraction


# A use of _Extractor.series_of_number: the number, the body read or written (None: read, not there), and
# whether it was written.
_SeriesUse = tuple[str, str | None, bool]


def _reference_patterns(lang: Language) -> tuple[re.Pattern[str], ...]:
    """The patterns of a language's resolution references: the resolution word, list joiners, a date, a
    list's aside, "its" before the word, and the words (resolution or not) that introduce a number."""
    return (re.compile(lang.get("resolution_word") + r"\s+"), re.compile(lang.get("list_joiners")),
            re.compile(lang.get("date_of")), re.compile(lang.get("list_aside")),
            re.compile(r"\b" + lang.get("its_word") + r"\s+$"),
            re.compile(rf"(?:{lang.get('resolution_word')}|{lang.get('not_resolution_word')})"))


# What may follow a symbol on its line: the parts the document holds ("A/RES/76/247 A-C"). Applied with
# fullmatch right after the symbol (never white space); the look-behind keeps a search linear on a long run
# of white space (tests/hostile: each position would otherwise take the whole run back one by one).
PARTS_HELD = re.compile(r"(?:(?<!\s)\s+[A-Z]{1,2}(?:\s?[-–]\s?[A-Z]{1,2})?)?")
MARKDOWN_CHARACTERS = "<[*#"  # every match of MARKDOWN holds one
SPACE_BEFORE_PUNCTUATION = re.compile(r"(?<!\s)\s+([,;:.)])")
# a paragraph's number and its full stop, at its start ("12. ", "*1.*  ")
PARAGRAPH_NUMBER = re.compile(r"^\s*+\**+\s*+[\dlI]{1,4}\s*\.\s+")


def clean(text: str) -> str:
    """Text without Markdown markup and with whitespace collapsed."""
    # (what the substitutions look for is looked for first: most clauses have neither markup nor a space
    # before their punctuation, and finding a character is far quicker than a substitution)
    if any(character in text for character in MARKDOWN_CHARACTERS):
        text = MARKDOWN.sub(lambda m: m.group(1) or "", text)
    text = " ".join(text.split())
    if any(" " + mark in text for mark in ",;:.)"):
        text = SPACE_BEFORE_PUNCTUATION.sub(r"\1", text)
    return text


class _Extractor:
    def __init__(self, segments: Segments) -> None:
        self.seg = segments
        self.source = segments.source
        self.text = segments.plain  # markup blanked out; offsets are those of the source text
        self.lang_code = segments.source.language
        self.lang: Language = languages().get(self.lang_code) or languages()["en"]
        self.out = Extraction(segments.source)
        self.record: Ref | None = None
        self.enacting_body: Ref | None = None
        self.record_span: Span | None = None  # where the record's symbol (or its number) is written
        self.series_of_number: dict[str, str] = {}  # resolution numbers read with a named body, and its key
        # what _references found in a span, with what it read and wrote of series_of_number on the way
        self.references_found: dict[Span, tuple[list[tuple[Span, Ref]], list[_SeriesUse]]] = {}
        self.series_uses: list[_SeriesUse] | None = None  # recorded while _references reads a span
        self.reference_patterns = _reference_patterns(self.lang)

    # -- the whole document ----------------------------------------------------------------
    def run(self) -> Extraction:
        if self.seg.enacting_body:
            self.enacting_body = body_for_name(self.seg.enacting_body, self.lang_code)
        self.record = self._recorded_instrument()
        if self.record is not None:
            self.out.records.append(self.record)
            self._metadata(self.record)
            self._annexes(self.record)  # first: a clause may adopt what is annexed
            self._clauses(self.record)
            self._reservations(self.record)
        self._mentions()
        if self.record is not None and not self.seg.paragraphs:
            # a document without clauses (a note, a statement) cites what it names
            self._citations(self.record, [self.seg.body_text], cite_names=True)
        return self.out

    def _say(self, subject: Ref, predicate: str, obj: Ref | str | int, span: Span, lang: str | None = None,
             datatype: str | None = None) -> None:
        self.out.statements.append(Statement(subject, predicate, obj, span, lang, datatype))

    def _mention(self, ref: Ref, span: Span) -> None:
        self.out.mentions.setdefault(ref, span)

    # -- what the document is ----------------------------------------------------------------
    def _recorded_instrument(self) -> Ref | None:
        header = self.seg.header
        if self.seg.enacting is None:
            header = self.seg.body_text
        head = self.text[header.start:header.end]
        for span, symbol in find_symbols(self.text, header.start, header.end):
            line = clean(_line_at(self.text, span.start))
            # "A/RES/76/247 A-C": a symbol line may name the parts the document holds
            if line.startswith(symbol) and PARTS_HELD.fullmatch(line, len(symbol)) and (
                    "/RES/" in symbol or self.seg.enacting is not None):
                self._check_heading(symbol, head)
                return instrument_for_symbol(line)
        if self.seg.enacting is not None:
            own = self._own_number(head)
            if own:
                self.record_span = self._first_span(own[0], header)
                return Ref(key=instrument_for_symbol(own[1]).key, cls="Resolution", identifier=own[1])
            title = self._title(header)
            if title:
                return Ref(key=f"instrument/{_slug_lower(title[1])}", cls="Resolution")
            return None
        eu = eu_document_pattern().search(head)
        if eu:
            kind = self._document_kind(head)
            symbol = eu_document_symbol(eu)
            return Ref(key=instrument_for_symbol(symbol).key, cls=kind or "Document", identifier=symbol)
        return None

    def _check_heading(self, symbol: str, head: str) -> None:
        """Warn where the cover page's symbol and the number the text gives itself disagree (a file
        filed under the wrong symbol): the symbol is kept, the reader is told."""
        own = self._own_number(head)
        if own is not None and own[1] != instrument_for_symbol(symbol).identifier:
            self.out.warnings.append(f"the cover page says {symbol} but the text is headed "
                                     f"{own[0]!r} ({own[1]}); recorded as {symbol}")

    def _document_kind(self, head: str) -> str | None:
        kinds: dict[str, str] = {}
        for lang in languages().values():
            kinds.update(lang.get("document_kinds", {}))
        for line in head.splitlines()[:40]:
            word = line.strip()
            if word in kinds:
                return kinds[word]
        return None

    def _own_number(self, head: str) -> tuple[str, str] | None:
        """The number the text gives itself ("76/10." before the title, "Resolution 22/7", "Resolution 2561
        (2021)"), as written and as the symbol it stands for in the series of the enacting body."""
        match = self.lang.search("title_line", head) or self.lang.search("resolution_heading", head)
        if not match:
            return None
        number = match.group("number")
        found = match_resolution_number(number, 0, _body_key(self.enacting_body))
        return (number, found[1]) if found and found[0].end() == len(number) else None

    def _title(self, header: Span) -> tuple[Span, str] | None:
        head = self.text[header.start:header.end]
        match = self.lang.search("title_line", head)
        if match:
            start = header.start + match.start("title")
            return Span(start, header.start + match.end("title")), clean(match.group("title"))
        heading = self.lang.search("resolution_heading", head)
        lines = []
        position = header.start + (heading.end() if heading else 0)
        for line_match in re.finditer(r"[^\n]+", self.text[position:header.end]):
            lines.append((position + line_match.start(), position + line_match.end(), line_match.group()))
        if heading:  # the title follows the heading, up to the enacting formula
            parts = [(s, e, t) for s, e, t in lines if t.strip()]
            if parts:
                return Span(parts[0][0], parts[-1][1]), clean(" ".join(t for _, _, t in parts))
            return None
        metadata = [p for name in ("adoption_line", "venue_date", "report_line", "session_line", "agenda_line")
                    for p in self.lang.patterns(name)]
        for start, end, line in reversed(lines):
            content = clean(line)
            if not content or (self.lang.pattern("header_noise", re.IGNORECASE).match(line) and len(content) < 40):
                continue
            if any(p.search(line) for p in metadata) or lookup_name(content) is not None:
                continue
            if re.fullmatch(r"[\d\s./()–-]+|\(.*\)|.*\d{4}\)?", content):
                continue  # a date, a number, a parenthesis
            if self.lang.pattern("not_title", re.IGNORECASE).fullmatch(content) or any(
                    True for _ in find_symbols(content)):
                continue
            return Span(start, end), content
        return None

    def _metadata(self, record: Ref) -> None:
        header = self.seg.header
        head = self.text[header.start:header.end]
        if record.identifier:
            self._say(record, "identifier", record.identifier,
                      self.record_span or self._first_span(record.identifier, header))
        if self.seg.enacting is None:
            self._note_metadata(record, header)
            return
        title = self._title(header)
        if title:
            self._say(record, "title", title[1], title[0], lang=self.lang_code)
        adoption = self.lang.search("adoption_line", head)
        body = self.enacting_body
        body_span = self.seg.enacting
        if adoption and body is None:
            body = body_for_name(adoption.group("body"), self.lang_code)
            body_span = Span(header.start + adoption.start("body"), header.start + adoption.end("body"))
        if body is not None and body_span is not None:
            self._say(record, "adoptedBy", body, body_span)
        date_match = adoption or self.lang.search("venue_date", head)
        if date_match:
            date = self._date(date_match.group("date"))
            if date:
                span = Span(header.start + date_match.start("date"), header.start + date_match.end("date"))
                self._say(record, "adoptionDate", date, span, datatype="date")
        elif self.seg.closing is not None:
            closing = self.text[self.seg.closing.start:self.seg.closing.end]
            found = self.lang.search("date_pattern", closing)
            if found and self._date(found.group()):
                span = Span(self.seg.closing.start + found.start(), self.seg.closing.start + found.end())
                self._say(record, "adoptionDate", self._date(found.group()) or "", span, datatype="date")
        # The session as numbered in the symbol ("A/RES/76/10": 76), read where the cover page names it
        # ("Seventy-sixth session"), so every language version gives the same value.
        session = re.match(r"A/RES/((?:ES-|S-)?\d+)/", record.identifier or "")
        found = self.lang.search("session_line", head)
        if session and found:
            span = Span(header.start + found.start("session"), header.start + found.end("session"))
            self._say(record, "session", session.group(1), span)
        found = self.lang.search("agenda_line", head)
        if found:
            span = Span(header.start + found.start("item"), header.start + found.end("item"))
            self._say(record, "agendaItem", " ".join(found.group("item").split()), span)
        if self.seg.closing is not None:
            closing = self.text[self.seg.closing.start:self.seg.closing.end]
            meeting = self.lang.search("meeting_line", closing)
            if meeting:
                span = Span(self.seg.closing.start + meeting.start("meeting"),
                            self.seg.closing.start + meeting.end("meeting"))
                number = re.search(r"\d+", meeting.group("meeting"))
                if number:  # the meeting's number, the same in every language ("42nd plenary meeting": 42)
                    self._say(record, "meeting", number.group(), span)
        report = self.lang.search("report_line", head)
        if report:
            for span, symbol in find_symbols(self.text, header.start + report.start("report"),
                                             header.start + report.end("report")):
                self._say(record, "onReport", instrument_for_symbol(symbol), span)
                break

    def _note_metadata(self, record: Ref, header: Span) -> None:
        """A note, letter or statement: who issued it ("From: …"), when ("Brussels, 3 March 2044"), and
        its subject line as its title."""
        head = self.text[header.start:header.end]
        issuer = self.lang.search("issuer_line", head)
        if issuer:
            body = body_for_name(issuer.group("body"), self.lang_code, self.lang.get("name_filler", []))
            self._say(record, "adoptedBy", body,
                      Span(header.start + issuer.start("body"), header.start + issuer.end("body")))
        dated = self.lang.search("issue_date_line", head)
        if dated and self._date(dated.group("date")):
            self._say(record, "adoptionDate", self._date(dated.group("date")) or "",
                      Span(header.start + dated.start("date"), header.start + dated.end("date")), datatype="date")
        subject = self.lang.search("subject_line", head)
        if subject:
            title = clean(subject.group("title"))
            self._say(record, "title", title,
                      Span(header.start + subject.start("title"), header.start + subject.end("title")),
                      lang=self.lang_code)

    def _first_span(self, needle: str, within: Span) -> Span:
        found = self.text.find(needle, within.start, within.end)
        if found < 0:
            found = self.text.find(needle)
        return Span(found, found + len(needle)) if found >= 0 else Span(within.start, max(within.end, 1))

    def _date(self, written: str) -> str | None:
        match = self.lang.search("date_pattern", written)
        if not match:
            return None
        month = self.lang.get("months", {}).get(match.group("month"))
        try:
            return dt.date(int(match.group("year")), int(month), int(match.group("day"))).isoformat()
        except (TypeError, ValueError):
            return None

    # -- clauses ----------------------------------------------------------------------------------
    def _clauses(self, record: Ref) -> None:
        notes = {note.marker: note for note in self.seg.footnotes}
        clause_refs: list[Ref] = []
        for paragraph in self.seg.paragraphs:
            raw = self.source.text[paragraph.span.start:paragraph.span.end]
            for marker in paragraph.footnote_markers:  # the marker glued to a word is not text
                raw = marker_pattern(marker).sub("", raw, count=1)
            body = PARAGRAPH_NUMBER.sub("", raw) if paragraph.kind == "operative" else raw
            clause = ClauseRecord(record, paragraph.kind, paragraph.ordinal, paragraph.span, clean(body),
                                  paragraph.opening_phrase)
            spans = [paragraph.span]
            for marker in paragraph.footnote_markers:
                note = notes.get(marker)
                if note is not None:
                    clause.footnotes.append(clean(self.source.text[note.span.start:note.span.end]))
                    spans.append(note.span)
            self.out.clauses.append(clause)
            clause_ref = _clause_ref(clause)
            self._citations(clause_ref, spans, cite_names=False)
            clause_refs.append(clause_ref)
        self._relations(record, list(zip(clause_refs, self._relation_paragraphs(), strict=True)))

    def _citations(self, subject: Ref, spans: list[Span], cite_names: bool) -> list[Statement]:
        """Cite what the spans name; return the citations made."""
        own = self.record.identifier if self.record else None
        seen: set[Ref] = set()
        made: list[Statement] = []
        for span in spans:
            references = self._references(span)
            # A clause cites by symbol or number; an instrument it names only by name ("the Charter of the
            # United Nations", "the Salvador Declaration") is a reference, kept apart from citations, except
            # in a document without clauses (a note), which cites what it names.
            named = [(where, ref) for where, ref in references if ref.key.startswith("instrument/")]
            found = [(where, ref) for where, ref in references if not ref.key.startswith("instrument/")]
            if cite_names:
                found += named
                if self.record is not None:
                    for match in eu_document_pattern().finditer(self.text, span.start, span.end):
                        symbol = eu_document_symbol(match)
                        if symbol != own:
                            found.append((Span(match.start(), match.end()), instrument_for_symbol(symbol)))
            for where, ref in sorted(found, key=lambda item: item[0].start):
                if ref.identifier == own or ref in seen:
                    continue
                seen.add(ref)
                self._say(subject, "cites", ref, where)
                made.append(self.out.statements[-1])
            if not cite_names:
                for where, ref in named:
                    if ref not in seen:
                        seen.add(ref)
                        self._say(subject, "refersTo", ref, where)
        return made

    def _resolution_references(self, span: Span) -> list[tuple[Span, Ref]]:
        """'its resolution 65/230', 'resolutions 55/63 of 4 December 2000 and 56/121', '2341 (2017)'."""
        found: list[tuple[Span, Ref]] = []
        keyword, joiner, date_of, list_aside, its, words = self.reference_patterns
        flat = self.text
        # (each scan only where what its every match holds is written: most clauses cite no resolution)
        keywords = keyword.finditer(flat, span.start, span.end) if may_match_in(keyword, flat, span.start, span.end) \
            else ()
        for match in keywords:
            body = self._qualifier(flat[max(span.start, match.start() - 90):match.start()], its)
            position = match.end()
            # "resolutions concerning Sudan, in particular 1591 (2005), …": the list may start a few words on
            gap = re.match(r"[^\d;.]{0,60}?(?=\d|ES-|S-)", flat[position:span.end])
            if gap and gap.end():
                # "resoluciones del Consejo de Derechos Humanos 23/13": the body named in the gap
                named = [e for _, e in find_names(flat, position, position + gap.end()) if has_series(e.key)]
                if match_resolution_number(flat, position + gap.end(), named[-1].key if named else body):
                    body = named[-1].key if named else body
                    position += gap.end()
            if body is None and match_resolution_number(flat, position, None) is None:
                # "resolution 8/10 of 20 December 2019 of the Conference of the States Parties …": a number
                # that no default series reads is read in the series of the body named after it
                body = self._body_after(flat, position, span, date_of)
            items: list[int] = []
            while position < span.end:
                number = match_resolution_number(flat, position, body)
                if number is None:
                    break
                items.append(number[0].start())
                position = number[0].end()
                dated = date_of.match(flat, position)
                if dated:
                    position = dated.end()
                aside = list_aside.match(flat, position)
                if aside:
                    position = aside.end()
                joined = joiner.match(flat, position)
                if not joined:
                    break
                position = joined.end()
            # "résolution 43/1 du Conseil des droits de l’homme": the body named after the numbers
            after = self.lang.pattern("qualifier_after", 0).match(flat, position, span.end)
            if body is None and after:
                following = next(find_names(flat, after.end(), min(span.end, after.end() + 200)), None)
                if following is not None and following[0].start == after.end() and has_series(following[1].key):
                    body = following[1].key
            for start in items:
                number = match_resolution_number(flat, start, body)
                if number is None:
                    continue
                written = number[0].group()
                if body is not None:
                    self._set_series(written, body)
                elif (known := self._series(written)) is not None:
                    # "resolution 43/1" after "Human Rights Council resolution 43/1": the same one
                    number = match_resolution_number(flat, start, known) or number
                found.append((Span(number[0].start(), number[0].end()), instrument_for_symbol(number[1])))
        bare_numbers = bare_resolution_pattern()
        for bare in bare_numbers.finditer(flat, span.start, span.end) \
                if may_match_in(bare_numbers, flat, span.start, span.end) else ():
            number = match_resolution_number(flat, bare.start(), None)
            if number is not None:
                found.append((Span(bare.start(), bare.end()), instrument_for_symbol(number[1])))
        dated_numbers = self.lang.pattern("dated_number")
        for dated in dated_numbers.finditer(flat, span.start, span.end) \
                if may_match_in(dated_numbers, flat, span.start, span.end) else ():
            if any(where.start == dated.start() for where, _ in found):
                continue
            introduced = list(words.finditer(flat, span.start, dated.start()))
            if introduced and not keyword.fullmatch(introduced[-1].group() + " "):
                continue  # the list is of decisions or paragraphs
            body = _body_key(self.enacting_body)
            if introduced:
                word = introduced[-1]
                body = self._qualifier(flat[max(span.start, word.start() - 90):word.start()], its) or body
            number = match_resolution_number(flat, dated.start(), body if body and has_series(body) else None)
            if number is not None:
                found.append((Span(dated.start(), dated.end()), instrument_for_symbol(number[1])))
        return found

    def _body_after(self, flat: str, position: int, span: Span, date_of: re.Pattern[str]) -> str | None:
        """The body with a numbering of its own named right after a resolution number and its date."""
        number = re.match(r"\d{1,2}/\d{1,3}", flat[position:span.end])
        if number is None:
            return None
        end = position + number.end()
        dated = date_of.match(flat, end, span.end)
        after = self.lang.pattern("qualifier_after", 0).match(flat, dated.end() if dated else end, span.end)
        if after is None:
            return None
        following = next(find_names(flat, after.end(), min(span.end, after.end() + 200)), None)
        if following is not None and following[0].start == after.end() and has_series(following[1].key):
            return following[1].key
        return None

    def _qualifier(self, before: str, its: re.Pattern[str]) -> str | None:
        """Whose resolution: the body named just before the word, or the enacting body after 'its'."""
        names = list(find_names(before))
        if its.search(before):
            # "established by the Human Rights Council in its resolution 22/13": its = that body
            near = [entry for where, entry in names if where.end >= len(before) - 25 and entry.kind == "body"]
            if near and has_series(near[-1].key):
                return near[-1].key
            return _body_key(self.enacting_body)
        if names and names[-1][0].end >= len(before.rstrip()) - 2 and names[-1][1].kind == "body":
            key = names[-1][1].key
            return key
        return None

    def _relation_paragraphs(self) -> list[RelationParagraph]:
        """The paragraphs as the relation finder reads them: citations in the text and in footnotes."""
        notes = {note.marker: note.span for note in self.seg.footnotes}
        found = []
        for paragraph in self.seg.paragraphs:
            span = paragraph.span
            citations = [Citation(where, ref) for where, ref in self._references(span)]
            sits: dict[str, Span] = {}
            for marker in paragraph.footnote_markers:
                where = marker_pattern(marker).search(self.text, span.start, span.end)
                if where is not None:
                    sits[marker] = Span(where.start(), where.end())
                if marker in notes:
                    citations += [Citation(w, ref, marker) for w, ref in self._references(notes[marker])]
            found.append(RelationParagraph(span, citations, sits))
        return found

    def _relations(self, owner: Ref, clauses: list[tuple[Ref, RelationParagraph]]) -> None:
        """What the paragraphs say is established or endorsed, by whom (cyberlex.extract.relations)."""
        antecedents = report_antecedents(self.text, self.lang_code, [paragraph for _, paragraph in clauses])
        # (the annexes are said before the clauses are read: what the loop says adds none)
        annexes = [s.obj for s in self.out.statements
                   if s.predicate == "hasAnnex" and s.subject == owner and isinstance(s.obj, Ref)]
        for clause, paragraph in clauses:
            for relation in find_relations(self.text, self.lang_code, paragraph, owner, antecedents, annexes):
                subject = clause if relation.subject == owner else relation.subject
                for prop, name in relation.labels:
                    self._say(relation.obj, prop, name, relation.span, lang=self.lang_code)
                self._say(subject, relation.predicate, relation.obj, relation.span)

    def _series(self, written: str) -> str | None:
        """The body whose series a resolution number was read in before ("Human Rights Council resolution 43/1")."""
        known = self.series_of_number.get(written)
        if self.series_uses is not None:
            self.series_uses.append((written, known, False))
        return known

    def _set_series(self, written: str, body: str) -> None:
        self.series_of_number[written] = body
        if self.series_uses is not None:
            self.series_uses.append((written, body, True))

    def _references(self, span: Span) -> list[tuple[Span, Ref]]:
        """Every instrument the span names: symbols, resolution numbers, named instruments.

        A span is read once (each clause is read for its citations, then again for its relations): what is
        found there is taken again where the numbers it read in a series (series_of_number) still are as
        they were, and what it learnt of them is learnt again; else the span is read anew."""
        known = self.references_found.get(span)
        if known is not None and self._replay(known[1]):
            return list(known[0])
        self.series_uses = []
        try:
            found = self._read_references(span)
            self.references_found[span] = (found, self.series_uses)
        finally:
            self.series_uses = None
        return list(found)

    def _replay(self, uses: list[_SeriesUse]) -> bool:
        """Whether reading a span again would read series_of_number as it did (then do its writes too)."""
        written: dict[str, str | None] = {}
        for number, body, wrote in uses:
            if wrote:
                written[number] = body
            elif written.get(number, self.series_of_number.get(number)) != body:
                return False
        self.series_of_number.update({number: body for number, body in written.items() if body is not None})
        return True

    def _read_references(self, span: Span) -> list[tuple[Span, Ref]]:
        found = [(where, instrument_for_symbol(symbol))
                 for where, symbol in find_symbols(self.text, span.start, span.end)]
        found += self._resolution_references(span)
        found += [(where, ref_for_entry(entry)) for where, entry in find_names(self.text, span.start, span.end)
                  if entry.kind == "instrument"]
        own = self.record.identifier if self.record else None
        return sorted(((w, r) for w, r in found if r.identifier is None or r.identifier != own),
                      key=lambda item: (item[0].start, item[0].end))

    # -- annexes ---------------------------------------------------------------------------------
    def _annexes(self, record: Ref) -> None:
        """An annex is not part of the resolution's clauses: an annexed convention or declaration is an
        instrument of its own, adopted by the resolution, titled by the first line after its heading."""
        kinds = self.lang.get("instrument_kinds", {})
        for number, annex in enumerate(self.seg.annexes, start=1):
            lines = [m for m in re.finditer(r"[^\n]+", self.text[annex.start:annex.end]) if m.group().strip()]
            if len(lines) < 2:
                continue
            title_line = lines[1]
            title = clean(title_line.group())
            if len(title) > 250 or title.endswith((",", ";", ".")) or re.match(r"\d{1,3}\.\s|\([a-z]\)", title):
                title = ""
            kind = next((cls for word, cls in kinds.items() if re.search(rf"\b{word}\b", title)), "Document")
            suffix = "annex" if len(self.seg.annexes) == 1 else f"annex/{number}"
            ref = Ref(key=f"{record.key}/{suffix}", cls=kind)
            known = lookup_name(title) if title else None
            if known is not None and known.kind == "instrument" and record.identifier in (
                    known.extra.get("adopted_by"), known.extra.get("endorsed_by")):
                ref = ref_for_entry(known)  # the gazetteer knows the annexed instrument ("Kyoto Declaration")
            heading = Span(annex.start + lines[0].start(), annex.start + lines[0].end())
            self.out.records.append(ref)
            self._say(record, "hasAnnex", ref, heading)
            if title:
                span = Span(annex.start + title_line.start(), annex.start + title_line.end())
                self._say(ref, "title", title, span, lang=self.lang_code)
                for statement in [s for s in self.out.statements if s.subject == record and
                                  s.predicate in ("adoptedBy", "adoptionDate")]:
                    self._say(ref, statement.predicate, statement.obj, statement.span, datatype=statement.datatype)
            self._citations(ref, [annex], cite_names=False)
            # what the annexed instrument's own articles say belongs to it ("… is hereby established")
            articles = [Span(annex.start + m.start(), annex.start + m.end())
                        for m in re.finditer(r"[^\n]+", self.text[annex.start:annex.end]) if m.group().strip()]
            paragraphs = [RelationParagraph(line, [Citation(w, r) for w, r in self._references(line)])
                          for line in articles]
            self._relations(ref, [(ref, paragraph) for paragraph in paragraphs])

    # -- reservations ---------------------------------------------------------------------------
    def _reservations(self, record: Ref) -> None:
        pattern = self.lang.pattern("reservation")
        target = self.lang.pattern("reservation_target", re.IGNORECASE)
        kinds = self.lang.get("paragraph_kinds", {})
        clauses = {(c.kind, c.ordinal): c for c in self.out.clauses}
        for match in pattern.finditer(self.text) if may_match_in(pattern, self.text) else ():
            note = Span(match.start(), match.end())
            states = self._states(match.group("state"))
            kind = "operative"
            for found in target.finditer(match.group("targets")):
                if found.group("kind"):
                    kind = kinds.get(found.group("kind").lower(), kind)
                for number in re.findall(r"\d+", found.group("number")):
                    clause = clauses.get((kind, int(number)))
                    if clause is None:  # a reservation on a paragraph this file does not hold
                        clause = ClauseRecord(record, kind, int(number), None, None, None)
                        clauses[(kind, int(number))] = clause
                        self.out.clauses.append(clause)
                    for state in states:
                        self.out.reservations.append(
                            ReservationRecord(record, state, clause, clean(match.group()), note))
            for state in states:
                self._mention(state, Span(match.start("state"), match.end("state")))

    def _states(self, written: str) -> list[Ref]:
        """The States a reservation names: one ("the Russian Federation"), or several ("Nicaragua and
        Venezuela"); a name with "and" in it ("Trinidad and Tobago") stays whole."""
        entry = lookup_name(written)
        if entry is not None:
            return [ref_for_entry(entry)]
        named = [ref_for_entry(e) for _, e in find_names(written) if e.cls == "State"]
        return named or [body_for_name(written, self.lang_code)]

    # -- what the document names ---------------------------------------------------------------
    def _mentions(self) -> None:
        text = self.text
        covered: list[Span] = []
        for span, entry in find_names(text):
            self._mention(ref_for_entry(entry), span)
            covered.append(span)
        for pattern in self.lang.patterns("body_patterns", 0):
            for match in pattern.finditer(text) if may_match_in(pattern, text) else ():
                if any(span.start <= match.start("name") < span.end for span in covered):
                    continue  # part of a name already found
                covered.append(Span(match.start("name"), match.end("name")))
                name = self.lang.pattern("name_stops", 0).split(" ".join(match.group("name").split()))[0]
                if 4 <= len(name.split()) <= 25:
                    body = body_for_name(name, self.lang_code, self.lang.get("name_filler", []))
                    self._mention(body, Span(match.start("name"), match.start("name") + len(name)))
        for span, symbol in find_symbols(text):
            self._mention(instrument_for_symbol(symbol), span)
        for statement in self.out.statements:
            if statement.predicate in ("cites", "adoptedBy", "establishes", "endorses", "onReport") and isinstance(
                    statement.obj, Ref):
                self._mention(statement.obj, statement.span)
            if statement.predicate in ("establishes", "endorses") and not statement.subject.key.count("/op/") \
                    and not statement.subject.key.count("/pre/"):
                self._mention(statement.subject, statement.span)
        for record in self.out.records:  # where the document names itself: its symbol, else its title
            named = [s.span for s in self.out.statements if s.subject == record and s.predicate in (
                "identifier", "title")]
            self._mention(record, named[0] if named else Span(0, len(text.split("\n", 1)[0]) or 1))


def _line_at(text: str, position: int) -> str:
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    return text[start:end if end >= 0 else len(text)]


def _slug_lower(text: str) -> str:
    """A readable slug of a title, cut at a word boundary."""
    words = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-").split("-")
    kept: list[str] = []
    for word in words:
        if kept and len("-".join([*kept, word])) > 80:
            break
        kept.append(word)
    return "-".join(kept)


def _body_key(body: Ref | None) -> str | None:
    return body.key.split("/", 1)[1] if body is not None and "/" in body.key else None


def _clause_ref(clause: ClauseRecord) -> Ref:
    return Ref(key=clause.key, cls="OperativeClause" if clause.kind == "operative" else "PreambularClause")


# -- what a marked-up source states ------------------------------------------------------------------

# Facts of which an instrument has one: the markup's value replaces what text extraction found.
SINGLE_VALUED = ("identifier", "title", "adoptionDate", "session", "agendaItem", "meeting")


def merge_markup(extraction: Extraction, given: Given) -> None:
    """Add to the extraction what the markup states and text extraction cannot see or may get wrong in a
    language without a phrase table: the symbol, title, date, session, agenda item, meeting and adopting
    body; citations from the document's links; subject keywords, FRBR identifiers and the recorded vote
    (Extraction.markup). Nothing is added to a document in which no instrument was recorded."""
    if not extraction.records:
        return
    record = extraction.records[0]
    _given_values(extraction, given, record)
    _link_citations(extraction, given, record)
    extraction.markup = MarkupFacts(record, _subjects(extraction, given), _frbr(given), _vote(given))


def _given_values(extraction: Extraction, given: Given, record: Ref) -> None:
    fallback = given.enacting or given.header
    if fallback.end <= fallback.start:
        fallback = Span(0, min(1, len(extraction.source.text)))
    for value in given.values:
        if value.predicate not in SINGLE_VALUED:
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
        symbol = symbol_of_link(link.href)
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


def _subjects(extraction: Extraction, given: Given) -> list[str]:
    """The IRIs of the markup's subject keywords (UNBIS, EuroVoc, SDG concepts), sorted; an IRI that is
    not sound is dropped with a warning, since it would become a node (and a page)."""
    subjects = []
    for iri in sorted({k.iri for k in given.keywords if k.iri and k.iri.startswith(("http://", "https://"))}):
        problem = iri_problem(iri)
        if problem is not None:
            extraction.warnings.append(f"keyword IRI {iri!r} dropped: {problem}")
            continue
        subjects.append(iri)
    return subjects


def _frbr(given: Given) -> dict[str, str]:
    """The markup's FRBR IRIs; the work's left out where it carries the date 0001-01-01 of some files."""
    return {level: iri for level, iri in given.frbr.items()
            if iri and level in ("work", "expression", "manifestation")
            and not (level == "work" and "/0001-01-01/" in iri)}


def _vote(given: Given) -> RecordedVote | None:
    """The recorded vote with its voters resolved to States; a voter the gazetteer does not know as a
    State is left out, not guessed."""
    if given.vote is None or not given.vote.outcome:
        return None
    voters: dict[str, list[Ref]] = {}
    for kind, names in given.vote.voters.items():
        for name in names:
            entry = lookup_name(name)
            if entry is not None and entry.cls == "State":
                voters.setdefault(kind, []).append(ref_for_entry(entry))
    return RecordedVote(given.vote.outcome, dict(given.vote.counts), voters)


def _norm(symbol: str) -> str:
    return "".join(ch for ch in symbol.casefold() if ch.isalnum())
