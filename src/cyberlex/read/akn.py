"""Read Akoma Ntoso (AKN4UN) XML: the structure the markup gives, instead of re-parsing its text.

The document is rendered to plain text laid out as the printed resolution is (cover page, title,
preamble, numbered paragraphs, meeting line, footnotes, annexes: the layout of
``../shared/eval/akn2gold.py`` and of text taken from the printed document), so that every offset
of the evidence points into one text and ``extract()`` runs on it as on any text. While rendering, the
reader records, as plain data on the SourceText (cyberlex.models.Given), what the markup says outright
and text extraction would have to guess (``segment()`` takes the parts from it, ``extract()`` merges the
facts, ``Mapper.map()`` writes the keywords, FRBR identifiers and vote):

- the parts (Akoma Ntoso 3.0, OASIS LegalDocML, part 1 §5): ``coverPage``, ``preface``,
  ``preamble`` with its enacting ``formula`` and one ``container`` per preambular paragraph, named
  after its opening phrase (AKN4UN: ``<container name="Recalling also">``), ``mainBody`` with one
  ``paragraph`` per operative paragraph (its printed number in ``num``, sub-paragraphs nested),
  ``conclusions`` (meeting line and date), ``attachments`` (annexes, each a ``doc name="annex"``);
- ``authorialNote`` footnotes, with their markers;
- ``a href`` links to other documents (``https://undocs.org/<symbol>``, ``https://docs.un.org/<symbol>``,
  in any language folder: ``en/``, ``sp/``, ``ot/``…; mappings/symbols.toml ``[links]``), which become citations;
- the FRBR identification (work, expression and manifestation IRIs, adoption date, author), the
  ``classification`` keywords with their UNBIS, EuroVoc and SDG IRIs, and the recorded vote.

The XML is parsed by lxml with entity resolution, network access and huge trees switched off; a
document type declaration is refused before parsing, since Akoma Ntoso needs none and DTDs are how
entity-expansion ("billion laughs") and external-entity attacks are made.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from cyberlex.models import Footnote, Given, GivenValue, Keyword, Link, Paragraph, Span, Vote
from cyberlex.resolve import symbol_of_link

AKN_NS = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
A = "{" + AKN_NS + "}"
MEDIA_TYPE = "application/akn+xml"
MAX_XML_BYTES = 64 * 1024 * 1024
LANGUAGES = {"eng": "en", "fra": "fr", "spa": "es", "deu": "de", "ger": "de", "rus": "ru", "ara": "ar", "zho": "zh",
             "chi": "zh"}
BLOCKS = {"p", "num", "heading", "subheading", "docTitle", "crossHeading"}
NUMBERED = {"paragraph", "subparagraph", "point", "item", "article", "section"}
PARTS = ("coverPage", "preface", "preamble", "mainBody", "conclusions")
# Private-use characters mark where a link opens and closes while whitespace is collapsed.
OPEN, CLOSE, EOL = "\ue000", "\ue001", "\x00"
DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.I)


class AknError(ValueError):
    """An XML file that is refused or has no Akoma Ntoso document in it; the message says why."""


def looks_like_akn(data: bytes) -> bool:
    """Whether the bytes are XML whose root element is ``akomaNtoso`` (a look at the first 4 KB)."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"<"):
        return False
    head = re.sub(rb"<\?.*?\?>|<!--.*?-->|\s+", b" ", head, flags=re.S)
    root = re.search(rb"<(?![!?])(?:[\w.-]+:)?([\w.-]+)", head)
    return bool(root and root.group(1) == b"akomaNtoso")


