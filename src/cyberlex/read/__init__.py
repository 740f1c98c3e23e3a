"""Stage 1, read: a file on disk becomes a SourceText (decoded, hashed, language and type known).

The type of a file is told from its content, not its name (``sniff``): Akoma Ntoso XML is rendered
to text with the structure its markup gives (cyberlex.read.akn); the text of PDF, Word and HTML
files is extracted (cyberlex.read.pdf, read_docx, read_html) and then read as text is; anything
else that is text is decoded as plain text or Markdown.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections import Counter
from collections.abc import Callable
from functools import cache
from itertools import islice
from pathlib import Path

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

from cyberlex.knowledge import languages
from cyberlex.models import SourceText
from cyberlex.read.akn import MEDIA_TYPE as AKN_MEDIA_TYPE
from cyberlex.read.akn import AknError, looks_like_akn, read_akn
from cyberlex.read.docx import MEDIA_TYPE as DOCX_MEDIA_TYPE
from cyberlex.read.docx import DocxError, is_docx, read_docx
from cyberlex.read.html import MEDIA_TYPE as HTML_MEDIA_TYPE
from cyberlex.read.html import HtmlError, looks_like_html, read_html
from cyberlex.read.pdf import MEDIA_TYPE as PDF_MEDIA_TYPE
from cyberlex.read.pdf import PdfError, read_pdf

READABLE_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
# Larger input files are refused unread (`cyberlex build --max-file-size`, in MB).
MAX_FILE_BYTES = 100 * 1024 * 1024
# A heading, a line opening with emphasis, a <sup> tag, a rule: "^#{1,6} |^\*[^*\n]+\*|<sup>|^---\s*$", each
# alternative written to open with the character it consumes first (the line's start looked behind from it:
# "#(?<![^\n]#)" for "^#"), so that the re module looks for those characters alone instead of trying every
# alternative at every position of the text.
MARKDOWN_HINTS = re.compile(r"#(?<![^\n]#)#{0,5} |\*(?<![^\n]\*)[^*\n]+\*|<sup>|-(?<![^\n]-)--\s*$", re.MULTILINE)


class ReadError(Exception):
    """A file that cannot be turned into text; the message says why."""


# Formats whose text is extracted, then read as text: media type -> (reader, the error it raises).
EXTRACTED: dict[str, tuple[Callable[[bytes], str], type[Exception]]] = {
    PDF_MEDIA_TYPE: (read_pdf, PdfError),
    DOCX_MEDIA_TYPE: (read_docx, DocxError),
    HTML_MEDIA_TYPE: (read_html, HtmlError),
}


def read(path: Path | str, name: str | None = None, max_bytes: int | None = None,
         data: bytes | None = None) -> SourceText:
    """Read one file; raise ReadError naming what is wrong with it. `name` is the name its source document
    is known by (default: the file's name); a file larger than `max_bytes` (default MAX_FILE_BYTES) is
    refused. `data`: the file's bytes, read already (by read_bytes, where the file is: a build on a
    cluster sends them to the worker), instead of reading `path`."""
    path = Path(path)
    if data is None:
        data = read_bytes(path, max_bytes or MAX_FILE_BYTES)
    name = name or path.name
    if not data.strip():
        raise ReadError("the file is empty")
    kind = sniff(data)
    if kind == AKN_MEDIA_TYPE:
        return _read_akn(path, name, data)
    if kind in EXTRACTED:
        return _read_extracted(path, name, data, kind)
    if kind == "application/zip":
        raise ReadError("a ZIP archive that is not a Word document (no word/document.xml)")
    if kind == "application/xml":
        raise ReadError("XML that is neither Akoma Ntoso nor XHTML: no reader for it")
    text, encoding = _decode(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if _looks_binary(text):
        raise ReadError("the file is binary, not text")
    if _fewer_words_than(5, text):
        raise ReadError("no recognisable text (fewer than five words)")
    media_type = "text/markdown" if len(list(islice(MARKDOWN_HINTS.finditer(text), 3))) >= 3 else "text/plain"
    return SourceText(
        path=str(path),
        file_name=name,
        text=text,
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=encoding,
        media_type=media_type,
        language=detect_language(text),
    )


def read_bytes(path: Path, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most max_bytes. A FIFO, a device (/dev/zero), a socket or a
    folder is refused without being read: reading it could block for ever or never end."""
    try:
        # O_NONBLOCK: opening a FIFO waits for a writer otherwise; it changes nothing for a regular file
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise ReadError(f"cannot read the file: {exc.strerror or exc}") from exc
    try:
        facts = os.fstat(handle)
        if not stat.S_ISREG(facts.st_mode):
            kind = ("a FIFO" if stat.S_ISFIFO(facts.st_mode) else "a device" if stat.S_ISCHR(facts.st_mode)
                    or stat.S_ISBLK(facts.st_mode) else "a socket" if stat.S_ISSOCK(facts.st_mode)
                    else "a folder" if stat.S_ISDIR(facts.st_mode) else "it")
            raise ReadError(f"cannot read {kind}: not a regular file")
        too_large = f"the file is larger than {max_bytes / (1024 * 1024):g} MB (--max-file-size)"
        if facts.st_size > max_bytes:
            raise ReadError(too_large)
        with os.fdopen(handle, "rb", closefd=False) as stream:
            data = stream.read(max_bytes + 1)
    except OSError as exc:
        raise ReadError(f"cannot read the file: {exc.strerror or exc}") from exc
    finally:
        os.close(handle)
    if len(data) > max_bytes:  # it grew while it was read
        raise ReadError(too_large)
    return data


