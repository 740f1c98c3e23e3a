"""Make the golden cases' PDF and Word inputs (tests/cases/pdf/input.pdf, tests/cases/docx/input.docx) from
our own text tests/cases/office-source/resolution.txt, laid out by tests/office.py and converted once by
LibreOffice. The files are committed, so the golden test needs no LibreOffice; run this only to remake them:

    .venv/bin/python tests/make_office_cases.py
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from office import convert, fodt, soffice

CASES = Path(__file__).resolve().parent / "cases"
TARGETS = {"pdf": ("pdf:writer_pdf_Export", "pdf"), "docx": ('docx:MS Word 2007 XML', "docx")}


def main() -> None:
    if soffice() is None:
        sys.exit("LibreOffice is not installed (make system-deps)")
    text = (CASES / "office-source" / "resolution.txt").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "input.fodt"
        source.write_text(fodt(text, "A/RES/88/60", job="33-00060 (E)"), encoding="utf-8")
        for case, (target, suffix) in TARGETS.items():
            made = convert(source, target, Path(work), Path(work) / "profile")
            shutil.copyfile(made, CASES / case / f"input.{suffix}")
            print(f"wrote {CASES / case / f'input.{suffix}'}")


if __name__ == "__main__":
    main()