def parse_xml(data: bytes) -> etree._Element:
    """Parse XML safely: no DTD, no entities, no network, no huge trees; raise AknError saying why not."""
    if len(data) > MAX_XML_BYTES:
        raise AknError(f"the XML file is larger than {MAX_XML_BYTES // (1024 * 1024)} MB")
    refused = AknError("XML with a document type declaration (<!DOCTYPE> or <!ENTITY>) is refused: Akoma Ntoso "
                       "needs none, and entity declarations are how entity-expansion and external-entity attacks "
                       "are made")
    if DOCTYPE.search(data[:65536]) or DOCTYPE.search(data):
        raise refused
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                             dtd_validation=False, remove_pis=True, remove_comments=True)
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise AknError(f"not well-formed XML: {exc}") from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:  # declared in an encoding the byte test cannot see
        raise refused
    return root


# -- rendering with offsets -----------------------------------------------------------------------

@dataclass
class _Line:
    """One rendered block: its text, the links in it (offsets into the text) and the notes it carries."""

    text: str
    links: list[tuple[int, int, str]] = field(default_factory=list)
    notes: list[int] = field(default_factory=list)  # indexes into the renderer's notes


@dataclass
class _Note:
    marker: str
    line: _Line


def _local(tag: object) -> str:
    return tag.split("}", 1)[1] if isinstance(tag, str) and "}" in tag else str(tag)


class _Renderer:
    """Lays out block elements in document order, one line per block, as akn2gold does."""

    def __init__(self) -> None:
        self.notes: list[_Note] = []

    # inline content -----------------------------------------------------------------------
    def inline(self, el: etree._Element) -> _Line:
        hrefs: list[str] = []
        notes: list[int] = []
        raw = self._inline_raw(el, hrefs, notes)
        text = re.sub(r"\s+", " ", raw).replace(" " + EOL + " ", "\n").replace(EOL, "\n")
        return self._resolve_marks(text, hrefs, notes)

    def _inline_raw(self, el: etree._Element, hrefs: list[str], notes: list[int]) -> str:
        parts = [el.text or ""]
        for child in el:
            tag = _local(child.tag)
            if not isinstance(child.tag, str):  # comments and processing instructions left by the parser
                parts.append(child.tail or "")
                continue
            if tag == "authorialNote":
                marker = child.get("marker") or str(len(self.notes) + 1)
                note_lines = [self.inline(p) for p in child]
                self.notes.append(_Note(marker, _join_inline(note_lines)))
                notes.append(len(self.notes) - 1)
                parts.append(marker)
            elif tag == "eol":
                parts.append(EOL)
            elif tag in ("a", "ref") and child.get("href"):
                hrefs.append(child.get("href") or "")
                parts.append(OPEN + self._inline_raw(child, hrefs, notes).replace(EOL, " ") + CLOSE)
            else:  # a line end below the element's own level becomes a space, as in akn2gold
                parts.append(self._inline_raw(child, hrefs, notes).replace(EOL, " "))
            parts.append(child.tail or "")
        return "".join(parts)

    @staticmethod
    def _resolve_marks(text: str, hrefs: list[str], notes: list[int]) -> _Line:
        """Drop the link marks, recording where each link's text starts and ends."""
        out: list[str] = []
        links: list[tuple[int, int, str]] = []
        stack: list[tuple[int, str]] = []
        position = 0
        number = 0
        for ch in text:
            if ch == OPEN:
                stack.append((position, hrefs[number] if number < len(hrefs) else ""))
                number += 1
            elif ch == CLOSE:
                if stack:
                    start, href = stack.pop()
                    links.append((start, position, href))
            else:
                out.append(ch)
                position += 1
        rendered = "".join(out)
        # strip() as akn2gold does: shift the links by what the left strip removes
        left = len(rendered) - len(rendered.lstrip())
        stripped = rendered.strip()
        kept = []
        for start, end, href in links:
            start, end = max(0, start - left), min(len(stripped), end - left)
            while start < end and stripped[start].isspace():
                start += 1
            while end > start and stripped[end - 1].isspace():
                end -= 1
            if start < end:
                kept.append((start, end, href))
        return _Line(stripped, sorted(kept), notes)

    # blocks -------------------------------------------------------------------------------
    def render(self, el: etree._Element, out: list[_Line], indent: str = "") -> None:
        tag = _local(el.tag)
        if not isinstance(el.tag, str) or tag in ("meta", "authorialNote"):
            return
        num = el.find(A + "num")
        if tag in NUMBERED and num is not None:
            number = self.inline(num)
            first: list[etree._Element] = []
            later: list[etree._Element] = []
            for child in el:
                if child is num or not isinstance(child.tag, str):
                    continue
                (later if first else first).append(child)
            line: list[_Line] = []
            for child in first:
                sub: list[_Line] = []
                self.render(child, sub, indent)
                line += sub
            head = _concat(number, line[0] if line else _Line(""))
            out.append(_indent(head, indent))
            out += line[1:]
            for child in later:
                self.render(child, out, indent + "   " if tag != "article" else indent)
            return
        if tag in BLOCKS:
            rendered = self.inline(el)
            if rendered.text:
                out.append(_indent(rendered, indent))
            return
        for child in el:
            self.render(child, out, indent)