def sniff(data: bytes) -> str:
    """The media type of a file's bytes, told from its content (magic bytes, root element), not its name:
    PDF (%PDF-), Word (a ZIP container with word/document.xml), Akoma Ntoso (XML whose root is
    akomaNtoso), HTML, other XML or ZIP (refused), else text."""
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
        return PDF_MEDIA_TYPE
    if data.startswith(b"PK\x03\x04"):
        return DOCX_MEDIA_TYPE if is_docx(data) else "application/zip"
    if looks_like_akn(data):
        return AKN_MEDIA_TYPE
    if looks_like_html(data):
        return HTML_MEDIA_TYPE
    if head.startswith(b"<?xml"):
        return "application/xml"
    return "text/plain"


def _read_extracted(path: Path, name: str, data: bytes, media_type: str) -> SourceText:
    """PDF, Word and HTML: text taken from the format, then read as text is (offsets are into that text)."""
    reader, error = EXTRACTED[media_type]
    try:
        text = reader(data)
    except error as exc:
        raise ReadError(str(exc)) from exc
    if _fewer_words_than(5, text):
        raise ReadError(f"no recognisable text in the {media_type} file (fewer than five words)")
    return SourceText(path=str(path), file_name=name, text=text, sha256=hashlib.sha256(data).hexdigest(),
                      encoding="utf-8", media_type=media_type, language=detect_language(text))


def _read_akn(path: Path, name: str, data: bytes) -> SourceText:
    try:
        document = read_akn(data)
    except AknError as exc:
        raise ReadError(str(exc)) from exc
    if _fewer_words_than(5, document.text):
        raise ReadError("no recognisable text in the Akoma Ntoso document (fewer than five words)")
    return SourceText(path=str(path), file_name=name, text=document.text,
                      sha256=hashlib.sha256(data).hexdigest(), encoding="utf-8", media_type=AKN_MEDIA_TYPE,
                      language=document.language, given=document.given)


WORD = re.compile(r"[^\W\d_]{2,}")


