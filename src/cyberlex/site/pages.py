"""Linked-data pages: every IRI of the graph answers with an HTML page for people and with Turtle or
JSON-LD for programs.

Addresses. The site's root is the base IRI of the data (``https://w3id.org/cyberlex/id/``). The IRI
``<base>A-RES-73-187`` names a resolution, not a document, so, as the W3C's "Cool URIs for the
Semantic Web" (303 URIs) advises, a request for it is answered **303 See Other** with the address of
a document about it, chosen by the request's Accept header:

    <base>A-RES-73-187               the thing        → 303 to one of:
    <base>A-RES-73-187/              HTML page        (site/A-RES-73-187/index.html)
    <base>A-RES-73-187/index.ttl     Turtle           (site/A-RES-73-187/index.ttl)
    <base>A-RES-73-187/index.jsonld  JSON-LD          (site/A-RES-73-187/index.jsonld)

so every page has its machine-readable twins at a predictable address, and the static site needs no
rewriting at all on the host: only the 303 for the bare IRI is a server rule (the ``.htaccess`` and
nginx snippet written beside the site, or w3id.org's redirects). Links in pages are relative, so the
site works wherever it is hosted. Pages are plain HTML with one small stylesheet, no JavaScript.

What a page shows: for an instrument, its metadata, clauses (with what each cites, establishes,
endorses), what it cites and what cites it, reservations; for a body, its names, what established it,
what it adopted, what mentions it; for every IRI, all statements about it and all statements that
point to it, and the evidence of the statements it is the subject of (a source document's page: of
every statement read from it). A clause has no page: it is an item of its instrument's page, at the
anchor ``#op-<n>`` or ``#pre-<n>``, with all its statements and those pointing to it, and its IRI is
answered 303 to that anchor (as data: to the instrument's Turtle or JSON-LD, which hold the clause's
statements). The evidence has no pages: each statement is a row, at the anchor
``#ev-<document>-<span>-<property>-<n>``, of the pages that show it, with the quote of the span it was
read from; its IRI is answered 303 to that anchor (the pages server: on the page of the node it
supports; the static site's rules, which have only the IRI to go by: on its source document's page),
and a span's IRI to ``#ev-<document>-<span>``, on the first row read from it on its source document's
page. The Turtle and JSON-LD of a page include every triple of the evidence it shows (statements and
their spans), so an evidence IRI asked for as data leads to its description.

The modules, one concern each (this one gathers their public names):

    pages_index    the graph indexed by subject and object; labels; what a page's twins hold
    pages_html     what each page shows, written by the templates in templates/pages/
    pages_site     the static site written into a folder (no IRI leads out of it)
    pages_rules    the Apache, nginx and w3id.org rules (templates/rules/)
    pages_server   the WSGI application (content negotiation) and its HTTP server
"""

from cyberlex.site.html import MAX_LISTED, Renderer, home, not_found, render, see_other
from cyberlex.site.index import (
    Index,
    clause_anchor,
    description,
    evidence_anchor,
    infer_base,
    json_ld,
    load_index,
    turtle,
)
from cyberlex.site.rules import apache_rules, nginx_rules, w3id_rules
from cyberlex.site.server import (
    PAGES_BACKLOG,
    PAGES_TIMEOUT_S,
    PAGES_WORKERS,
    PagesApp,
    PagesServer,
    negotiate,
    rdf_bytes,
)
from cyberlex.site.writer import UnsafePagePath, site_files, site_path, write_site

__all__ = [
    "MAX_LISTED", "PAGES_BACKLOG", "PAGES_TIMEOUT_S", "PAGES_WORKERS",
    "Index", "PagesApp", "PagesServer", "Renderer", "UnsafePagePath", "apache_rules", "clause_anchor", "description",
    "evidence_anchor", "home", "infer_base", "json_ld", "load_index", "negotiate", "nginx_rules", "not_found",
    "rdf_bytes", "render", "see_other", "site_files", "site_path", "turtle", "w3id_rules", "write_site",
]