def _indent(line: _Line, indent: str) -> _Line:
    if not indent:
        return line
    return _Line(indent + line.text, [(s + len(indent), e + len(indent), h) for s, e, h in line.links], line.notes)


def _concat(number: _Line, rest: _Line) -> _Line:
    """'1.' and 'Decides …' on one line, stripped as akn2gold strips it."""
    left = number.text.strip()
    right = rest.text.strip()
    text = (left + " " + right).strip()
    shift = len(left) + 1 if left else 0
    shift -= len(rest.text) - len(rest.text.lstrip())
    links = [(s - (len(number.text) - len(number.text.lstrip())), e - (len(number.text) - len(number.text.lstrip())),
              h) for s, e, h in number.links]
    links += [(s + shift, e + shift, h) for s, e, h in rest.links]
    return _Line(text, links, number.notes + rest.notes)


def _join_inline(lines: list[_Line]) -> _Line:
    """Paragraphs of a footnote on one line, joined by a space (and stripped), as akn2gold does."""
    text = ""
    links: list[tuple[int, int, str]] = []
    notes: list[int] = []
    for number, line in enumerate(lines):
        if number:
            text += " "
        links += [(s + len(text), e + len(text), h) for s, e, h in line.links]
        notes += line.notes
        text += line.text
    left = len(text) - len(text.lstrip())
    stripped = text.strip()
    return _Line(stripped, [(s - left, e - left, h) for s, e, h in links if e - left <= len(stripped)], notes)


