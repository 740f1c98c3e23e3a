"""Stage 2, segment: a SourceText becomes Segments (enacting formula, paragraphs, footnotes, annexes).

Follows the drafting conventions of UN resolutions (and of the bodies that copy them: CCPCJ, IPU):
cover page, enacting formula ("The General Assembly,"), preambular paragraphs that open with a
participle and end with a comma, numbered operative paragraphs with lettered sub-paragraphs, the
meeting line, footnotes below a rule, annexes. The phrase tables are in mappings/lang/. A source read
from markup (Akoma Ntoso) carries its parts already (SourceText.given): they are taken as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from cyberlex.knowledge import Language, languages
from cyberlex.models import Footnote, Given, Paragraph, Segments, SourceText, Span
from cyberlex.resolve import is_known_body

# How many printed numbers may be missing between two operative paragraphs ("44.", then "46.").
SKIPPED_NUMBERS = 1
# "1. Decides"; a lower-case l or capital I for 1 is a common misprint of the first number.
OPERATIVE_START = re.compile(r"^[^\S\n]*+\**+[^\S\n]*+(?P<number>\d{1,4}|l|I)\s*\.\s+(?=\S)")
# A participle, alone or after an adverb: "Recalling", "Deeply concerned", "Firmly believing".
MARKUP = re.compile(r"^[\s*_#>]+")
FOOTNOTE_LINE = re.compile(r"^[^\S\n]*+(?:<sup>\s*(?P<sup>\d{1,3})\s*</sup>|(?P<plain>\d{1,3})(?=\s))"
                           r"\s*(?P<text>\S.*)$")
# A Markdown footnote definition, "[^1]: text", is a footnote wherever it stands.
MARKDOWN_FOOTNOTE = re.compile(r"^[^\S\n]*+\[\^(?P<marker>\w+)\]:\s*(?P<text>\S.*)$")
# A line of spaces alone, long, is how PDF text extraction often renders the footnote rule.
WIDE_BLANK = re.compile(r"^[ \t]{20,}$")
# Invisible format characters (left-to-right marks, zero-width spaces) may trail a line.
ENDS_PREAMBULAR = re.compile(r"[,;]\s*+(?:\*+\s*+)?+(?:<sup>\s*\d+\s*</sup>|\d{1,3})?+[\s\u200b-\u200f\u2060\ufeff]*+$")


@dataclass(frozen=True)
class _Line:
    start: int
    end: int  # end of content, newline excluded
    text: str


def _lines(text: str) -> list[_Line]:
    found = []
    start = 0
    for line in text.split("\n"):
        found.append(_Line(start, start + len(line), line))
        start += len(line) + 1
    return found


# Footnote references, links, <sup> tags and emphasis asterisks: a run of them opening a word, or closing one.
# (Every alternative opens with the character it consumes first, its lookbehind after it — "\*(?<![\w*]\*)"
# for "(?<![\w*])\*" — so that the re module looks for those characters alone instead of trying every
# alternative at every position of the text: 13 times quicker.)
MARKUP_TO_MASK = re.compile(r"\[\^\w+\]|\[([^\]\n]{1,200})\]\([^)\n]*\)|</?sup>"
                            r"|\*(?<![\w*]\*)\**|\*(?<!\*\*)\**+(?![\w*])")


MARKUP_CHARACTERS = "[<*"  # every match of MARKUP_TO_MASK holds one
HYPHENS = ("\u2010", "\u2011", "\u2012", "\u2013", "\u2212")


def mask_markup(text: str) -> str:
    """The text with Markdown markup blanked out, character for character, so offsets stay valid.

    "[65/230](#)" becomes " 65/230    " and "*Recalling*" becomes " Recalling ".
    """
    def blank(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            return " " + match.group(1) + " " * (len(match.group()) - len(match.group(1)) - 1)
        return " " * len(match.group())

    # (a text without any of the characters markup starts with, or without other hyphens, is left as it is:
    # looking for them is far quicker than the substitution or the translation)
    if any(character in text for character in MARKUP_CHARACTERS):
        text = MARKUP_TO_MASK.sub(blank, text)
    # non-breaking and other hyphens ("A/48/486‑S/26560", "ES‑10/15") read as the ASCII one
    # (one str.replace a hyphen: str.translate looks every character up in a table, far slower)
    for hyphen in HYPHENS:
        if hyphen in text:
            text = text.replace(hyphen, "-")
    return text


def segment(source: SourceText) -> Segments:
    """Split one document into its parts. Documents without an enacting formula have no paragraphs. A
    source read from markup (Akoma Ntoso) is split as its markup says, not by reading its text's layout."""
    if source.given is not None:
        return _as_marked_up(source, source.given)
    text = source.text
    lines = _lines(text)
    lang_order = [source.language, *(c for c in sorted(languages()) if c != source.language)]
    tables = [languages()[c] for c in lang_order if c in languages()]

    enacting_index, enacting_body, lang = _find_enacting(lines, tables)
    footnote_lines, footnotes = _find_footnotes(lines, tables[0])
    # Annexes are attached to resolutions; in a note or a letter the "annex" is its main content.
    annex_index = _first_match(lines, lang, "annex_heading", enacting_index) if enacting_index is not None else None
    end_of_body = annex_index if annex_index is not None else len(lines)
    body_span = Span(0, lines[end_of_body - 1].end if end_of_body else len(text))
    annexes = _annexes(lines, lang, annex_index, footnote_lines, len(text))

    if enacting_index is None:
        return Segments(source, mask_markup(text), Span(0, len(text)), None, None, [], footnotes, None, annexes,
                        body_span)

    meeting_index = _first_match(lines, lang, "meeting_line", enacting_index + 1, end_of_body)
    # notes after the paragraphs (a reservation, a lone "*" separator) close the resolution's text; before
    # the first operative paragraph a lone "*" only separates the preamble from it
    first_operative = next((i for i in range(enacting_index + 1, end_of_body) if _numbered_one(lines[i].text)),
                           enacting_index + 1)
    notes_index = _first_match(lines, lang, "closing_notes", first_operative, end_of_body)
    stop = min(i for i in (meeting_index, notes_index, end_of_body) if i is not None)
    paragraphs = _paragraphs(lines, enacting_index + 1, stop, footnote_lines, lang)
    _attach_footnotes(text, paragraphs, footnotes)
    closing = None
    if meeting_index is not None:
        closing_end = lines[min(meeting_index + 1, len(lines) - 1)].end
        closing = Span(lines[meeting_index].start, closing_end)
    enacting_line = lines[enacting_index]
    return Segments(
        source=source,
        plain=mask_markup(text),
        header=Span(0, enacting_line.start),
        enacting=Span(enacting_line.start, enacting_line.end),
        enacting_body=enacting_body,
        paragraphs=paragraphs,
        footnotes=footnotes,
        closing=closing,
        annexes=annexes,
        body_text=body_span,
    )


