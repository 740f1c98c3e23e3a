"""Part of stage 3, extract: which instrument establishes which body and endorses which instrument.

The grammar is data (mappings/relations/<lang>.toml): triggers (verb forms) with who acts (the document
itself, or the instrument cited just before or after the trigger) and where the object is (the noun
phrase after or before the trigger). Objects are resolved here:

- a body: the gazetteer's entry where it knows the body (by its establishing instrument or by a name that
  is more than a bare kind word), else a new body whose IRI is derived from the establishing instrument
  and the body's kind, so that every language and every document that names it gives one node;
- an instrument: the symbols the object phrase names or footnotes (a report's document symbol, a
  resolution's number), a named instrument of the gazetteer, else an instrument named by the phrase.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import pairwise
from typing import Any

from cyberlex.knowledge import needed_strings, tables_by_language
from cyberlex.models import Ref, Span
from cyberlex.resolve import fold, gazetteer, lookup_name, ref_for_entry, slug

# How far (characters) a cited instrument may stand from the trigger that makes it the actor.
NEAR = 160


@dataclass(frozen=True)
class Citation:
    """An instrument named in the paragraph or in one of its footnotes (span in the source text)."""

    span: Span
    ref: Ref
    in_footnote: str | None = None  # the footnote's marker


@dataclass(frozen=True)
class Relation:
    """One establishes/endorses fact with the span that says it, and the names of a body the text gave."""

    subject: Ref
    predicate: str  # "establishes" | "endorses"
    obj: Ref
    span: Span
    labels: tuple[tuple[str, str], ...] = ()  # (label property, name) for an entity the gazetteer lacks


@dataclass
class Paragraph:
    """What the relation finder needs of one paragraph: its span, its citations, its footnotes."""

    span: Span
    citations: list[Citation]
    footnote_markers: dict[str, Span] = field(default_factory=dict)  # marker -> where it sits in the text


@dataclass(frozen=True)
class _Trigger:
    relation: str
    subject: str
    object: str
    pattern: re.Pattern[str]
    # words of which every match holds one (taken from the pattern by _needed_words): a paragraph without
    # any of them is not scanned with the pattern; None where the pattern requires no word
    needed: re.Pattern[str] | None = None


@dataclass(frozen=True)
class Grammar:
    """The relation grammar of one language."""

    code: str
    triggers: tuple[_Trigger, ...]
    table: dict[str, Any]
    needed: re.Pattern[str] | None = None  # the needed words of all its triggers
    needed_lowered: re.Pattern[str] | None = None  # the same words in lower case, matched as written
    needed_characters: frozenset[str] = frozenset()  # the characters of those words

    def pattern(self, name: str) -> re.Pattern[str]:
        """A compiled pattern of the grammar's table (case-insensitive)."""
        return _compiled(self.code, name)


@cache
def grammars() -> dict[str, Grammar]:
    """Every language with a relation grammar, by ISO 639-1 code."""
    found = {}
    for code, table in tables_by_language("relations").items():
        entries = [(relation, entry) for relation in ("establish", "endorse") for entry in table.get(relation, [])]
        needed = [_needed_words(entry["pattern"], re.IGNORECASE | re.MULTILINE) for _, entry in entries]
        triggers = tuple(
            _Trigger(relation, entry["subject"], entry.get("object", "after"),
                     re.compile(entry["pattern"], re.IGNORECASE | re.MULTILINE), _words_pattern(words))
            for (relation, entry), words in zip(entries, needed, strict=True))
        words = frozenset().union(*(w for w in needed if w))
        lowered = "|".join(re.escape(w.lower()) for w in sorted(words))
        found[code] = Grammar(code, triggers, table, _words_pattern(words), re.compile(lowered) if words else None,
                              frozenset("".join(words)))
    return found


def _words_pattern(words: frozenset[str] | None) -> re.Pattern[str] | None:
    # case-insensitive whatever the trigger's flags: it then finds the words wherever the trigger could
    return re.compile("|".join(re.escape(w) for w in sorted(words)), re.IGNORECASE) if words else None


