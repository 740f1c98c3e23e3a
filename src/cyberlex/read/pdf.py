"""Read PDF: the text of the page body in reading order, footnotes apart, running heads and page numbers gone.

pdfplumber (MIT, on pdfminer.six, MIT) gives each character with its position and size, which is
what this needs: lines are built from characters; a line split by a wide gap is two columns (the
UN cover page prints "United Nations" left and the symbol right on one baseline), each written on a
line of its own; lines in the top and bottom margins that recur on several pages (running heads,
job numbers) and page numbers are dropped; lines below the body in a smaller type are footnotes,
gathered below a rule after the body as the text layout has them ("1 See …"); a word hyphenated
at a line end is joined. PyMuPDF was left out for its licence (AGPL-3.0, this project is Apache-2.0);
pypdf (BSD) extracts text without the sizes and positions that tell a footnote from the body.

A PDF is a program more than a document: a few hundred kilobytes can decompress to gigabytes or draw
millions of characters (pdfplumber keeps some 2 kB for each). So a PDF is read in a child process whose
address space may grow by MAX_MEMORY_MB at most, pages one at a time (each page's objects freed before the
next), every Flate stream decompressed to MAX_STREAM_BYTES at most and all of them to MAX_DECODED_BYTES,
and a page of more than MAX_PAGE_OBJECTS characters, lines and images is refused: each limit gives a
refusal that names it.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pickle
import re
import resource
import signal
import statistics
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

MEDIA_TYPE = "application/pdf"
MAX_PDF_BYTES = 100 * 1024 * 1024
MAX_PAGES = 2000
MAX_SECONDS = 120.0
MAX_MEMORY_MB = 1024  # address space the reader may add to the process it starts from
MAX_STREAM_BYTES = 32 * 1024 * 1024  # one stream, decompressed
MAX_DECODED_BYTES = 256 * 1024 * 1024  # all the streams of the file, decompressed
MAX_PAGE_OBJECTS = 50_000  # characters, lines, curves and images drawn by one page
MARGIN = 0.075  # share of the page height at the top and the bottom where running heads and numbers sit
FOOTNOTE_RULE = "__________________"


class PdfError(ValueError):
    """A PDF that is refused or cannot be read; the message says why."""


@dataclass
class _Line:
    top: float
    bottom: float
    x0: float
    x1: float
    size: float
    text: str


def read_pdf(data: bytes) -> str:
    """The text of a PDF, laid out as text extracted from a printed document: body, then footnotes.

    Read in a child process with a bounded address space (MAX_MEMORY_MB); PdfError says why a PDF is refused.
    """
    if len(data) > MAX_PDF_BYTES:
        raise PdfError(f"the PDF is larger than {MAX_PDF_BYTES // (1024 * 1024)} MB")
    return _in_child(lambda: _read_pdf(data), MAX_MEMORY_MB)


def _in_child(work: Callable[[], str], memory_mb: int) -> str:
    """work() run in a forked child whose address space may grow by memory_mb; its text, or its PdfError.

    The child is killed if this process is interrupted (a time budget) before it is done."""
    if not hasattr(os, "fork"):  # pragma: no cover - POSIX only
        return work()
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        status = 0
        try:
            os.close(reader)
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
            # made before the limit: when memory runs out, nothing more can be allocated until the
            # exception (and the objects its frames hold) is gone
            out_of_memory = ("refused", f"reading the PDF needs more than {memory_mb} MB of memory")
            limit, hard = _limit_address_space(memory_mb)
            try:
                outcome: tuple[str, str] = ("text", work())
            except PdfError as exc:
                outcome = ("refused", str(exc))
            except MemoryError:
                outcome = out_of_memory
            except Exception as exc:  # a C extension short of memory may say so in another way
                outcome = ("failed", f"{type(exc).__name__}: {exc}")
            resource.setrlimit(resource.RLIMIT_AS, (hard, hard))  # room to answer
            if outcome[0] == "failed" and _peak_address_space() > limit - 64 * 1024 * 1024:
                outcome = out_of_memory
            with os.fdopen(writer, "wb") as stream:
                pickle.dump(outcome, stream)
        except BaseException:
            status = 1
        finally:
            os._exit(status)
    os.close(writer)
    try:
        with os.fdopen(reader, "rb") as stream:
            received = stream.read()
        _, status = os.waitpid(pid, 0)
        pid = 0
    finally:
        if pid:  # interrupted: the child must not outlive the file's budget
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    if not received:
        cause = (f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status)
                 else f"exit code {os.waitstatus_to_exitcode(status)}")
        raise PdfError(f"the PDF reader stopped without an answer ({cause}; out of memory?)")
    kind, value = pickle.loads(received)
    if kind == "refused":
        raise PdfError(value)
    if kind == "failed":
        raise PdfError(f"not a readable PDF: {value}")
    return str(value)


def _limit_address_space(memory_mb: int) -> tuple[int, int]:
    """Let this process's address space grow by memory_mb at most (its size now, plus that): that limit, and
    the hard limit, to which the soft one may be raised again."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            size = int(statm.read().split()[0]) * resource.getpagesize()
    except OSError:  # pragma: no cover - no /proc: no limit
        return hard, hard
    limit = size + memory_mb * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    return limit, hard