def _as_marked_up(source: SourceText, given: Given) -> Segments:
    """The parts the markup of a structured source gives; the enacting body is the markup's author, else
    the enacting formula's words ("The General Assembly," -> "General Assembly")."""
    enacting_body = given.author
    if enacting_body is None and given.enacting_text:
        enacting_body = given.enacting_text.strip(" ,*").removeprefix("The ").strip() or None
    return Segments(
        source=source,
        plain=source.text,  # rendered from markup: there is no Markdown markup to blank out
        header=given.header,
        enacting=given.enacting,
        enacting_body=enacting_body,
        paragraphs=list(given.paragraphs),
        footnotes=list(given.footnotes),
        closing=given.closing,
        annexes=list(given.annexes),
        body_text=given.body_text,
    )


def _annexes(lines: list[_Line], lang: Language, first: int | None, footnote_lines: set[int],
             text_end: int) -> list[Span]:
    """Each annex from its heading to the next heading (or the footnotes of the annexes)."""
    if first is None:
        return []
    starts = [i for i in range(first, len(lines)) if lang.match("annex_heading", lines[i].text)]
    spans = []
    for number, start in enumerate(starts):
        stop = starts[number + 1] if number + 1 < len(starts) else len(lines)
        inner = [i for i in range(start, stop) if i not in footnote_lines or i == start]
        last = max(inner)
        spans.append(Span(lines[start].start, lines[last].end if last < len(lines) else text_end))
    return spans


def _find_enacting(lines: list[_Line], tables: list[Language]) -> tuple[int | None, str | None, Language]:
    """The enacting formula; where a text lacks it, the adoption line of its cover page stands in."""
    for name in ("enacting_formula", "adoption_line"):
        for lang in tables:
            for index, line in enumerate(lines[:200]):
                match = lang.search(name, line.text) if name == "adoption_line" else lang.match(name, line.text)
                if not match:
                    continue
                body = match.group("body").strip(" *")
                # without its comma, a line "The …" is the formula only if it names a known body
                if name == "enacting_formula" and not match.group("comma") and not is_known_body(body):
                    continue
                return index, body, lang
    return None, None, tables[0]