class _Text:
    """The text being written, with the offsets of what is put into it."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.links: list[Link] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.length += len(text)

    def line(self, line: _Line) -> Span:
        start = self.length
        self.add(line.text)
        for s, e, href in line.links:
            self.links.append(Link(Span(start + s, start + e), href))
        return Span(start, self.length)

    def value(self) -> str:
        return "".join(self.parts)


_Block = Callable[[list["_Line"]], Span | None]


# -- reading --------------------------------------------------------------------------------------

@dataclass
class AknDocument:
    """An Akoma Ntoso document as read: its rendered text, language and what the markup gives."""

    text: str
    language: str
    given: Given


def symbol_of(href: str) -> str | None:
    """The document symbol a link to undocs.org or docs.un.org points to, in any language folder:
    'https://undocs.org/en/S/RES/242(1967)' -> 'S/RES/242 (1967)' (mappings/symbols.toml [links])."""
    return symbol_of_link(href)


def read_akn(data: bytes) -> AknDocument:
    """Render an Akoma Ntoso document to text and record its structure and markup-given facts."""
    root = parse_xml(data)
    if _local(root.tag) != "akomaNtoso" or not root.tag.startswith(A):
        raise AknError(f"the XML root element is <{_local(root.tag)}>, not an Akoma Ntoso 3.0 <akomaNtoso>")
    doc = next((c for c in root if isinstance(c.tag, str)), None)
    if doc is None:
        raise AknError("the <akomaNtoso> element holds no document")
    renderer = _Renderer()
    text = _Text()
    given = Given()

    def block(lines: list[_Line]) -> Span | None:
        """Write lines separated by blank lines; the span from the first to the last."""
        first: int | None = None
        for line in lines:
            if text.length:
                text.add("\n\n")
            span = text.line(line)
            first = span.start if first is None else first
        return Span(first, text.length) if first is not None else None

    header_end = 0
    for part in PARTS:
        el = doc.find(A + part)
        if el is None:
            continue
        if part == "preamble":
            header_end = text.length + (2 if text.length else 0)
            _preamble(el, renderer, block, given)
        elif part == "mainBody":
            _main_body(el, renderer, block, given)
        else:
            lines: list[_Line] = []
            renderer.render(el, lines)
            span = block(lines)
            if part == "conclusions":
                given.closing = span
    if not header_end:
        header_end = text.length
    given.header = Span(0, header_end)
    footnotes = _footnotes(renderer, range(len(renderer.notes)), text)
    given.footnotes = footnotes
    given.body_text = Span(0, text.length)
    attachments = doc.find(A + "attachments")
    if attachments is not None:
        done = len(renderer.notes)
        for attachment in attachments:
            if not isinstance(attachment.tag, str):
                continue
            done = len(renderer.notes)
            lines = []
            renderer.render(attachment, lines)
            span = block(lines)
            if span is not None:
                given.annexes.append(span)
        # notes of the annexes below them all, as on the printed page
        annex_notes = _footnotes(renderer, range(done, len(renderer.notes)), text)
        if annex_notes and given.annexes:
            given.annexes[-1] = Span(given.annexes[-1].start, text.length)
    text.add("\n")
    given.links = text.links
    rendered = text.value()
    language = _language(root)
    _metadata(root, doc, given, rendered)
    return AknDocument(rendered, language, given)


def _footnotes(renderer: _Renderer, which: range, text: _Text) -> list[Footnote]:
    if not len(which):
        return []
    text.add("\n\n__________________\n")
    notes = []
    for number, index in enumerate(which):
        note = renderer.notes[index]
        if number:
            text.add("\n")
        text.add(note.marker + " ")
        span = text.line(note.line)
        notes.append(Footnote(note.marker, span))
    return notes


def _preamble(el: etree._Element, renderer: _Renderer, block: _Block, given: Given) -> None:
    ordinal = 0
    for child in el:
        if not isinstance(child.tag, str):
            continue
        tag = _local(child.tag)
        lines: list[_Line] = []
        renderer.render(child, lines)
        span = block(lines)
        if span is None:
            continue
        if tag == "formula":
            given.enacting = Span(span.start, span.start + len(lines[0].text))
            given.enacting_text = lines[0].text
        elif tag == "container":
            ordinal += 1
            name = " ".join((child.get("name") or "").split()) or _italic_phrase(child)
            given.paragraphs.append(Paragraph("preambular", ordinal, span, name or None,
                                              [renderer.notes[n].marker for line in lines for n in line.notes]))


def _main_body(el: etree._Element, renderer: _Renderer, block: _Block, given: Given) -> None:
    """Operative paragraphs, numbered as printed: a paragraph's ``num`` is its ordinal. A paragraph without
    ``num`` is a clause in a text that numbers none (a single operative paragraph), or where its text
    starts with the next number (a number the markup left in the text); one that ends with a comma before
    the first numbered paragraph is a preambular paragraph the markup put in the body; one that starts in
    lower case continues the paragraph before it; any other is a heading ('I', 'Budget performance
    report'), not a clause."""
    children = [c for c in el if isinstance(c.tag, str)]
    numbered = [c for c in children if _local(c.tag) == "paragraph" and _number(c) is not None]
    ordinal = 0
    preambular = sum(1 for p in given.paragraphs if p.kind == "preambular")
    for child in children:
        lines: list[_Line] = []
        renderer.render(child, lines)
        span = block(lines)
        if span is None:
            continue
        markers = [renderer.notes[n].marker for line in lines for n in line.notes]
        last = given.paragraphs[-1] if given.paragraphs else None
        is_paragraph = _local(child.tag) == "paragraph"
        number = _number(child) if is_paragraph else None
        phrase = _italic_phrase(child) if is_paragraph else None
        text = lines[0].text.strip()
        if number is None and phrase is not None and ordinal == 0 and _num_text(child) in ("l", "I"):
            number = 1  # a lower-case l or capital I for 1 is a common misprint of the first number
        if number is None and phrase is not None:
            written = re.match(r"(\d{1,4})\.?\s", text)
            if written and int(written.group(1)) == ordinal + 1:
                number = ordinal + 1
            elif not numbered and ordinal == 0:
                number = 1
            elif ordinal == 0 and text.endswith(","):
                preambular += 1
                given.paragraphs.append(Paragraph("preambular", preambular, span, phrase, markers))
                continue
        if number is not None:
            ordinal = number if number > ordinal else ordinal + 1
            given.paragraphs.append(Paragraph("operative", ordinal, span, phrase, markers))
        elif last is not None and last.kind == "operative" and _continues(lines, child):
            last.span = Span(last.span.start, span.end)
            last.footnote_markers += markers


def _num_text(paragraph: etree._Element) -> str:
    num = paragraph.find(A + "num")
    return "".join(num.itertext()).strip().rstrip(".").strip() if num is not None else ""


def _number(paragraph: etree._Element) -> int | None:
    num = paragraph.find(A + "num")
    if num is None:
        return None
    found = re.fullmatch(r"\s*+(\d{1,4})\s*+\.?+\s*+", "".join(num.itertext()))
    return int(found.group(1)) if found else None


def _continues(lines: list[_Line], el: etree._Element) -> bool:
    first = lines[0].text.lstrip() if lines else ""
    num = el.find(A + "num")
    if num is not None and re.fullmatch(r"\s*(?:\(?[a-z]{1,4}\)|\d+\.\d+)\s*", "".join(num.itertext())):
        return True  # "(a)", "ii)", "1.1": a sub-item written at the top level
    return bool(first) and (first[0].islower() or first[0] in ".,;:")


def _italic_phrase(el: etree._Element) -> str | None:
    italic = el.find(f".//{A}content//{A}span[@class='italic']")
    if italic is None:
        italic = el.find(f".//{A}p/{A}span[@class='italic']")
    if italic is None:
        return None
    phrase = " ".join("".join(italic.itertext()).split())
    return phrase or None


def _language(root: etree._Element) -> str:
    lang = root.find(f".//{A}FRBRExpression/{A}FRBRlanguage")
    code = (lang.get("language") if lang is not None else None) or "eng"
    return LANGUAGES.get(code, code[:2])


def _find_span(rendered: str, needle: str, within: Span | None = None) -> Span | None:
    needle = " ".join(needle.split())
    if not needle:
        return None
    start, end = (within.start, within.end) if within else (0, len(rendered))
    found = rendered.find(needle, start, end)
    if found < 0:
        found = rendered.find(needle)
    return Span(found, found + len(needle)) if found >= 0 else None


def _metadata(root: etree._Element, doc: etree._Element, given: Given, rendered: str) -> None:
    """What the markup states about the document: symbol, title, body, dates, session, agenda, meeting,
    FRBR identifiers, keywords, vote; each with the span where the rendered text prints it, if it does."""
    meta = doc.find(A + "meta")
    header = given.header
    symbol_el = doc.find(f"{A}coverPage//{A}docNumber")
    if symbol_el is not None:
        symbol = " ".join("".join(symbol_el.itertext()).split())
        given.symbol = symbol or None
        if symbol:
            given.values.append(GivenValue("identifier", symbol, _find_span(rendered, symbol, header)))
    title_el = doc.find(f"{A}preface//{A}docTitle")
    if title_el is not None:
        title = " ".join(_Renderer().inline(title_el).text.split())
        if title:
            given.values.append(GivenValue("title", title, _find_span(rendered, title, header)))
    if meta is None:
        return
    work = meta.find(f"{A}identification/{A}FRBRWork")
    if work is not None:
        date = work.find(A + "FRBRdate")
        if date is not None and re.fullmatch(r"\d{4}-\d{2}-\d{2}", date.get("date") or ""):
            written = _printed_date(doc, date.get("date") or "")
            span = _find_span(rendered, written, given.closing) if written else None
            given.values.append(GivenValue("adoptionDate", date.get("date") or "", span, datatype="date"))
        author = work.find(A + "FRBRauthor")
        if author is not None:
            given.author = _organization(meta, (author.get("href") or "").lstrip("#"))
        uri = work.find(A + "FRBRuri")
        if uri is not None and uri.get("value"):
            given.frbr["work"] = uri.get("value") or ""
    for level in ("Expression", "Manifestation"):
        el = meta.find(f"{A}identification/{A}FRBR{level}/{A}FRBRthis")
        if el is not None and el.get("value"):
            given.frbr[level.lower()] = el.get("value") or ""
    session = doc.find(f"{A}coverPage//{A}session")
    if session is not None:
        written = " ".join("".join(session.itertext()).split())
        if written:
            given.values.append(GivenValue("session", written, _find_span(rendered, written, header)))
    for inline in doc.iterfind(f"{A}coverPage//{A}inline[@name='agenda item']"):
        written = " ".join("".join(inline.itertext()).split())
        number = re.search(r"\d+(?:\s*\([a-z]\))?", written)
        if number:
            span = _find_span(rendered, written, header)
            if span is not None:
                offset = written.find(number.group())
                span = Span(span.start + offset, span.start + offset + len(number.group()))
            given.values.append(GivenValue("agendaItem", number.group(), span))
        break
    meeting = doc.find(f"{A}conclusions//{A}inline[@name='adoptionMeeting']")
    if meeting is not None:
        written = " ".join("".join(meeting.itertext()).split())
        if written:
            given.values.append(GivenValue("meeting", written, _find_span(rendered, written, given.closing)))
    for keyword in meta.iterfind(f"{A}classification/{A}keyword"):
        href = keyword.get("href") or ""
        label = keyword.get("showAs") or keyword.get("value") or ""
        if keyword.get("refersTo") == "agenda":
            continue
        given.keywords.append(Keyword(label.replace("_", " "), href or None, keyword.get("dictionary") or ""))
    voting = meta.find(f"{A}analysis/{A}parliamentary/{A}voting")
    if voting is not None:
        counts: dict[str, int] = {}
        voters: dict[str, list[str]] = {}
        for count in voting.iterfind(A + "count"):
            kind = count.get("refersTo") or ""
            value = count.get("value") or ""
            if value.isdigit():
                counts[kind] = int(value)
            voters[kind] = [" ".join("".join(o.itertext()).split()) for o in count.iter(A + "organization")]
        given.vote = Vote(voting.get("outcome") or "", counts, voters)


def _organization(meta: etree._Element, eid: str) -> str | None:
    for org in meta.iterfind(f"{A}references/{A}TLCOrganization"):
        if org.get("eId") == eid:
            return org.get("showAs")
    return None


def _printed_date(doc: etree._Element, iso: str) -> str | None:
    for date in doc.iterfind(f"{A}conclusions//{A}docDate"):
        if date.get("date") == iso:
            return " ".join("".join(date.itertext()).split())
    return None