@lru_cache(maxsize=2)
def _needed_word_starts(text: str, code: str) -> list[int]:
    """Every position of the text where a needed word of the grammar's triggers starts (overlapping ones
    too), found in one pass over the document rather than one a trigger and paragraph."""
    grammar = grammars()[code]
    pattern = grammar.needed
    starts: list[int] = []
    if pattern is None or grammar.needed_lowered is None:
        return starts
    if all(_lowers_as_matched(code, character) for character in set(text)):
        # the text in lower case, searched case-sensitively, finds the same words at the same places (far
        # quicker than a case-insensitive search)
        pattern, text = grammar.needed_lowered, text.lower()
    found = pattern.search(text)
    while found is not None:
        starts.append(found.start())
        found = pattern.search(text, found.start() + 1)
    return starts


@cache
def _lowers_as_matched(code: str, character: str) -> bool:
    """Whether a character, in lower case, is one character, equal to the lower case of exactly the
    characters of the grammar's needed words that it matches case-insensitively (as the re module has it:
    not so "ſ", which matches "s", nor "İ", two characters in lower case, nor "Σ", whose lower case
    depends on where it stands)."""
    if len(character.lower()) != 1 or character == "\u03a3":
        return False
    return all((re.fullmatch(re.escape(letter), character, re.IGNORECASE) is not None)
               == (letter.lower() == character.lower()) for letter in grammars()[code].needed_characters)


# A needed word shorter than this is too common to spare any scan.
NEEDED_WORD_LENGTH = 3


def _needed_words(pattern: str, flags: int) -> frozenset[str] | None:
    """The literal words one of which any match of `pattern` (compiled with `flags`) must consume, or None
    where no such words of NEEDED_WORD_LENGTH or more can be told from the pattern's syntax tree
    (cyberlex.knowledge.needed_strings). A text in which none is written cannot hold a match: searching for
    words is far cheaper than trying the pattern everywhere."""
    words = needed_strings(pattern, flags)
    return words if words and min(map(len, words)) >= NEEDED_WORD_LENGTH else None


@cache
def _compiled(code: str, name: str) -> re.Pattern[str]:
    return re.compile(grammars()[code].table[name], re.IGNORECASE)


@cache
def _heads(code: str, table_name: str) -> tuple[re.Pattern[str], dict[str, str]]:
    """A pattern for the head nouns of a table (longest first) and each head's kind."""
    kinds = {fold(k): v for k, v in grammars()[code].table.get(table_name, {}).items()}
    words = sorted(grammars()[code].table.get(table_name, {}), key=len, reverse=True)
    # German heads end compounds ("Verifikationsmission"); short ones ("Rat", "Team") must stand alone
    compound = grammars()[code].table.get("compound_heads", False)
    alternatives = [("" if compound and len(w) >= 6 else r"\b") + re.escape(w).replace(r"\ ", r"\s+") for w in words]
    # a head may carry a footnote marker glued to it ("the Political Declaration1")
    pattern = re.compile(r"(?:" + "|".join(alternatives) + r")(?![^\W\d_])", re.IGNORECASE)
    return pattern, kinds


@cache
def _established_by() -> dict[str, list[str]]:
    """Gazetteer bodies by the symbol of the instrument that established them."""
    found: dict[str, list[str]] = {}
    for entry in gazetteer().values():
        symbol = entry.extra.get("established_by")
        if entry.kind == "body" and symbol:
            found.setdefault(symbol, []).append(entry.key)
    return found


def find_relations(text: str, lang: str, paragraph: Paragraph, document: Ref,
                   antecedents: dict[str, set[Ref]] | None = None, annexes: list[Ref] | None = None) -> list[Relation]:
    """The establishes/endorses facts one paragraph states. `document` is the instrument whose paragraph it
    is (the actor of "Decides to establish"); `antecedents` are the reports the document footnoted where
    it first named them (see report_antecedents); `annexes` the instruments annexed to the document ("Adopts
    the Convention … annexed to the present resolution" endorses the annex)."""
    grammar = grammars().get(lang)
    if grammar is None:
        return []
    return _Finder(text, grammar, paragraph, document, antecedents or {}, annexes or []).run()