def _first_match(lines: list[_Line], lang: Language, name: str, start: int, stop: int | None = None) -> int | None:
    for index in range(start, len(lines) if stop is None else stop):
        if lang.match(name, lines[index].text):
            return index
    return None


def _find_footnotes(lines: list[_Line], lang: Language) -> tuple[set[int], list[Footnote]]:
    """Footnote blocks: numbered lines right below a rule (or a wide blank line), until the text resumes."""
    rule = lang.patterns("footnote_rule")[0]
    in_block = False
    block_lines: set[int] = set()
    notes: list[Footnote] = []
    for index, line in enumerate(lines):
        markdown = MARKDOWN_FOOTNOTE.match(line.text)
        if markdown:
            notes.append(Footnote(markdown.group("marker"), Span(line.start + markdown.start("text"), line.end)))
            block_lines.add(index)
            in_block = True
            continue
        if rule.match(line.text) or WIDE_BLANK.match(line.text):
            in_block = True
            block_lines.add(index)
            continue
        if not in_block:
            continue
        match = FOOTNOTE_LINE.match(line.text)
        if match:
            marker = match.group("sup") or match.group("plain")
            notes.append(Footnote(marker, Span(line.start + match.start("text"), line.end)))
            block_lines.add(index)
        elif not line.text.strip():
            block_lines.add(index)
        elif notes and notes[-1].span.end == lines[index - 1].end and not _is_start(line.text, lang):
            # a footnote's text wrapped onto the next line
            notes[-1] = Footnote(notes[-1].marker, Span(notes[-1].span.start, line.end))
            block_lines.add(index)
        else:
            in_block = False
    return block_lines, notes


def _is_start(text: str, lang: Language) -> bool:
    return bool(OPERATIVE_START.match(text) or lang.match("participle", MARKUP.sub("", text)))


def _numbered_one(text: str) -> bool:
    """Whether the line opens operative paragraph 1."""
    match = OPERATIVE_START.match(text)
    return match is not None and match.group("number") in ("1", "l", "I")


# A letter, or a closing parenthesis: how a heading ends ("Measures", "Mandate of UNMISS (2011)").
HEADING_END = re.compile(r"[^\W\d_]|\)")


def _unpunctuated(text: str) -> bool:
    """Whether a line ends without punctuation, as a heading does ("Measures", "Mandate of UNMISS", "*"):
    its last character other than white space and asterisks is a letter or ")", or it has only those.
    (Read from the end: a pattern searched for would be tried at every letter of a long line.)"""
    end = len(text)
    while end and (text[end - 1].isspace() or text[end - 1] == "*"):
        end -= 1
    return bool(HEADING_END.fullmatch(text[end - 1])) if end else bool(text)


def _is_heading(index: int, lines: list[_Line], stop: int, skip: set[int], previous: str, one_per_line: bool) -> bool:
    """A heading or separator between the preamble and the operative part: a line without final
    punctuation after a complete preambular paragraph, in a text laid out one paragraph per line or right
    before operative paragraph 1. It is neither a paragraph nor part of the one before it."""
    if not (previous and ENDS_PREAMBULAR.search(previous) and _unpunctuated(lines[index].text)):
        return False
    if len(lines[index].text.split()) > 25:
        return False
    following = next((lines[i].text for i in range(index + 1, stop) if i not in skip and lines[i].text.strip()), "")
    return one_per_line or _numbered_one(following)


