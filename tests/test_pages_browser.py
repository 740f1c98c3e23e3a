"""The linked-data pages in a real headless browser: Debian's Chromium driven by Playwright, against
`cyberlex serve --pages` over a release of the seed documents.

Chromium comes from Debian (`make system-deps`); Playwright for Python drives it through
`executable_path`, without downloading a browser of its own. Where either is missing the test is
skipped with the reason, except under CI (CI=true), where it fails: CI installs both.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from cyberlex.release import release
from cyberlex.site import pages
from cyberlex.sparql.serve import free_port

CHROMIUM = os.environ.get("CYBERLEX_CHROMIUM", "/usr/bin/chromium")
ID = "https://w3id.org/cyberlex/id/"
# as the machine's notes advise: headless, no sandbox (root), and no background networking (closed network)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI installs it: make system-deps, pip install -e '.[dev]')")
    pytest.skip(reason)


def playwright_or_skip() -> Any:
    """Playwright's sync_playwright, where Chromium and Playwright are installed (else the test is skipped)."""
    if not Path(CHROMIUM).is_file():
        missing(f"Chromium not found at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright for Python is not installed")
    return sync_playwright


@pytest.fixture(scope="module")
def seeds_release(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A release of ../shared/corpus/seeds (without its static site)."""
    out = tmp_path_factory.mktemp("seeds") / "dist"
    release([shared / "corpus" / "seeds"], out, with_site=False)
    return out


@pytest.fixture(scope="module")
def pages_url(seeds_release: Path) -> Iterator[str]:
    """`cyberlex serve --pages` over a release of ../shared/corpus/seeds; the pages' root URL."""
    out = seeds_release
    port = free_port()
    command = [str(Path(sys.executable).parent / "cyberlex"), "serve", "--data", str(out), "--port", "0",
               "--pages", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        lines = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("SPARQL query endpoint"):
                break
        assert any(line.startswith("linked-data pages: ") for line in lines), "".join(lines)
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_page_of_73_187_links_to_a_cited_instrument(pages_url: str, tmp_path: Path) -> None:
    sync_playwright = playwright_or_skip()
    profile = Path(tempfile.mkdtemp(prefix="cyberlex-chromium-", dir=tmp_path))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            answer = page.goto(pages_url + "A-RES-73-187")  # the IRI's path: 303 to its page
            assert answer is not None and answer.ok
            assert page.url == pages_url + "A-RES-73-187/"
            assert page.inner_text("h1") == "A/RES/73/187"
            assert "Countering the use of information and communications technologies" in page.inner_text("main")
            page.screenshot(path=str(tmp_path / "a-res-73-187.png"), full_page=False)
            # follow a citation: resolution 65/230, cited in the preamble
            page.click('h2:has-text("Cites") + ul a[href="../A-RES-65-230/"]')
            page.wait_for_load_state()
            assert page.url == pages_url + "A-RES-65-230/"
            assert page.inner_text("h1") == "A/RES/65/230"
            cited_by = page.inner_text('h2:has-text("Cited by") + ul')
            assert "A/RES/73/187" in cited_by and "CCPCJ 22/7" in cited_by
            # and back, by the link in "Cited by"
            page.click('h2:has-text("Cited by") + ul a[href="../A-RES-73-187/"]')
            assert page.inner_text("h1") == "A/RES/73/187"
        finally:
            browser.close()
    shutil.rmtree(profile, ignore_errors=True)


def chromium_context(playwright: Any, tmp_path: Path) -> Any:
    profile = Path(tempfile.mkdtemp(prefix="cyberlex-chromium-", dir=tmp_path))
    return playwright.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def test_an_evidence_iri_opens_its_row_on_the_instrument_page(pages_url: str, seeds_release: Path,
                                                              tmp_path: Path) -> None:
    sync_playwright = playwright_or_skip()
    index = pages.load_index(seeds_release)
    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    node = next(n for n in sorted(index.statements)
                if index.iris_of(n, rdf + "subject")[0].startswith(ID + "A-RES-73-187/pre/"))
    clause = index.iris_of(node, rdf + "subject")[0]
    assert clause.startswith(ID + "A-RES-73-187/pre/")  # a clause: a section of its instrument's page
    anchor = pages.evidence_anchor(node)
    quote = index.text(index.span(node), "http://www.w3.org/ns/oa#exact") or ""  # the span's, shared
    with sync_playwright() as playwright:
        browser = chromium_context(playwright, tmp_path)
        try:
            page = browser.new_page()
            answer = page.goto(pages_url + node[len(ID):])  # the evidence IRI: 303 to its row on the page
            assert answer is not None and answer.ok
            assert page.url == f"{pages_url}A-RES-73-187/#{anchor}"
            row = page.locator(f'tr[id="{anchor}"]')
            assert row.is_visible() and quote and " ".join(quote.split()) in " ".join(row.inner_text().split())
            box, viewport = row.bounding_box(), page.viewport_size
            assert box is not None and viewport is not None and -1 < box["y"] < viewport["height"]  # in view
        finally:
            browser.close()


def test_a_clause_iri_opens_its_item_on_the_instrument_page(pages_url: str, tmp_path: Path) -> None:
    sync_playwright = playwright_or_skip()
    with sync_playwright() as playwright:
        browser = chromium_context(playwright, tmp_path)
        try:
            page = browser.new_page()
            answer = page.goto(pages_url + "A-RES-73-187/op/2")  # the clause IRI: 303 to its item
            assert answer is not None and answer.ok
            assert page.url == f"{pages_url}A-RES-73-187/#op-2"
            item = page.locator('li[id="op-2"]')
            assert item.is_visible() and "additional costs" in item.inner_text()
            box, viewport = item.bounding_box(), page.viewport_size
            assert box is not None and viewport is not None and -1 < box["y"] < viewport["height"]  # in view
        finally:
            browser.close()


def test_same_iri_as_turtle(pages_url: str) -> None:
    request = urllib.request.Request(pages_url + "A-RES-73-187", headers={"Accept": "text/turtle"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.headers["Content-Type"].startswith("text/turtle")
        graph = Graph().parse(data=answer.read(), format="turtle")
    subject = URIRef(ID + "A-RES-73-187")
    assert (subject, DCTERMS.identifier, Literal("A/RES/73/187")) in graph
    assert (subject, URIRef("https://w3id.org/cyberlex/ontology#hasClause"), None) in graph
