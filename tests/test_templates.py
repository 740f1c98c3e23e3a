"""The Jinja2 templates of the pages, the ontology page and the server rules: escaping as the pages
were always escaped, no name left undefined, each template compiled once."""

from __future__ import annotations

import html

import pytest
from jinja2 import UndefinedError
from pyoxigraph import Literal, NamedNode, Triple

from cyberlex.site import pages
from cyberlex.site.templating import html_template, text_environment, text_template

ID = "https://w3id.org/cyberlex/id/"
CLX = "https://w3id.org/cyberlex/ontology#"
HOSTILE = """<script>alert('x')</script> & "quoted" l'apostrophe"""


def hostile_index() -> pages.Index:
    thing, other, source = NamedNode(ID + "A-RES-1-1"), NamedNode(ID + "A-RES-2-2"), NamedNode(ID + "source/x")
    rdf_type = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    triples = [Triple(thing, rdf_type, NamedNode(CLX + "Resolution")),
               Triple(thing, NamedNode("http://purl.org/dc/terms/identifier"), Literal(HOSTILE)),
               Triple(thing, NamedNode("http://purl.org/dc/terms/title"), Literal(HOSTILE, language="en")),
               Triple(thing, NamedNode(CLX + "cites"), other),
               Triple(other, NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"), Literal(HOSTILE)),
               Triple(source, rdf_type, NamedNode(CLX + "SourceDocument")),  # so the front page lists it
               Triple(source, NamedNode(CLX + "records"), thing)]
    return pages.Index(triples, ID)


def test_text_of_the_graph_is_escaped_as_html_escape_does() -> None:
    index = hostile_index()
    escaped = html.escape(HOSTILE, quote=True)
    assert "&#x27;" in escaped and "&quot;" in escaped
    for page in (pages.render(index, ID + "A-RES-1-1"), pages.render(index, ID + "A-RES-2-2"), pages.home(index),
                 pages.not_found(ID + HOSTILE)):
        assert "<script" not in page and "alert('x')" not in page
        assert escaped in page
        assert "&#39;" not in page and "&#34;" not in page  # not Jinja2's own escaping: the bytes stay as they were
    page = pages.render(index, ID + "A-RES-1-1")
    assert f"<title>{escaped} — cyberlex</title>" in page
    assert f'<span lang="en">{escaped}</span> <small>(en)</small>' in page
    assert f'<a href="../A-RES-2-2/">{escaped}</a>' in page  # a link written by the template, not escaped twice


def test_see_other_escapes_the_location() -> None:
    assert pages.see_other('/a"b<c') == '<p>See <a href="/a&quot;b&lt;c">/a&quot;b&lt;c</a>.</p>\n'


def test_server_rules_are_not_html_escaped_and_name_nothing_undefined() -> None:
    rules = pages.apache_rules("https://example.org/a&b/id/")
    assert "https://example.org/a&b/id/" in rules and "&amp;" not in rules
    assert "RewriteCond %{HTTP_ACCEPT} text/turtle" in rules
    nginx = pages.nginx_rules("https://example.org/data/id/")
    assert "location /data/id/ {" in nginx and "return 303 /data/id/$thing$cyberlex_twin; }" in nginx
    w3id = pages.w3id_rules(ID, "https://example.org/site", ontology_url="https://example.org/rel/1/")
    assert "RewriteRule ^id/(.+)$ https://example.org/site/$1/index.ttl [R=303,L]" in w3id
    assert "RewriteRule ^ontology$ https://example.org/rel/1/ontology.html [R=303,L]" in w3id
    assert "ontology" not in pages.w3id_rules(ID, "https://example.org/site").split("site/\n", 1)[1]
    with pytest.raises(UndefinedError):  # StrictUndefined: a name the caller did not pass is an error
        text_template("rules/nginx.conf").render(base=ID, root="/srv")
    with pytest.raises(UndefinedError):
        html_template("pages/not_found.html").render()


def test_each_template_is_compiled_once() -> None:
    assert html_template("pages/resource.html") is html_template("pages/resource.html")
    assert text_template("rules/apache.htaccess") is text_template("rules/apache.htaccess")
    assert text_environment().auto_reload is False  # no stat of the file for every page


SAME_LABELS = """
import sys
from pyoxigraph import Literal, NamedNode, Triple
from cyberlex.site import pages
ID, CLX = "https://w3id.org/cyberlex/id/", "https://w3id.org/cyberlex/ontology#"
TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
source, cited = NamedNode(ID + "source/x"), NamedNode(ID + "A-RES-0-0")
triples = [Triple(source, TYPE, NamedNode(CLX + "SourceDocument")), Triple(cited, TYPE, NamedNode(CLX + "Resolution"))]
for n in range(8):  # eight instruments with one label, recorded and cited
    thing = NamedNode(f"{ID}A-RES-{n}-1/annex")
    triples += [Triple(thing, NamedNode("http://purl.org/dc/terms/identifier"), Literal("In accordance with")),
                Triple(source, NamedNode(CLX + "records"), thing), Triple(cited, NamedNode(CLX + "cites"), thing)]
index = pages.Index(triples, ID)
sys.stdout.write(pages.home(index) + pages.render(index, ID + "A-RES-0-0"))
"""


def test_nodes_with_the_same_label_come_in_the_same_order_whatever_the_hash_seed() -> None:
    import os
    import subprocess
    import sys

    pages_by_seed = {subprocess.run([sys.executable, "-c", SAME_LABELS], capture_output=True, text=True, check=True,
                                    env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2", "3", "4")}
    assert len(pages_by_seed) == 1
    page = pages_by_seed.pop()
    assert page.index('href="A-RES-0-1/annex/"') < page.index('href="A-RES-7-1/annex/"')  # then by IRI
