"""Stage 1, read: a file on disk becomes a SourceText (decoded, hashed, language and type known)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from cyberlex.knowledge import languages
from cyberlex.models import SourceText

READABLE_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
MARKDOWN_HINTS = re.compile(r"^#{1,6} |^\*[^*\n]+\*|<sup>|^---\s*$", re.MULTILINE)


class ReadError(Exception):
    """A file that cannot be turned into text; the message says why."""


def read(path: Path) -> SourceText:
    """Read one file; raise ReadError naming what is wrong with it."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(f"cannot read the file: {exc.strerror or exc}") from exc
    if not data.strip():
        raise ReadError("the file is empty")
    text, encoding = _decode(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if _looks_binary(text):
        raise ReadError("the file is binary, not text")
    if len(re.findall(r"[^\W\d_]{2,}", text)) < 5:
        raise ReadError("no recognisable text (fewer than five words)")
    media_type = "text/markdown" if len(MARKDOWN_HINTS.findall(text)) >= 3 else "text/plain"
    return SourceText(
        path=str(path),
        file_name=path.name,
        text=text,
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=encoding,
        media_type=media_type,
        language=detect_language(text),
    )


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise ReadError(f"not valid UTF-16 despite its byte-order mark: {exc}") from exc
    if b"\x00" in data:
        raise ReadError("the file is binary, not text (it contains NUL bytes)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Documents of this field that are not UTF-8 are nearly always Windows-1252 (a superset of
    # Latin-1 in its printable range); a detector's guess is only asked when that cannot decode.
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes  # only needed for the rare file in another encoding

    best = from_bytes(data).best()
    if best is not None and best.encoding:
        return str(best), best.encoding
    return data.decode("latin-1"), "latin-1"


def _looks_binary(text: str) -> bool:
    control = sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\n\t\f\v")
    return control > 0.05 * min(len(text), 4096)


def detect_language(text: str) -> str:
    """The language whose stopwords are most frequent in the text (phrase tables in mappings/lang)."""
    words = re.findall(r"[^\W\d_]+", text[:20000].lower())
    counts: dict[str, int] = {}
    for code, lang in languages().items():
        stop = set(lang.get("stopwords", []))
        counts[code] = sum(1 for w in words if w in stop)
    return max(sorted(counts), key=lambda code: counts[code]) if counts else "en"
