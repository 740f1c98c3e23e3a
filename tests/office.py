"""Make PDF and Word files from texts of the corpus with an office suite (LibreOffice, installed by
`make system-deps`), laid out as the UN prints a resolution: the cover page's first lines in two
columns, a running head with the symbol and a running foot with the page number on every page, and
the footnotes as real footnotes at the foot of their pages."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from xml.sax.saxutils import escape

RULE = re.compile(r"^_{5,}$", re.MULTILINE)

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.text">
 <office:font-face-decls>
  <style:font-face style:name="Liberation Serif" svg:font-family="'Liberation Serif'"
   xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"/>
 </office:font-face-decls>
 <office:styles>
  <style:style style:name="Standard" style:family="paragraph">
   <style:paragraph-properties fo:text-align="justify" fo:margin-bottom="0.2cm"/>
   <style:text-properties style:font-name="Liberation Serif" fo:font-size="12pt"/>
  </style:style>
  <style:style style:name="Footnote" style:family="paragraph" style:parent-style-name="Standard">
   <style:paragraph-properties fo:margin-bottom="0cm"/>
   <style:text-properties fo:font-size="9pt"/>
  </style:style>
  <style:style style:name="Marginal" style:family="paragraph" style:parent-style-name="Standard">
   <style:text-properties fo:font-size="9pt"/>
  </style:style>
 </office:styles>
 <office:automatic-styles>
  <style:page-layout style:name="pm1">
   <style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm" fo:margin-top="1.2cm"
    fo:margin-bottom="1.2cm" fo:margin-left="2.5cm" fo:margin-right="2.5cm"/>
   <style:header-style><style:header-footer-properties fo:min-height="0.8cm" fo:margin-bottom="0.5cm"/>
   </style:header-style>
   <style:footer-style><style:header-footer-properties fo:min-height="0.8cm" fo:margin-top="0.5cm"/>
   </style:footer-style>
  </style:page-layout>
 </office:automatic-styles>
 <office:master-styles>
  <style:master-page style:name="Standard" style:page-layout-name="pm1">
   <style:header><text:p text:style-name="Marginal">{symbol}</text:p></style:header>
   <style:footer><text:p text:style-name="Marginal">{job}<text:tab/><text:page-number/>/<text:page-count/></text:p>
   </style:footer>
  </style:master-page>
 </office:master-styles>
 <office:body><office:text>
"""
TAIL = "</office:text></office:body></office:document>\n"


def soffice() -> str | None:
    """The office suite's command, where it is installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def _notes(block: str) -> dict[str, str]:
    notes: dict[str, str] = {}
    last = None
    for line in block.splitlines():
        found = re.match(r"(\d{1,3}|\*)\s+(\S.*)$", line)
        if found:
            last = found.group(1)
            notes[last] = found.group(2)
        elif last is not None and line.strip():
            notes[last] += " " + line.strip()
    return notes


def _paragraph(text: str, notes: dict[str, str], used: set[str], style: str = "Standard") -> str:
    out = escape(text)
    placed: list[str] = []  # notes put in place, held by a private-use character until the end
    for marker, note in notes.items():
        if marker in used:
            continue
        glued = re.compile(rf"(?<=[^\s\d/.(\[\ue000-\uefff-]){re.escape(marker)}(?=[\s,;.:)]|$)")
        found = glued.search(out)
        if found:
            used.add(marker)
            placed.append(f'<text:note text:note-class="footnote"><text:note-citation>{marker}</text:note-citation>'
                          f'<text:note-body><text:p text:style-name="Footnote">{escape(note)}</text:p>'
                          "</text:note-body></text:note>")
            out = out[:found.start()] + chr(0xE000 + len(placed) - 1) + out[found.end():]
    for number, note_xml in enumerate(placed):
        out = out.replace(chr(0xE000 + number), note_xml)
    out = out.replace("\n", "<text:line-break/>")
    return f'<text:p text:style-name="{style}">{out}</text:p>\n'


def fodt(text: str, symbol: str, job: str = "21-00000 (E)") -> str:
    """A flat OpenDocument text of a resolution laid out as text (cover page, paragraphs, footnotes
    below a rule): footnote markers glued to words become footnotes."""
    parts = RULE.split(text)
    body_parts = [parts[0]]
    notes_of: list[dict[str, str]] = []
    for part in parts[1:]:  # a footnote block may run into the annexes that follow it
        blocks = part.strip("\n").split("\n\n", 1)
        notes_of.append(_notes(blocks[0]))
        body_parts.append(blocks[1] if len(blocks) > 1 else "")
    out = [HEAD.replace("{symbol}", escape(symbol)).replace("{job}", escape(job))]
    blocks = [b.strip("\n") for b in body_parts[0].split("\n\n") if b.strip()]
    cover = blocks[:4]
    if len(cover) == 4:
        out.append('<table:table table:name="cover"><table:table-column table:number-columns-repeated="2"/>')
        for left, right in ((cover[0], cover[1]), (cover[2], cover[3])):
            out.append("<table:table-row>" + "".join(
                f"<table:table-cell><text:p>{escape(cell)}</text:p></table:table-cell>" for cell in (left, right))
                + "</table:table-row>")
        out.append("</table:table>\n")
        blocks = blocks[4:]
    for number, part in enumerate(body_parts):
        if number:
            blocks = [b.strip("\n") for b in part.split("\n\n") if b.strip()]
        notes = notes_of[number] if number < len(notes_of) else {}
        used: set[str] = set()
        for block in blocks:
            out.append(_paragraph(block, notes, used))
    out.append(TAIL)
    return "".join(out)


def convert(source: Path, target_format: str, out_dir: Path, profile: Path) -> Path:
    """Convert with LibreOffice, headless, in a profile of its own; the converted file's path."""
    command = [soffice() or "soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
               "--convert-to", target_format, "--outdir", str(out_dir), str(source)]
    subprocess.run(command, capture_output=True, check=True, timeout=300)
    converted = out_dir / f"{source.stem}.{target_format.split(':')[0]}"
    assert converted.exists(), f"LibreOffice made no {converted.name}"
    return converted