def _paragraphs(lines: list[_Line], first: int, stop: int, skip: set[int], lang: Language) -> list[Paragraph]:
    paragraphs: list[Paragraph] = []
    last_text = ""
    preambular_count = 0
    operative_count = 0
    content = [lines[i].text for i in range(first, stop) if i not in skip and lines[i].text.strip()]
    # Texts laid out one paragraph per line (rather than wrapped as on a printed page) let any
    # capitalised line after a paragraph ending in a comma open the next paragraph.
    one_per_line = bool(content) and sorted(map(len, content))[len(content) // 2] > 100
    for index in range(first, stop):
        if index in skip:
            continue
        line = lines[index]
        if not line.text.strip():
            continue
        operative = OPERATIVE_START.match(line.text)
        number = operative.group("number") if operative else ""
        ordinal = 1 if number in ("l", "I") else int(number) if number.isdigit() else 0
        # paragraphs are numbered as printed, and a printed number may be skipped ("44.", "46.")
        if operative and operative_count < ordinal <= operative_count + 1 + SKIPPED_NUMBERS:
            operative_count = ordinal
            paragraphs.append(Paragraph("operative", operative_count, Span(line.start, line.end),
                                        opening_phrase(line.text[operative.end():], lang, "operative")))
        elif operative_count == 0 and _starts_unnumbered_operative(line.text, last_text, lang, index, stop, lines):
            operative_count += 1
            start = line.start + len(line.text) - len(line.text.lstrip())
            paragraphs.append(Paragraph("operative", operative_count, Span(start, line.end),
                                        opening_phrase(line.text.lstrip(), lang, "operative")))
        elif operative_count == 0 and paragraphs and _is_heading(index, lines, stop, skip, last_text, one_per_line) \
                and not _starts_preambular(line.text, last_text, lang, False):
            continue
        elif operative_count == 0 and _starts_preambular(line.text, last_text, lang, one_per_line):
            preambular_count += 1
            start = line.start + len(line.text) - len(line.text.lstrip())
            paragraphs.append(Paragraph("preambular", preambular_count, Span(start, line.end),
                                        opening_phrase(line.text.lstrip(), lang, "preambular")))
        elif paragraphs:
            paragraphs[-1].span = Span(paragraphs[-1].span.start, line.end)
        else:
            continue
        last_text = line.text
    return paragraphs


def _starts_unnumbered_operative(text: str, previous: str, lang: Language, index: int, stop: int,
                                 lines: list[_Line]) -> bool:
    """A resolution with a single operative paragraph does not number it: 'Takes note of …'."""
    words = MARKUP.sub("", text)
    if (previous and not ENDS_PREAMBULAR.search(previous)) or ENDS_PREAMBULAR.search(text) or SUB_ITEM.match(text):
        return False
    if not (lang.match("operative_verb", words) or _opens_with(words, _openings(lang.code).operative)):
        return False
    later = [line.text for line in lines[index + 1:stop] if line.text.strip()]
    return not any(OPERATIVE_START.match(t) for t in later)


# A lettered or numbered item of a list inside a paragraph: "(a) To promote", "a) die", "ii) …".
SUB_ITEM = re.compile(r"^[^\S\n]*+\(?(?:[a-z]{1,2}|[ivx]{1,4}|\d{1,2})\)\s")


def _starts_preambular(text: str, previous: str, lang: Language, one_per_line: bool) -> bool:
    if (previous and not ENDS_PREAMBULAR.search(previous)) or SUB_ITEM.match(text):
        return False
    words = MARKUP.sub("", text)
    # English, French, Spanish paragraphs open with a capital; German ones with a lower-case word
    if lang.get("paragraph_case", "upper") == "upper" and not words[:1].isupper():
        return False
    if not words[:1].isalpha():
        return False
    if _opens_with(words, _openings(lang.code).preambular) or lang.match("opening_patterns", words):
        return True
    return bool(lang.match("participle", words)) or (one_per_line and bool(previous))


def _opens_with(words: str, phrases: dict[str, tuple[str, ...]]) -> bool:
    """Whether the text opens with one of the phrases (by first character: _Openings), as whole words
    ("Decides," but not "Decidesx")."""
    return any(words.startswith(p) and not words[len(p):len(p) + 1].isalnum()
               for first in (words[:1], "") for p in phrases.get(first, ()))


@dataclass(frozen=True)
class _Openings:
    """A language's opening phrases, arranged once for the many paragraphs that are read with them."""

    preambular: dict[str, tuple[str, ...]]  # the phrases by their first character, in the table's order
    operative: dict[str, tuple[str, ...]]
    prefixes: tuple[str, ...]  # longest first
    modifiers: tuple[tuple[str, re.Pattern[str]], ...]  # a modifier and where it follows a phrase, longest first


def _by_first_character(phrases: list[str]) -> dict[str, tuple[str, ...]]:
    grouped: dict[str, list[str]] = {}
    for phrase in phrases:
        grouped.setdefault(phrase[:1], []).append(phrase)
    return {first: tuple(group) for first, group in grouped.items()}


@cache
def _openings(code: str) -> _Openings:
    lang = languages()[code]
    modifiers = sorted(lang.get("phrase_modifiers", []), key=len, reverse=True)
    return _Openings(_by_first_character(lang.get("preambular_phrases", [])),
                     _by_first_character(lang.get("operative_phrases", [])),
                     tuple(sorted(lang.get("phrase_prefixes", []), key=len, reverse=True)),
                     tuple((modifier, re.compile(rf"\s+{re.escape(modifier)}\b")) for modifier in modifiers))


def opening_phrase(text: str, lang: Language, kind: str) -> str | None:
    """The opening words of a paragraph as written: the italic span, else the longest known phrase or
    opening pattern at its start, else (where the language puts the participle after its object: "den
    Parteien nahelegend") the phrase head further on, else its first word."""
    italic = re.match(r"\s*\*(?P<phrase>[^*\n]{1,80})\*", text)
    if italic:
        return " ".join(italic.group("phrase").split())
    words = MARKUP.sub("", text)
    if kind == "operative":  # "11. (a) Expresses …": the paragraph opens with its first item
        words = SUB_ITEM.sub("", words, count=1)
    openings = _openings(lang.code)
    prefix = ""
    for candidate in openings.prefixes:
        if words.startswith(candidate + " "):
            prefix, words = candidate + " ", words[len(candidate) + 1:]
            break
    table = openings.preambular if kind == "preambular" else openings.operative
    found = [p for first in (words[:1], "") for p in table.get(first, ())
             if words.startswith(p) and not words[len(p):len(p) + 1].isalpha()]
    if kind == "preambular":
        found += [" ".join(m.group().split()) for m in (p.match(words) for p in lang.patterns("opening_patterns")) if m]
    phrase = max(found, key=len, default=None)
    if phrase is None and kind == "preambular" and (head := _phrase_head(words, lang)):
        return prefix + head  # "erneut seine Bereitschaft bekundend": "erneut bekundend"
    if phrase is None:
        first = re.match(r"[^\W\d_][\w'’-]*", words)
        if first is None:
            return None
        phrase = first.group()
    rest = words[len(phrase):]
    if rest[:1].isspace():  # (each modifier's pattern opens with white space)
        for modifier, pattern in openings.modifiers:
            if pattern.match(rest):
                phrase += " " + modifier
                break
    return (prefix + phrase).strip()


def _phrase_head(words: str, lang: Language) -> str | None:
    """The phrase head of a paragraph that opens with its object ("den Parteien nahelegend", "die
    Ermordung … auf das Schärfste verurteilend"): the first head in the opening words, with the modifiers
    right before it, if the language has such heads (phrase_heads) and the paragraph has not yet ended."""
    window = words[: lang.get("phrase_head_window", 0)]
    window = re.split(r"[;:]|,\s+(?:dass|wie|ob)\b", window)[0]
    head = lang.search("phrase_heads", window) if lang.get("phrase_heads") else None
    return " ".join(head.group().split()) if head else None


@lru_cache(maxsize=1024)  # the same few markers ("1", "2", "*") in every document
def marker_pattern(marker: str) -> re.Pattern[str]:
    """Where a footnote marker sits in the text: in <sup>, glued to the word before it, or to a year
    ("2015-20302": the year 2030, then marker 2)."""
    escaped = re.escape(marker)
    # (what stands before a glued marker is looked behind from its end, "2(?<=[^\s…]2)", so that every
    # alternative opens with a character and the re module looks for those alone)
    return re.compile(rf"<sup>\s*{escaped}\s*</sup>|\[\^{escaped}\]"
                      rf"|{escaped}(?:(?<=[^\s\d/.(\[-]{escaped})|(?<=[^\d](?:19|20)\d\d{escaped}))(?=[\s,;.:)]|$)")


def _attach_footnotes(text: str, paragraphs: list[Paragraph], footnotes: list[Footnote]) -> None:
    """Give each footnote to the paragraph that carries its marker (glued to the word before it)."""
    position = 0
    for note in footnotes:
        pattern = marker_pattern(note.marker)
        for paragraph in paragraphs:
            if paragraph.span.end < position:
                continue
            start = max(paragraph.span.start, position)
            # every match holds the marker as written: a paragraph without it is not scanned with the pattern
            if text.find(note.marker, start, paragraph.span.end) < 0:
                continue
            match = pattern.search(text, start, paragraph.span.end)
            if match:
                paragraph.footnote_markers.append(note.marker)
                position = match.end()
                break