def _peak_address_space() -> int:
    """The largest this process's address space has been (VmPeak), 0 if unknown."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            peak = next((line.split()[1] for line in status if line.startswith("VmPeak:")), "0")
    except OSError:  # pragma: no cover
        return 0
    return int(peak) * 1024


def _read_pdf(data: bytes) -> str:
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psexceptions import PSException
    from pdfplumber.utils.exceptions import PdfminerException

    started = time.monotonic()
    try:
        with _bounded_pdfminer(), pdfplumber.open(_stream(data)) as pdf:
            if getattr(pdf.doc, "encryption", None) is not None:
                raise PdfError("the PDF is encrypted: cyberlex reads only unencrypted PDF files")
            if len(pdf.pages) > MAX_PAGES:
                raise PdfError(f"the PDF has {len(pdf.pages)} pages, more than {MAX_PAGES}")
            pages: list[tuple[float, list[_Line]]] = []
            for number, page in enumerate(pdf.pages, start=1):
                if time.monotonic() - started > MAX_SECONDS:
                    raise PdfError(f"reading the PDF took longer than {MAX_SECONDS:.0f} s")
                try:
                    pages.append((float(page.height), _lines(page.chars)))
                except PdfminerException as exc:
                    if exc.args and isinstance(exc.args[0], _PageTooLarge):
                        raise PdfError(f"page {number} draws more than {MAX_PAGE_OBJECTS:,} characters, lines "
                                       "and images") from exc
                    raise
                finally:
                    page.close()  # its characters and layout, before the next page is read
    except PdfError:
        raise
    except PdfminerException as exc:
        inner = exc.args[0] if exc.args else exc
        if isinstance(inner, (PdfError, MemoryError)):  # a limit reached inside pdfminer
            raise inner from exc
        if isinstance(inner, (PDFPasswordIncorrect, PDFEncryptionError)) or "encrypt" in str(inner).lower():
            raise PdfError("the PDF is encrypted: cyberlex reads only unencrypted PDF files") from exc
        raise PdfError(f"not a readable PDF: {inner}") from exc
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise PdfError(f"the PDF is encrypted: cyberlex reads only unencrypted PDF files ({exc})") from exc
    except (PDFSyntaxError, PSException, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise PdfError(f"not a readable PDF: {type(exc).__name__}: {exc}") from exc
    return layout(pages)


class _PageTooLarge(Exception):
    """A page draws more objects than MAX_PAGE_OBJECTS."""


class _BoundedZlib:
    """zlib as pdfminer uses it, decompressing no stream past MAX_STREAM_BYTES nor the file's streams past
    MAX_DECODED_BYTES (a Flate bomb is refused before it is in memory)."""

    error = zlib.error

    def __init__(self) -> None:
        self.total = 0

    def _count(self, size: int) -> None:
        if size > MAX_STREAM_BYTES:
            raise PdfError(f"a stream of the PDF decompresses to more than {MAX_STREAM_BYTES // (1024 * 1024)} MB")
        self.total += size
        if self.total > MAX_DECODED_BYTES:
            raise PdfError(f"the streams of the PDF decompress to more than {MAX_DECODED_BYTES // (1024 * 1024)} MB")

    def decompress(self, data: bytes) -> bytes:
        inflater = zlib.decompressobj()
        out = inflater.decompress(data, MAX_STREAM_BYTES + 1)
        self._count(len(out))
        if not inflater.eof:
            raise zlib.error("incomplete or truncated stream")
        return out

    def decompressobj(self) -> Any:
        outer = self
        inflater = zlib.decompressobj()

        class Bounded:  # pdfminer's decompress_corrupted feeds it a byte at a time
            def decompress(self, data: bytes) -> bytes:
                out = inflater.decompress(data)
                outer._count(len(out))
                return out

        return Bounded()


@contextlib.contextmanager
def _bounded_pdfminer() -> Iterator[None]:
    """pdfminer with its streams' decompression bounded and each page's objects counted."""
    from pdfminer import pdftypes
    from pdfplumber.page import PDFPageAggregatorWithMarkedContent as Device

    real_zlib, real_tag = pdftypes.zlib, Device.tag_cur_item

    def counted_tag(device: Any) -> None:
        device.cyberlex_objects = getattr(device, "cyberlex_objects", 0) + 1
        if device.cyberlex_objects > MAX_PAGE_OBJECTS:
            raise _PageTooLarge
        real_tag(device)

    pdftypes.zlib = _BoundedZlib()  # type: ignore[assignment]
    Device.tag_cur_item = counted_tag  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        pdftypes.zlib, Device.tag_cur_item = real_zlib, real_tag  # type: ignore[method-assign]


def _stream(data: bytes):  # type: ignore[no-untyped-def]
    import io

    return io.BytesIO(data)


def _lines(chars: list[dict]) -> list[_Line]:  # type: ignore[type-arg]
    """Characters grouped into lines by baseline, each line split where a wide gap parts two columns."""
    rows: list[list[dict]] = []  # type: ignore[type-arg]
    for char in sorted(chars, key=lambda c: (round(float(c["bottom"]), 0), float(c["x0"]))):
        if not char.get("text"):
            continue
        if rows and abs(float(rows[-1][0]["bottom"]) - float(char["bottom"])) <= max(2.0, 0.3 * float(char["size"])):
            rows[-1].append(char)
        else:
            rows.append([char])
    # superscript markers sit higher than the line they belong to: merge a short row of small characters
    # into the row just below it when they overlap vertically
    merged: list[list[dict]] = []  # type: ignore[type-arg]
    for row in rows:
        if merged and _is_superscript_row(merged[-1], row):
            row = merged.pop() + row
        elif merged and _is_superscript_row(row, merged[-1]):
            merged[-1] = merged[-1] + row
            continue
        merged.append(row)
    lines: list[_Line] = []
    for row in merged:
        row.sort(key=lambda c: float(c["x0"]))
        size = statistics.median(float(c["size"]) for c in row)
        segments: list[list[dict]] = [[row[0]]]  # type: ignore[type-arg]
        for previous, char in itertools.pairwise(row):
            gap = float(char["x0"]) - float(previous["x1"])
            if gap > 4 * size:
                segments.append([char])
            else:
                segments[-1].append(char)
        for segment in segments:
            text = _text_of(segment, size)
            if text.strip():
                lines.append(_Line(min(float(c["top"]) for c in segment), max(float(c["bottom"]) for c in segment),
                                   float(segment[0]["x0"]), float(segment[-1]["x1"]),
                                   statistics.median(float(c["size"]) for c in segment), text))
    return lines


def _is_superscript_row(small: list[dict], base: list[dict]) -> bool:  # type: ignore[type-arg]
    if len(small) > 4:
        return False
    small_size = max(float(c["size"]) for c in small)
    base_size = statistics.median(float(c["size"]) for c in base)
    top = min(float(c["top"]) for c in base)
    bottom = max(float(c["bottom"]) for c in base)
    return small_size < 0.85 * base_size and top - 1 <= float(small[0]["bottom"]) <= bottom + 1 and all(
        c["text"].isdigit() or c["text"] in "*†‡" for c in small)


def _text_of(chars: list[dict], size: float) -> str:  # type: ignore[type-arg]
    out = []
    previous = None
    # a footnote's number, set smaller (superscript) at the start of its line, is parted from its text
    lead = 0
    while lead < len(chars) and lead < 3 and chars[lead]["text"].isdigit():
        lead += 1
    rest = [float(c["size"]) for c in chars[lead:]]
    small_lead = bool(lead and rest and max(float(c["size"]) for c in chars[:lead]) < 0.9 * max(rest))
    for index, char in enumerate(chars):
        if small_lead and index == lead and char["text"] != " ":
            out.append(" ")
        if previous is not None:
            gap = float(char["x0"]) - float(previous["x1"])
            if gap > 0.2 * size and not (out and out[-1] == " ") and char["text"] != " ":
                out.append(" ")
        out.append(char["text"])
        previous = char
    return re.sub(r"[ \t]+", " ", "".join(out)).strip()


def layout(pages: list[tuple[float, list[_Line]]]) -> str:
    """Body lines of every page in order, paragraphs parted by blank lines; footnotes after a rule."""
    recurring = _recurring(pages)
    body_size = _body_size(pages)
    body: list[str] = []
    notes: list[str] = []
    for height, lines in pages:
        kept = [line for line in lines if not _is_margin_noise(line, height, recurring)]
        if not kept:
            continue
        last_body = max((i for i, line in enumerate(kept) if line.size >= 0.92 * body_size), default=-1)
        previous: _Line | None = None
        for index, line in enumerate(kept):
            if index > last_body and line.size < 0.92 * body_size:
                if re.fullmatch(r"_{3,}|-{3,}", line.text):
                    continue
                notes.append(line.text)
                continue
            if previous is not None and _new_paragraph(previous, line):
                body.append("")
            body.append(line.text)
            previous = line
        if body and body[-1]:
            body.append("")
    # a paragraph's wrapped lines are joined: one paragraph a line, as the text layout has it
    text = _join_hyphens("\n".join(body)).strip()
    text = "\n\n".join(re.sub(r"(?<!\s)\s*\n\s*", " ", block) for block in text.split("\n\n"))
    if notes:
        text += "\n\n" + FOOTNOTE_RULE + "\n" + _join_hyphens("\n".join(_footnote_lines(notes)))
    return re.sub(r"\n{3,}", "\n\n", text) + "\n"


def _body_size(pages: list[tuple[float, list[_Line]]]) -> float:
    sizes: Counter[float] = Counter()
    for _, lines in pages:
        for line in lines:
            sizes[round(line.size, 1)] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 12.0


def _masked(text: str) -> str:
    return re.sub(r"\d+", "#", text)


def _recurring(pages: list[tuple[float, list[_Line]]]) -> set[str]:
    """Texts (digits masked) that stand in the top or bottom margin of more than one page."""
    counts: Counter[str] = Counter()
    for height, lines in pages:
        seen = {_masked(line.text) for line in lines
                if line.top < MARGIN * height or line.bottom > (1 - MARGIN) * height}
        counts.update(seen)
    return {text for text, n in counts.items() if n > 1}


def _is_margin_noise(line: _Line, height: float, recurring: set[str]) -> bool:
    in_margin = line.top < MARGIN * height or line.bottom > (1 - MARGIN) * height
    if not in_margin:
        return False
    text = line.text.strip()
    return _masked(text) in recurring or bool(re.fullmatch(r"(?:page\s*)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?|-\s*\d+\s*-",
                                                           text, re.I))


def _new_paragraph(previous: _Line, line: _Line) -> bool:
    gap = line.top - previous.bottom
    return gap > 0.6 * max(previous.size, line.size) or line.top < previous.top  # a larger gap, or a new column


def _footnote_lines(notes: list[str]) -> list[str]:
    """Footnote lines, each starting with its marker and a space, a wrapped note's lines kept below it.

    Footnotes are numbered in sequence, so a line that starts with the next number starts the next note,
    also where the number is glued to its text ("2See A/ES-10/273", as a raised number is extracted)."""
    out: list[str] = []
    expected = 1
    for note in notes:
        text = note.strip()
        number = str(expected)
        restart = re.match(r"1(?!\d)\s*\S", text) is not None and expected > 1 and not out[-1].rstrip().endswith(",")
        if text.startswith(number) and not text[len(number):len(number) + 1].isdigit() and len(text) > len(number):
            out.append(number + " " + text[len(number):].lstrip())
            expected += 1
        elif restart:  # the notes of an annex start again at 1
            out.append("1 " + text[1:].lstrip())
            expected = 2
        elif re.match(r"[*†‡]\s*\S", text):
            out.append(text[0] + " " + text[1:].lstrip())
        elif out:
            out[-1] += "\n" + text
        else:
            out.append(text)
    return out


HYPHENATED = re.compile(r"(?<=[a-zà-ÿ])[-\u00ad]\n(?=[a-zà-ÿ])")


def _join_hyphens(text: str) -> str:
    """'interna-\\ntional' -> 'international': a hyphen at a line end between lower-case letters."""
    return HYPHENATED.sub("", text)