def _fewer_words_than(count: int, text: str) -> bool:
    """Whether the text has fewer than `count` words of two letters or more (it stops at the count)."""
    return len(list(islice(WORD.finditer(text), count))) < count


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise ReadError(f"not valid UTF-16 despite its byte-order mark: {exc}") from exc
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return utf16
    if b"\x00" in data:
        raise ReadError("the file is binary, not text (it contains NUL bytes)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Documents of this field that are not UTF-8 are nearly always Windows-1252 (a superset of
    # Latin-1 in its printable range); a detector's guess is only asked when that cannot decode, or
    # when what it decodes is mostly accented capitals and small letters: the Cyrillic of Windows-1251
    # (and other single-byte alphabets) read as Windows-1252 ("Ãåíåðàëüíàÿ" for "Генеральная").
    try:
        text = data.decode("cp1252")
        if not _looks_misread(text):
            return text, "cp1252"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes  # only needed for the rare file in another encoding

    best = from_bytes(data).best()
    if best is not None and best.encoding:
        return str(best), best.encoding
    return data.decode("latin-1"), "latin-1"


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """The text of UTF-16 without a byte-order mark, told by its high bytes: in text of an alphabet
    below U+2000 (Latin, Greek, Cyrillic, Arabic, Hebrew) one value, nearly always 0, fills most of them."""
    sample = data[:4096] if len(data) >= 4096 else data[: len(data) - len(data) % 2]
    if len(sample) < 16 or b"\x00" not in sample:
        return None
    for encoding, high in (("utf-16-le", sample[1::2]), ("utf-16-be", sample[0::2])):
        most = Counter(high).most_common(1)[0]
        if most[0] < 0x20 and most[1] >= 0.7 * len(high):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                return None
    return None


def _looks_misread(text: str) -> bool:
    """Whether most letters of a Windows-1252 decoding are accented (À-ÿ): no Western European language
    writes like that (French, the most accented, about 4 %), a Cyrillic or Greek text read so does."""
    letters = [ch for ch in text[:20000] if ch.isalpha()]
    accented = sum(1 for ch in letters if "\u00c0" <= ch <= "\u00ff")
    return len(letters) >= 20 and accented > 0.3 * len(letters)


# Control characters other than white space (\t \n \v \f), which text does not hold.
CONTROL = re.compile(r"[\x00-\x08\x0d-\x1f]")


def _looks_binary(text: str) -> bool:
    control = len(CONTROL.findall(text, 0, 4096))
    return control > 0.05 * min(len(text), 4096)


# Language detection reads at most this much of a text, as this many samples spread over it (lingua's
# time grows with the length: 2,500 characters in 10 samples take an eighth of the time of 20,000, and
# the 637 UN texts, the seeds, the samples and the tests' input cases get the same language either way).
DETECTION_SPAN = 20000
DETECTION_SAMPLES = 10
DETECTION_SAMPLE_LENGTH = 250


def detect_language(text: str) -> str:
    """The language of a text (ISO 639-1), by lingua among the languages cyberlex has phrase tables for
    and the other official UN languages; English when it cannot tell."""
    detected = _detector().detect_language_of(_detection_sample(text))
    return detected.iso_code_639_1.name.lower() if detected is not None else "en"


def _detection_sample(text: str) -> str:
    """What detection reads: a short text whole, else DETECTION_SAMPLES pieces spread evenly over its first
    DETECTION_SPAN characters, each cut to whole words (a word cut in two would read as another word)."""
    text = text[:DETECTION_SPAN]
    if len(text) <= DETECTION_SAMPLES * DETECTION_SAMPLE_LENGTH:
        return text
    step = len(text) // DETECTION_SAMPLES
    pieces = []
    for start in range(0, DETECTION_SAMPLES * step, step):
        piece = text[start:start + DETECTION_SAMPLE_LENGTH]
        first = piece.find(" ") + 1 if start > 0 else 0
        last = piece.rfind(" ") if start + DETECTION_SAMPLE_LENGTH < len(text) else len(piece)
        pieces.append(piece[first:last] if last > first else piece)
    return "\n".join(pieces)


@cache
def _detector() -> LanguageDetector:
    # lingua (a maintained, offline n-gram detector) rather than stopword counts: it is reliable on
    # short texts (a news item, a note) and tells apart languages close to each other (Danish, German).
    codes = set(languages()) | {"en", "fr", "es", "ru", "ar", "zh"}
    known = [Language.from_iso_code_639_1(IsoCode639_1.from_str(code)) for code in sorted(codes)]
    return LanguageDetectorBuilder.from_languages(*known).with_low_accuracy_mode().build()