def report_antecedents(text: str, lang: str, paragraphs: list[Paragraph]) -> dict[str, set[Ref]]:
    """Reports that a document names with a footnote giving their symbol ("the related report of the
    Advisory Committee …,2" with footnote 2 "A/76/760/Add.11"), by their folded name, so that a later
    "Endorses the conclusions … of the report of the Advisory Committee …" finds the symbol."""
    grammar = grammars().get(lang)
    if grammar is None:
        return {}
    heads, kinds = _heads(lang, "instrument_heads")
    found: dict[str, set[Ref]] = {}
    for paragraph in paragraphs:
        for marker, where in paragraph.footnote_markers.items():
            documents = [c.ref for c in paragraph.citations if c.in_footnote == marker and c.ref.cls == "Document"]
            if len(documents) != 1:
                continue
            before = text[max(paragraph.span.start, where.start - 300):where.start]
            reports = [h for h in heads.finditer(before) if kinds[fold(h.group())] == "report"]
            if not reports:
                continue
            named = before[reports[-1].start():]
            if re.search(r"[,;]", named.rstrip(" ,.")):
                continue  # the footnote is not on the report's name ("… report of X, and … Y,6")
            key = _report_key(named, grammar)
            if len(key.split()) >= 3:  # "its report6" names no report that a later paragraph could
                found.setdefault(key, set()).add(documents[0])
    return found


def _report_key(phrase: str, grammar: Grammar) -> str:
    end = grammar.pattern("instrument_name_end").search(phrase)
    return fold(phrase[:end.start() if end else len(phrase)])


def _antecedent(antecedents: dict[str, set[Ref]], key: str) -> Ref | None:
    """The one report whose name this is: a name that the other starts with, else (later mentions vary
    the rest: "the report of the Special Committee on its work in 2021") the same first four words."""
    words = key.split()
    if len(words) < 3:
        return None
    for same in (lambda other: other[:len(words)] == words or words[:len(other)] == other,
                 lambda other: other[:4] == words[:4]):
        refs = {ref for name, found in antecedents.items() if same(name.split()) for ref in found}
        if refs:
            return next(iter(refs)) if len(refs) == 1 else None
    return None


def _trimmed(text: str, span: Span) -> Span:
    """A span without the punctuation and footnote marker it ends on ("… against Cybercrime,1")."""
    tail = re.search(r"(?:,\d{1,3}|(?<=[^\W\d])\d{1,3})?[\s,.;:]*$", text[span.start:span.end])
    return Span(span.start, span.start + tail.start()) if tail and tail.start() > 0 else span


