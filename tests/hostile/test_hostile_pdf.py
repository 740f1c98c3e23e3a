"""A PDF's memory is bounded (issue 11, item 6): a Flate bomb, a page of a million objects and a PDF that
needs more memory than its budget are refused with a line that says which limit, and reading them never
takes more than a few hundred megabytes. The PDF files are generated here (tests/hostile/hostile_inputs.py).

Each hostile file is read in a fresh Python process under an address-space limit of 3 GB, so that a
reader without bounds fails there (as it did: a 315 kB PDF took 8.25 GB) instead of exhausting the machine;
the peak resident memory of that process and of its children is measured with getrusage.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hostile_inputs import flate_bomb, many_objects_page, pdf, text_page

from cyberlex.cli import EXIT_INPUT_FAILURES, main

HERE = Path(__file__).parent
READ = """
import json, resource, sys
from cyberlex.read import pdf as read_pdf
for name, value in json.loads(sys.argv[2]).items():
    setattr(read_pdf, name, value)
try:
    outcome = {"text": read_pdf.read_pdf(open(sys.argv[1], "rb").read())[:200]}
except read_pdf.PdfError as exc:
    outcome = {"refused": str(exc)}
except BaseException as exc:
    outcome = {"error": f"{type(exc).__name__}: {exc}"}
usage = [resource.getrusage(who).ru_maxrss // 1024 for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
print(json.dumps({**outcome, "peak_mb": max(usage)}))
"""
GIGABYTE = 1024 ** 3


def _address_space_limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (3 * GIGABYTE, 3 * GIGABYTE))


def read_hostile(tmp_path: Path, data: bytes, **limits: int) -> dict:  # type: ignore[type-arg]
    path = tmp_path / "hostile.pdf"
    path.write_bytes(data)
    done = subprocess.run([sys.executable, "-c", READ, str(path), json.dumps(limits)], capture_output=True,
                          text=True, timeout=300, preexec_fn=_address_space_limit, check=False)
    assert done.stdout, done.stderr[-2000:]
    return json.loads(done.stdout.splitlines()[-1])


def test_a_flate_bomb_is_refused_before_it_is_in_memory(tmp_path: Path) -> None:
    bomb = flate_bomb(1024 * 1024 * 1024)  # 1 GB of content in about 1 MB
    assert len(bomb) < 1_200_000
    outcome = read_hostile(tmp_path, bomb)
    assert outcome.get("refused") == "a stream of the PDF decompresses to more than 32 MB", outcome
    assert outcome["peak_mb"] < 250, outcome


def test_a_page_of_a_million_objects_is_refused(tmp_path: Path) -> None:
    page = many_objects_page(1_000_000)  # some 20 kB: 2 GB of character objects if they were all made
    assert len(page) < 50_000
    outcome = read_hostile(tmp_path, page)
    assert outcome.get("refused") == "page 1 draws more than 50,000 characters, lines and images", outcome
    assert outcome["peak_mb"] < 250, outcome


def test_a_pdf_past_its_memory_budget_is_refused(tmp_path: Path) -> None:
    """With the other limits out of the way, the address-space limit of the reading process still holds."""
    outcome = read_hostile(tmp_path, many_objects_page(1_000_000), MAX_PAGE_OBJECTS=10 ** 9, MAX_MEMORY_MB=200)
    assert outcome.get("refused") == "reading the PDF needs more than 200 MB of memory", outcome
    assert outcome["peak_mb"] < 450, outcome


def test_pages_are_read_one_at_a_time(tmp_path: Path) -> None:
    """Ten pages of 20,000 characters each (some 450 MB of character objects in all): each page's objects
    are freed before the next is read."""
    line = "Recalling its resolution 65/230 of 21 December 2010 and all the others before it, "
    pages = [text_page([line * 8] * 30) for _ in range(10)]
    outcome = read_hostile(tmp_path, pdf(pages))
    assert outcome.get("text", "").startswith("Recalling its resolution"), outcome
    assert outcome["peak_mb"] < 250, outcome


@pytest.mark.parametrize("hostile", ["bomb", "objects"])
def test_a_build_names_the_hostile_pdf_and_builds_the_good_one(tmp_path: Path, hostile: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    good = [text_page(["Resolution 31/2", "", "The Commission on Crime Prevention and Criminal Justice,", "",
                       "Recalling its resolution 22/8 of 26 April 2013,", "",
                       "1. Invites Member States to share their experience;"])]
    (folder / "good.pdf").write_bytes(pdf(good))
    (folder / "hostile.pdf").write_bytes(flate_bomb(64 * 1024 * 1024) if hostile == "bomb"
                                         else many_objects_page(100_000))
    result = CliRunner().invoke(main, ["build", str(folder), "--out", str(tmp_path / "out"), "--no-validate"],
                                catch_exceptions=False)
    assert result.exit_code == EXIT_INPUT_FAILURES, result.output
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"cyberlex: {folder / 'hostile.pdf'}: ")
    assert "documents: 1 read, 1 failed" in result.stdout
