"""Read Word (.docx, Office Open XML, ECMA-376): the text of the body, paragraph by paragraph, footnotes apart.

WordprocessingML is read straight from the ZIP container with the standard library and lxml (no
extra dependency): each ``w:p`` of ``word/document.xml`` is one paragraph (table cells give theirs
in order, so a cover page laid out in a table keeps its lines); ``w:tab`` and ``w:br`` become a tab
and a line break; a ``w:footnoteReference`` becomes its footnote's number glued to the word before,
and the footnotes of ``word/footnotes.xml`` are written after the body below a rule, as in text
taken from the printed page. Headers and footers are other parts and are left out.

The container is checked before anything is inflated: at most MAX_ENTRIES entries, parts read
through a reader that stops at MAX_PART_BYTES whatever the entry claims, and a compression ratio
no higher than MAX_RATIO, so a ZIP bomb is refused rather than unpacked.
"""

from __future__ import annotations

import io
import re
import zipfile

from lxml import etree

from cyberlex.read.akn import AknError, parse_xml

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MAX_ENTRIES = 2000
MAX_PART_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 256 * 1024 * 1024
MAX_RATIO = 200
FOOTNOTE_RULE = "__________________"


class DocxError(ValueError):
    """A Word file that is refused or cannot be read; the message says why."""


def is_docx(data: bytes) -> bool:
    """Whether the bytes are a ZIP container holding word/document.xml."""
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _read_part(archive: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_PART_BYTES:
        raise DocxError(f"the part {name} would unpack to {info.file_size} bytes, more than {MAX_PART_BYTES}")
    if info.compress_size and info.file_size / info.compress_size > MAX_RATIO and info.file_size > 1024 * 1024:
        raise DocxError(f"the part {name} is compressed {info.file_size // info.compress_size}:1, a ZIP bomb's "
                        "ratio: refused")
    with archive.open(info) as handle:
        data = handle.read(MAX_PART_BYTES + 1)  # whatever the entry claims, read no more than the limit
    if len(data) > MAX_PART_BYTES:
        raise DocxError(f"the part {name} unpacks to more than {MAX_PART_BYTES} bytes")
    return data


def read_docx(data: bytes) -> str:
    """The text of a Word document: paragraphs separated by blank lines, then its footnotes."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DocxError(f"not a readable ZIP container: {exc}") from exc
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ENTRIES:
            raise DocxError(f"the ZIP container has {len(entries)} entries, more than {MAX_ENTRIES}")
        if sum(i.file_size for i in entries) > MAX_TOTAL_BYTES:
            raise DocxError(f"the ZIP container would unpack to more than {MAX_TOTAL_BYTES} bytes: refused")
        if any(i.flag_bits & 0x1 for i in entries):
            raise DocxError("the Word document is encrypted")
        try:
            document = _read_part(archive, "word/document.xml")
            footnotes = _read_part(archive, "word/footnotes.xml")
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
            raise DocxError(f"a part of the Word document cannot be unpacked: {exc}") from exc
    if document is None:
        raise DocxError("the ZIP container holds no word/document.xml: not a Word document")
    try:
        root = parse_xml(document)
        notes_root = parse_xml(footnotes) if footnotes else None
    except AknError as exc:
        raise DocxError(f"word/document.xml: {exc}") from exc
    notes = _footnotes(notes_root)
    numbers: dict[str, str] = {}
    body = root.find(W + "body")
    paragraphs = [_paragraph(p, notes, numbers) for p in (body.iter(W + "p") if body is not None else [])]
    text = "\n\n".join(p for p in paragraphs if p.strip())
    if numbers:
        lines = [f"{marker} {notes[note_id]}" for note_id, marker in numbers.items() if note_id in notes]
        text += "\n\n" + FOOTNOTE_RULE + "\n" + "\n".join(lines)
    return text + "\n"


def _footnotes(root: etree._Element | None) -> dict[str, str]:
    found: dict[str, str] = {}
    if root is None:
        return found
    for note in root.iter(W + "footnote"):
        if note.get(W + "type") in ("separator", "continuationSeparator", "continuationNotice"):
            continue
        text = " ".join(" ".join(_runs(p, {}, {})) for p in note.iter(W + "p"))
        found[note.get(W + "id") or ""] = " ".join(text.split())
    return found


def _paragraph(paragraph: etree._Element, notes: dict[str, str], numbers: dict[str, str]) -> str:
    return re.sub(r"[ \u00a0]+", " ", "".join(_runs(paragraph, notes, numbers))).strip()


def _runs(paragraph: etree._Element, notes: dict[str, str], numbers: dict[str, str]) -> list[str]:
    out: list[str] = []
    for el in paragraph.iter(W + "t", W + "tab", W + "br", W + "cr", W + "footnoteReference", W + "noBreakHyphen",
                             W + "softHyphen"):
        tag = el.tag
        if tag == W + "t":
            out.append(el.text or "")
        elif tag == W + "tab":
            out.append("\t")
        elif tag in (W + "br", W + "cr"):
            out.append("\n")
        elif tag == W + "noBreakHyphen":
            out.append("-")
        elif tag == W + "footnoteReference":
            note_id = el.get(W + "id") or ""
            numbers.setdefault(note_id, str(len(numbers) + 1))
            out.append(numbers[note_id])
    return out