class _Finder:
    def __init__(self, text: str, grammar: Grammar, paragraph: Paragraph, document: Ref,
                 antecedents: dict[str, set[Ref]], annexes: list[Ref]) -> None:
        self.text = text
        self.grammar = grammar
        self.lang = grammar.code
        self.par = paragraph
        self.document = document
        self.antecedents = antecedents
        self.annexes = annexes
        self.in_text = sorted((c for c in paragraph.citations if c.in_footnote is None),
                              key=lambda c: c.span.start)

    def run(self) -> list[Relation]:
        found: list[Relation] = []
        seen: set[tuple[str, str, str]] = set()
        start, end = self.par.span.start, self.par.span.end
        starts = _needed_word_starts(self.text, self.lang)
        here = starts[bisect_left(starts, start):bisect_left(starts, end)]
        for trigger in self.grammar.triggers:
            needed = trigger.needed
            if needed is not None and not any(needed.match(self.text, at, end) for at in here):
                continue  # as needed.search(self.text, start, end) is None, but without reading the paragraph
            for match in trigger.pattern.finditer(self.text, start, end):
                for relation in self._relations(trigger, match):
                    key = (relation.subject.key, relation.predicate, relation.obj.key)
                    if key not in seen and relation.subject.key != relation.obj.key:
                        seen.add(key)
                        found.append(relation)
        return found

    # -- who acts -----------------------------------------------------------------------------
    def _subject(self, trigger: _Trigger, match: re.Match[str]) -> Ref | None:
        if trigger.subject == "self":
            return self.document
        if trigger.subject == "cited_before":
            before = [c for c in self.in_text if c.span.end <= match.start()]
            if before:
                gap = self.text[before[-1].span.end:match.start()]
                if len(gap) <= NEAR and ";" not in gap:
                    return before[-1].ref
            return None
        if trigger.subject == "cited_in":  # "the adoption, by its resolution 70/175 of 17 December 2015, of …"
            inside = [c for c in self.in_text if match.start() <= c.span.start < match.end()]
            return inside[0].ref if inside else None
        # the actor of a passive is a resolution or decision, not a document or an instrument named by name
        after = [c for c in self.in_text if c.span.start >= match.start() and c.ref.cls != "Document"
                 and not c.ref.key.startswith("instrument/")]
        if after and after[0].span.start - match.end() <= 40:
            return after[0].ref
        # "… endorsed by the General Assembly,5" with footnote 5 "See resolution 59/220"
        # (the first footnote of the clause, before any other instrument is named)
        for marker, where in sorted(self.par.footnote_markers.items(), key=lambda item: item[1].start):
            between = self.text[match.end():where.start]
            if where.start >= match.end() and len(between) <= 200 and ";" not in between and not any(
                    match.end() <= c.span.start < where.start for c in self.in_text):
                noted = [c for c in self.par.citations if c.in_footnote == marker and c.ref.cls == "Resolution"]
                return noted[0].ref if noted else None
        return None

    # -- what is acted on ---------------------------------------------------------------------
    def _object_span(self, match: re.Match[str]) -> Span:
        """The object named by the pattern's group, else the phrase after the trigger to its natural end
        (an object before the trigger is found by _spans_before)."""
        if "object" in match.re.groupindex and match.group("object"):
            return Span(match.start("object"), match.end("object"))
        end = self.par.span.end
        tail = self.text[match.end():end]
        lead = self.grammar.pattern("object_lead").match(tail.lstrip(" ,"))
        offset = match.end() + (len(tail) - len(tail.lstrip(" ,")))
        if lead:
            offset += lead.end()
        stop = self.grammar.pattern("object_end").search(self.text, offset, end)
        return Span(offset, stop.start() if stop else end)

    def _spans_before(self, match: re.Match[str], across_commas: bool = False) -> list[Span]:
        """The noun phrases that may end where the trigger starts, nearest first: from each determiner
        back to the clause's start ("the Panel of Experts on Yemen", then "the efforts of the Panel …").
        With `across_commas`, then the phrases before the clause's last comma, from the clause's start
        ("the Declaration of Principles and the Plan of Action adopted by …, held in …,4 and endorsed by")."""
        start = self.par.span.start
        window_start = max(start, match.start() - 300)
        window = self.text[window_start:match.start()]
        window_start += window.rfind(";") + 1
        window = window[window.rfind(";") + 1:]
        boundary = max(window.rfind(","), window.rfind(":")) + 1
        determiners = list(self.grammar.pattern("determiners").finditer(window))
        inside = [d for d in determiners if d.start() >= boundary]
        found: list[Span] = []
        for d in reversed(inside):
            # an earlier phrase only where the later one is its complement ("the efforts of the Panel …"),
            # not where it is another ("the Mission … and the sanctions regime established by")
            if found and not re.search(self.grammar.table["complement"] + r"\s*$",
                                       window[d.start():found[-1].start - window_start], re.IGNORECASE):
                break
            found.append(Span(window_start + d.start(), match.start()))
        found = found or [Span(window_start + boundary, match.start())]
        if across_commas:
            found += [Span(window_start + d.start(), match.start()) for d in determiners if d.start() < boundary]
        return found

    def _relations(self, trigger: _Trigger, match: re.Match[str]) -> list[Relation]:
        subject = self._subject(trigger, match)
        if subject is None:
            return []
        found: list[Relation] = []
        if trigger.object == "before" and not ("object" in match.re.groupindex and match.group("object")):
            for candidate in self._spans_before(match, across_commas=trigger.relation == "endorse"):
                found = self._relations_on(trigger, match, subject, candidate)
                if found:
                    break
        else:
            found = self._relations_on(trigger, match, subject, self._object_span(match))
        if trigger.subject == "cited_after" and trigger.relation == "endorse":
            # a body is established once; an instrument may be "adopted by the General Assembly in its
            # resolutions 50/81 of 14 December 1995 and 62/126": each resolution of the list acts
            found += [Relation(other, r.predicate, r.obj, r.span, r.labels)
                      for other in self._listed_after(subject) for r in found]
        return found

    def _listed_after(self, first: Ref) -> list[Ref]:
        """The instruments listed right after a cited one ("…, 50/81 of 14 December 1995 and 62/126")."""
        listed: list[Ref] = []
        previous = next((c for c in self.in_text if c.ref == first), None)
        if previous is None:  # named in a footnote: no list follows it in the text
            return listed
        for citation in self.in_text:
            if citation.span.start <= previous.span.end:
                continue
            gap = self.text[previous.span.end:citation.span.start]
            if not self.grammar.pattern("list_gap").fullmatch(gap):
                break
            listed.append(citation.ref)
            previous = citation
        return listed

    def _relations_on(self, trigger: _Trigger, match: re.Match[str], subject: Ref,
                      span: Span | None) -> list[Relation]:
        if span is None or span.end <= span.start:
            return []
        evidence = _trimmed(self.text, Span(min(match.start(), span.start), max(match.end(), span.end)))
        if trigger.relation == "establish":
            # "the Panel … established pursuant to resolution 2140 (2014)": the whole phrase is a name too
            called = None
            cited = next((c for c in self.in_text if c.span.start >= match.start()), None)
            if trigger.subject == "cited_after" and trigger.object == "before" and cited is not None:
                called = Span(span.start, cited.span.end)
                evidence = Span(evidence.start, max(evidence.end, cited.span.end))
            body = self._body(subject, span, called)
            if body is None:
                return []
            return [Relation(subject, "establishes", body[0], evidence, body[1])]
        if len(self.annexes) == 1 and trigger.subject == "self":
            ahead = self.text[match.end():min(self.par.span.end, match.end() + 400)].split(";")[0]
            annexed = self.grammar.pattern("annexed").search(ahead)
            if annexed:
                return [Relation(subject, "endorses", self.annexes[0],
                                 Span(match.start(), match.end() + annexed.end()))]
        return [Relation(subject, "endorses", obj, evidence, labels)
                for obj, labels in self._instruments(span, subject)]

    def _name(self, phrase: str, table: str, end_pattern: str = "name_end") -> tuple[str, str, str] | None:
        """The name a phrase starts with, its head noun and the rest of the phrase: the head is the last
        noun of the table before the name's complement ("Security Council Committee", "Committee of the
        Security Council"); a name that goes on after its head ("Mission Planning Officer") is not one."""
        article = self.grammar.pattern("determiners").match(phrase)
        if article:
            phrase = phrase[article.end():]
        end = self.grammar.pattern(end_pattern).search(phrase)
        name = phrase[:end.start() if end else len(phrase)]
        titled = self.grammar.pattern("name_title").match(phrase, len(name))
        heads, _ = _heads(self.lang, table)
        complement = self.grammar.pattern("complement").search(name)
        before = name[:complement.start()] if complement else name
        found = [h for h in heads.finditer(name) if h.start() < len(before) and len(name[:h.start()].split()) <= 6]
        if not found:
            return None
        head = found[-1]
        going_on = before[head.end():].strip()
        # English and German put the head last: a name that goes on after it is not headed by it
        if going_on and self.grammar.table.get("head_final") and not self.grammar.pattern(
                "name_coordination").match(going_on):
            return None  # the name goes on after its head: the head is a modifier ("Mission Planning Officer")
        if titled:
            name = phrase[:titled.end()]
        return " ".join(name.split()).strip(" .,"), head.group(), phrase[len(name):]

    def _body(self, subject: Ref, span: Span, called: Span | None) -> tuple[Ref, tuple[tuple[str, str], ...]] | None:
        named = self._name(self.text[span.start:span.end].strip(), "body_kinds")
        if named is None:
            return None
        name, head, rest = named
        _, kinds = _heads(self.lang, "body_kinds")
        kind = kinds[fold(head)]
        entry = self._known_body(subject, name, kind)
        if entry is not None:
            return ref_for_entry(entry), ()
        symbol = subject.identifier or subject.key
        kind_label = self.grammar.table.get("kind_labels", {}).get(kind, head)
        labels = [("prefLabel", f"{kind_label} ({symbol})"), ("altLabel", name)]
        if len(head.split()) > 1 and name.lower().startswith(head.lower()) and name != head:
            labels.append(("altLabel", " ".join(head.split())))  # its short name: "Panel of Experts"
        if called is not None:
            whole = " ".join(self.text[called.start:called.end].split())
            whole = self.grammar.pattern("determiners").sub("", whole, count=1) if self.grammar.pattern(
                "determiners").match(whole) else whole
            labels.append(("altLabel", whole))
        acronym = re.match(r"\s*\(\s*[“\"«]?([^()“”\"«»]{2,40}?)[”\"»]?\s*\)", rest)
        if acronym:
            short = acronym.group(1).strip()
            labels.append(("notation" if short.isupper() else "altLabel", short))
        key = f"body/{slug(symbol).lower()}/{kind}"
        return Ref(key=key, cls="Body"), tuple(dict.fromkeys((p, n) for p, n in labels if n.strip()))

    def _named_instruments(self, rest: str, subject: Ref,
                           first_named: bool = True) -> list[tuple[Ref, tuple[tuple[str, str], ...]]]:
        """Instruments a phrase names one after the other, the gazetteer's or named as written."""
        _, kinds = _heads(self.lang, "instrument_heads")
        # instruments the text names but the gazetteer may not know, one or several joined by "and"
        # ("the Political Declaration1 and the Madrid International Plan of Action"); an item that names
        # none ("la aplicación del Plan … y la aprobación del Plan …") is passed over
        found: list[tuple[Ref, tuple[tuple[str, str], ...]]] = []
        while len(found) < 10:
            named_here = self._name(rest.strip(), "instrument_heads", "instrument_name_end") if first_named else None
            first_named = True
            if named_here is not None:
                name, head_text, rest = named_here
                if len(name.split()) > 40 or (fold(name) in kinds and not name[:1].isupper()):  # "the report"
                    break
                if kinds[fold(head_text)] != "named":
                    break  # reports and decisions are known by their symbols, not by a name
                found.append(self._named_instrument(name, head_text, subject))
            else:
                skip = self.grammar.pattern("next_item").search(rest)
                if skip is None:
                    break
                rest = rest[skip.start():]
            joined = self.grammar.pattern("coordination").match(rest)
            if joined is None:
                break
            rest = rest[joined.end():].lstrip()
            article = self.grammar.pattern("determiners").match(rest)
            rest = rest[article.end():] if article else rest
            lead_words = self.grammar.pattern("object_lead").match(rest)
            rest = rest[lead_words.end():] if lead_words else rest
        return found

    def _named_instrument(self, name: str, head: str, subject: Ref) -> tuple[Ref, tuple[tuple[str, str], ...]]:
        """The instrument a name names: the gazetteer's, else one keyed by the name as written, with its
        multi-word kind as a short name ("Action Plan on women’s full, equal … participation" → "Action Plan")."""
        known = lookup_name(name)
        if known is not None and known.kind == "instrument":
            return ref_for_entry(known), ()
        _, kinds = _heads(self.lang, "instrument_heads")
        # a name that is a bare kind ("the Agreement", "the Political Declaration") is told apart by the
        # instrument that endorses it, as a body is by the instrument that establishes it
        owner = f"{slug(subject.identifier or subject.key).lower()}/" if fold(name) in kinds else ""
        ref = Ref(key=f"instrument/{owner}{slug(name).lower()[:90]}", cls="Instrument", label=name, lang=self.lang)
        if len(head.split()) > 1 and name.lower().startswith(head.lower()) and name != head:
            return ref, (("altLabel", " ".join(head.split())),)
        return ref, ()

    def _known_body(self, subject: Ref, name: str, kind: str) -> Any:
        by_instrument = _established_by().get(subject.identifier or subject.key.removeprefix("instrument/"), [])
        if len(by_instrument) == 1:
            return gazetteer()[by_instrument[0]]
        _, kinds = _heads(self.lang, "body_kinds")
        if fold(name) in kinds:
            return None  # a bare kind word ("the Committee") names no particular body
        entry = lookup_name(name)
        if entry is None or entry.kind != "body" or entry.cls == "State":
            return None
        if entry.extra.get("established_by") not in (None, subject.identifier):
            return None
        return entry

    def _instruments(self, span: Span, subject: Ref) -> list[tuple[Ref, tuple[tuple[str, str], ...]]]:
        phrase = self.text[span.start:span.end]
        heads, kinds = _heads(self.lang, "instrument_heads")
        article = self.grammar.pattern("determiners").match(phrase.lstrip())
        lead = len(phrase) - len(phrase.lstrip()) + (article.end() if article else 0)
        cited = sorted((c for c in self.in_text if span.start <= c.span.start < span.end), key=lambda c: c.span.start)
        named = [c for c in cited if c.ref.key.startswith("instrument/")]
        # a symbol or named instrument right at the start of the phrase is the object itself
        if cited and cited[0].span.start - span.start - lead <= 3:
            first = cited[0]
            return [(first.ref, ())]
        head = heads.search(phrase, lead, min(len(phrase), lead + 120))
        if head is None:
            return []
        kind = kinds[fold(head.group())]
        modifier = self.grammar.table.get("modifier_participle")
        if kind == "decision" and modifier:
            # "des mit Resolution 2554 (2020) erbetenen Berichts": the resolution is in a participle before
            # the noun that heads the phrase
            after = [c for c in cited if c.span.start - span.start >= head.end()]
            participle = re.match(modifier, phrase[after[0].span.end - span.start:], re.IGNORECASE) if after else None
            later = heads.search(phrase, after[0].span.end - span.start + participle.end()) if participle else None
            if later is not None:
                head, kind = later, kinds[fold(later.group())]
        # Words before the head are its modifiers ("the consensus final report", "the CARICOM regional
        # roadmap", "Commission on Crime Prevention and Criminal Justice resolution 26/3"), not a common noun
        # whose complement it is in ("recent accessions to the 1954 Convention", "the inclusion of … in the …")
        before_head = phrase[lead:head.start()].split()
        # (German capitalises every noun: "der Arbeit der … Sachverständigengruppe")
        nouns_capitalised = self.grammar.table.get("capitalised_nouns", False)
        governed = any(word.isalpha() and (word.islower() or nouns_capitalised)
                       and self.grammar.pattern("complement").fullmatch(following)
                       for word, following in pairwise(before_head))
        if governed and kind == "named":
            # "la aplicación del Plan … y la aprobación del Plan …": the first is passed over, not the others
            skip = self.grammar.pattern("next_item").search(phrase, lead)
            if skip is None:
                return []
            following = phrase[skip.end():]
            article = self.grammar.pattern("determiners").match(following)
            if not self.grammar.pattern("object_lead").match(following[article.end() if article else 0:]):
                return []  # the next item is in the same complement ("… de seguir aplicando la X y el Y")
            return self._named_instruments(phrase[skip.start():], subject, first_named=False)
        if len(before_head) > 12 or governed or (len(before_head) > 5 and kind != "decision"):
            return []
        markers = [m for m, where in self.par.footnote_markers.items() if span.start <= where.start <= span.end + 2]
        noted = [c for c in self.par.citations if c.in_footnote in markers]
        if kind == "report":
            documents = [c.ref for c in cited + noted if c.ref.cls == "Document"]
            if not documents:
                # "the report of the Advisory Committee …": the report footnoted where it was first named
                # ("the conclusions … contained in the report of the Advisory Committee …": any report named)
                keys = [_report_key(phrase[h.start():], self.grammar) for h in heads.finditer(phrase, head.start())
                        if kinds[fold(h.group())] == "report"]
                earlier = [ref for k in keys if (ref := _antecedent(self.antecedents, k)) is not None]
                documents = earlier[:1]
            return [(ref, ()) for ref in dict.fromkeys(documents)]
        if kind == "decision":
            # "resolution 28/3 of 24 May 2019 and resolution 8/12 of 20 December 2019 of the Conference …"
            after_head = [c for c in cited if c.span.start - span.start >= head.end()]
            if not after_head or after_head[0].span.start - span.start - head.end() > 40:
                return []
            return [(c.ref, ()) for c in after_head if not c.ref.key.startswith("instrument/")]
        if named:
            return [(named[0].ref, ())]
        if noted and all(c.ref.cls != "Resolution" for c in noted):
            return [(noted[0].ref, ())]
        return self._named_instruments(phrase[lead:], subject)
