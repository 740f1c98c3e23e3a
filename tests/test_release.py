"""`cyberlex release`: dumps that hold the same triples, a DCAT description that matches the files and
conforms to our shapes and the official DCAT-AP ones, notes, byte-identical releases, linked-data pages."""

from __future__ import annotations

import hashlib
import html
import json
import re
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, OWL, RDF

from cyberlex import __version__, jsonld
from cyberlex.build import sample_corpus
from cyberlex.cli import main
from cyberlex.release import (
    ReleaseError,
    release,
    release_date,
    stamp_ontology,
    validate_description,
)
from cyberlex.resources import data_path
from cyberlex.site import pages

DCAT = Namespace("http://www.w3.org/ns/dcat#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VOID = Namespace("http://rdfs.org/ns/void#")
ID = "https://w3id.org/cyberlex/id/"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
OA_NS = "http://www.w3.org/ns/oa#"
DUMPS = {"graph.nt": "nt", "graph.ttl": "turtle", "graph.trig": "trig", "graph.jsonld": "json-ld"}


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A release of the bundled samples."""
    out = tmp_path_factory.mktemp("release") / "dist"
    result = CliRunner().invoke(main, ["release", "--out", str(out), "--endpoint", "http://localhost:7878/query"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


def union(path: Path, fmt: str) -> Graph:
    """The triples of a dump as one graph (the union of a TriG's named graphs)."""
    if fmt == "trig":
        ds = Dataset()
        ds.parse(path, format="trig")
        graph = Graph()
        for s, p, o, _ in ds.quads():
            graph.add((s, p, o))
        return graph
    return Graph().parse(path, format=fmt)


def test_dumps_are_isomorphic(dist: Path) -> None:
    graphs = {name: union(dist / name, fmt) for name, fmt in DUMPS.items()}
    reference = graphs["graph.nt"]
    assert len(reference) > 800  # the facts: the evidence is in evidence.trig
    for name, graph in graphs.items():
        assert len(graph) == len(reference), name
        assert isomorphic(graph, reference), f"{name} does not hold the triples of graph.nt"
    # pyoxigraph reads them the same way (its JSON-LD parser is another implementation)
    for name, fmt in (("graph.jsonld", ox.RdfFormat.JSON_LD), ("graph.ttl", ox.RdfFormat.TURTLE)):
        assert {str(t) for t in ox.parse(path=str(dist / name), format=fmt)} == \
            {str(t) for t in ox.parse(path=str(dist / "graph.nt"), format=ox.RdfFormat.N_TRIPLES)}


def test_ntriples_sorted_and_trig_one_graph_per_source(dist: Path) -> None:
    lines = (dist / "graph.nt").read_bytes().splitlines()
    assert lines == sorted(set(lines))
    ds = Dataset()
    ds.parse(dist / "graph.trig", format="trig")
    names = {str(c.identifier) for c in ds.graphs() if str(c.identifier).startswith(ID)}
    assert {n for n in names if "/source/" in n} and ID + "graph/gazetteer" in names
    assert not [n for n in names if n.endswith("/evidence")]
    evidence = Dataset()
    evidence.parse(dist / "evidence.trig", format="trig")
    evidence_names = {str(c.identifier) for c in evidence.graphs() if str(c.identifier).startswith(ID)}
    assert evidence_names == {n + "/evidence" for n in names if "/source/" in n}  # one per source document


def test_jsonld_context_is_published_and_inline(dist: Path) -> None:
    published = json.loads((dist / "context.jsonld").read_text(encoding="utf-8"))
    document = json.loads((dist / "graph.jsonld").read_text(encoding="utf-8"))
    assert published["@context"] == document["@context"]
    assert published["@context"]["id"] == ID and published["@context"]["clx"].endswith("/ontology#")
    node = next(n for n in document["@graph"] if n["@id"] == "id:A-RES-99-101")
    assert node["dcterms:identifier"] == "A/RES/99/101"


def test_ontology_and_shapes_files(dist: Path) -> None:
    released = (dist / "ontology.ttl").read_bytes().splitlines()
    source = (data_path("ontology") / "cyberlex.ttl").read_bytes().splitlines()
    assert len(released) == len(source)
    changed = [(a, b) for a, b in zip(source, released, strict=True) if a != b]
    assert [a.split()[0] for a, _ in changed] == [b"owl:versionIRI", b"owl:versionInfo"], changed  # all else as written
    shapes = Graph().parse(dist / "shapes.ttl", format="turtle")
    expected = Graph()
    for path in sorted(data_path("shapes").glob("*.ttl")):
        expected.parse(path, format="turtle")
    assert isomorphic(shapes, expected)


def test_ontology_is_stamped_with_the_release(dist: Path) -> None:
    """The released ontology's owl:versionInfo is the release's version and its owl:versionIRI the
    download address of the ontology file in that release; the documentation shows both."""
    ontology = Graph().parse(dist / "ontology.ttl", format="turtle")
    subject = URIRef("https://w3id.org/cyberlex/ontology")
    described = description(dist)
    [version] = described.objects(None, DCAT.version)
    assert isinstance(version, Literal) and str(version).startswith(__version__ + "+")
    assert ontology.value(subject, OWL.versionInfo) == Literal(str(version))
    downloads = {str(o) for o in described.objects(None, DCAT.downloadURL) if str(o).endswith("/ontology.ttl")}
    assert downloads == {f"https://w3id.org/cyberlex/release/{version}/ontology.ttl"}
    assert ontology.value(subject, OWL.versionIRI) == URIRef(downloads.pop())
    page = (dist / "ontology.html").read_text(encoding="utf-8")
    assert str(version) in page and f"release/{version}/ontology.ttl" in page


def test_stamping_refuses_an_ontology_without_one_version() -> None:
    with pytest.raises(ReleaseError, match="owl:versionIRI 0 times"):
        stamp_ontology(b'<x> a owl:Ontology ; owl:versionInfo "1" .', "2", "http://example.org/2")
    stamped = stamp_ontology(b'<x> owl:versionIRI <http://a/1> ;\n  owl:versionInfo "1" .', "2+ab", "http://a/2+ab")
    assert stamped == b'<x> owl:versionIRI <http://a/2+ab> ;\n  owl:versionInfo "2+ab" .'


def test_ontology_documentation(dist: Path) -> None:
    text = (dist / "ontology.html").read_text(encoding="utf-8")
    ontology = Graph().parse(data_path("ontology") / "cyberlex.ttl")
    clx = "https://w3id.org/cyberlex/ontology#"
    terms = {str(s)[len(clx):] for s in ontology.subjects() if str(s).startswith(clx)}
    for term in sorted(terms):
        assert f'id="{term}"' in text, f"no section for clx:{term}"
    assert "<script" not in text
    assert 'clx:Instrument</a> or <a href="#Clause">' in text  # the domain of clx:cites, an owl:unionOf


def description(dist: Path) -> Graph:
    return Graph().parse(dist / "dataset.ttl", format="turtle")


def test_checksums_and_sizes_match_the_files(dist: Path) -> None:
    graph = description(dist)
    distributions = list(graph.subjects(RDF.type, DCAT.Distribution))
    files = [d for d in distributions if graph.value(d, DCAT.downloadURL) is not None]
    names = {str(graph.value(d, DCAT.downloadURL)).rsplit("/", 1)[-1] for d in files}
    assert names >= {"graph.ttl", "graph.nt", "graph.trig", "graph.jsonld", "evidence.trig", "ontology.ttl",
                     "shapes.ttl",
                     "context.jsonld", "ontology.html"}
    for d in files:
        name = str(graph.value(d, DCAT.downloadURL)).rsplit("/", 1)[-1]
        data = (dist / name).read_bytes()
        assert int(graph.value(d, DCAT.byteSize)) == len(data), name
        checksum = graph.value(d, SPDX.checksum)
        assert graph.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert str(graph.value(checksum, SPDX.checksumValue)) == hashlib.sha256(data).hexdigest(), name
        assert str(graph.value(d, DCAT.mediaType)).startswith("http://www.iana.org/assignments/media-types/")


def test_description_has_what_portals_need(dist: Path) -> None:
    graph = description(dist)
    dataset = URIRef(ID + "dataset")
    assert (dataset, RDF.type, DCAT.Dataset) in graph and (dataset, RDF.type, VOID.Dataset) in graph
    assert {t.language for t in graph.objects(dataset, DCTERMS.title)} >= {"en", "fr", "es", "de"}
    assert {t.language for t in graph.objects(dataset, DCTERMS.description)} >= {"en", "fr", "es", "de"}
    themes = {str(t).rsplit("/", 1)[-1] for t in graph.objects(dataset, DCAT.theme)}
    assert themes == {"JUST", "GOVE"}
    assert graph.value(dataset, DCTERMS.license) == URIRef(
        "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0")
    assert graph.value(dataset, DCTERMS.publisher) is not None
    assert graph.value(dataset, DCTERMS.issued) is not None and graph.value(dataset, DCTERMS.modified) is not None
    service = URIRef(ID + "dataset/sparql")
    assert (service, RDF.type, DCAT.DataService) in graph
    assert str(graph.value(service, DCAT.endpointURL)) == "http://localhost:7878/query"
    # VoID agrees with the dump
    triples = len((dist / "graph.nt").read_bytes().splitlines())
    assert int(graph.value(dataset, VOID.triples)) == triples
    assert not any(isinstance(t, type(None)) for t in graph.subjects())
    assert all(isinstance(s, URIRef) for s in graph.subjects()), "blank nodes in the description"


def test_description_conforms_to_our_dcat_shapes(dist: Path) -> None:
    report = validate_description((dist / "dataset.ttl").read_bytes())
    assert report.conforms, report.to_text()


def test_our_dcat_shapes_catch_a_wrong_checksum_and_one_language(dist: Path) -> None:
    graph = description(dist)
    dataset = URIRef(ID + "dataset")
    for title in list(graph.objects(dataset, DCTERMS.title)):
        if title.language != "en":
            graph.remove((dataset, DCTERMS.title, title))
    checksum = URIRef(ID + "dataset/distribution/graph.nt/checksum")
    graph.set((checksum, SPDX.checksumValue, Literal("abc")))
    report = validate_description(graph.serialize(format="turtle").encode())
    shapes = {str(r.source_shape).rsplit("#", 1)[-1] for r in report.results}
    assert not report.conforms
    assert "Dataset-title" in shapes and "File-checksum" in shapes, report.to_text()


def test_description_conforms_to_official_dcat_ap_shapes(dist: Path, repo: Path) -> None:
    official = repo.parent / "shared" / "vocab" / "dcat-ap-3.0.0-shapes.ttl"
    if not official.is_file():
        pytest.skip("../shared/vocab/dcat-ap-3.0.0-shapes.ttl not found")
    import pyshacl

    conforms, _, text = pyshacl.validate(description(dist), shacl_graph=Graph().parse(official, format="turtle"))
    assert conforms, text


def test_release_notes(dist: Path, tmp_path: Path, write_text: object) -> None:
    notes = (dist / "RELEASE-NOTES.md").read_text(encoding="utf-8")
    assert "| `clx:Resolution` |" in notes and "| `clx:cites` |" in notes
    assert "No previous release" in notes
    # the evidence is counted apart: its triples are those of evidence.trig
    evidence = re.search(r"The evidence, apart in `evidence.trig`: ([\d,]+) triples, ([\d,]+) statements read from "
                         r"([\d,]+) spans of text", notes)
    assert evidence, notes
    triples, statements, spans = (int(n.replace(",", "")) for n in evidence.groups())
    assert triples == len(list(ox.parse(path=str(dist / "evidence.trig"), format=ox.RdfFormat.TRIG)))
    assert triples == 4 * statements + 5 * spans and statements >= spans > 100
    # a second release with one document less lists what went
    samples = data_path("samples")
    smaller = tmp_path / "in"
    smaller.mkdir()
    for path in samples.iterdir():
        if path.suffix in (".txt", ".md") and path.name != "README.md" and not path.name.startswith("ipu"):
            (smaller / path.name).write_bytes(path.read_bytes())
    result = release([smaller], tmp_path / "next", previous=dist, with_site=False)
    assert result.removed and result.removed > 0
    notes = (tmp_path / "next" / "RELEASE-NOTES.md").read_text(encoding="utf-8")
    assert "triples added" in notes and "Instruments removed" in notes
    # issued is carried over from the previous release
    old = description(dist).value(URIRef(ID + "dataset"), DCTERMS.issued)
    assert description(tmp_path / "next").value(URIRef(ID + "dataset"), DCTERMS.issued) == old


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_two_releases_are_byte_identical(dist: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    result = CliRunner().invoke(main, ["release", "--out", str(again), "--endpoint", "http://localhost:7878/query"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    first, second = tree(dist), tree(again)
    assert first.keys() == second.keys()
    different = [name for name in first if first[name] != second[name]]
    assert not different, f"files differ between two releases of the same inputs: {different[:10]}"


def test_release_date_never_the_wall_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert release_date(None, "2022-12-30") == "2022-12-30"
    assert release_date("2024-05-01", "2022-12-30") == "2024-05-01"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert release_date(None, "2022-12-30") == "2023-11-14"


def test_release_replaces_the_folder_atomically(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    out.mkdir()
    (out / "stale.txt").write_text("old", encoding="utf-8")
    release([data_path("samples")], out, with_site=False)
    assert not (out / "stale.txt").exists() and (out / "graph.nt").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["dist"], "temporary folders left behind"


def test_base_iri_is_configurable(tmp_path: Path) -> None:
    base = "https://data.example.org/cyberlex/"
    result = release([data_path("samples")], tmp_path / "dist", base=base)
    nt = (tmp_path / "dist" / "graph.nt").read_text(encoding="utf-8")
    assert f"<{base}A-RES-99-101>" in nt and "w3id.org/cyberlex/id/" not in nt
    assert json.loads((tmp_path / "dist" / "context.jsonld").read_text())["@context"]["id"] == base
    assert (tmp_path / "dist" / "site" / "A-RES-99-101" / "index.html").is_file()
    graph = description(tmp_path / "dist")
    assert (URIRef(base + "dataset"), RDF.type, DCAT.Dataset) in graph
    assert result.pages > 100


# -- linked-data pages ----------------------------------------------------------------------------------

def test_static_site_has_a_page_and_twins_per_iri(dist: Path) -> None:
    site = dist / "site"
    nt = list(ox.parse(path=str(dist / "graph.nt"), format=ox.RdfFormat.N_TRIPLES))
    iris = {t.value for triple in nt for t in (triple.subject, triple.object)
            if isinstance(t, ox.NamedNode) and t.value.startswith(ID) and t.value != ID}
    assert not any(t.object == ox.NamedNode(CLX_NS + "Evidence") for t in nt)  # the facts alone
    evidence = {q.subject.value for q in ox.parse(path=str(dist / "evidence.trig"), format=ox.RdfFormat.TRIG)}
    clauses = {t.object.value: t.subject.value for t in nt if t.predicate == ox.NamedNode(CLX_NS + "hasClause")}
    assert len(evidence) > 100 and not evidence & iris and len(clauses) > 20
    for iri in iris - clauses.keys():
        folder = site / iri[len(ID):]
        assert (folder / "index.html").is_file(), iri
    # no page, Turtle or JSON-LD of an evidence node: each is a row of the pages that show it; nor of a
    # clause: each is an item, at its anchor, of its instrument's page
    assert not any("/evidence/" in str(path.relative_to(site)) for path in site.rglob("*"))
    for clause, instrument in clauses.items():
        assert not (site / clause[len(ID):]).exists(), clause
        page = (site / instrument[len(ID):] / "index.html").read_text(encoding="utf-8")
        assert f'<li id="{pages.clause_anchor(clause)}"' in page, clause
    page = (site / "A-RES-99-101" / "index.html").read_text(encoding="utf-8")
    assert "<script" not in page and 'href="../A-RES-65-230/"' in page
    assert 'rel="alternate" type="text/turtle" href="index.ttl"' in page
    twin = Graph().parse(site / "A-RES-99-101" / "index.ttl", format="turtle")
    assert (URIRef(ID + "A-RES-99-101"), None, None) in twin
    assert isomorphic(twin, Graph().parse(site / "A-RES-99-101" / "index.jsonld", format="json-ld"))
    # the instrument's twins hold its clauses' statements and those pointing to them
    clause = URIRef(ID + "A-RES-99-101/op/1")
    assert (clause, URIRef(CLX_NS + "text"), None) in twin and (None, None, clause) in twin
    for rules in (site / ".htaccess", dist / "publish" / "nginx.conf", dist / "publish" / "w3id.htaccess"):
        assert "303" in rules.read_text(encoding="utf-8")


def call(app: pages.PagesApp, path: str, accept: str | None = None) -> tuple[str, dict[str, str], bytes]:
    answer: dict[str, object] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        answer["status"], answer["headers"] = status, dict(headers)

    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path}
    if accept is not None:
        environ["HTTP_ACCEPT"] = accept
    body = b"".join(app(environ, start_response))
    return str(answer["status"]), answer["headers"], body  # type: ignore[return-value]


def test_content_negotiation(dist: Path) -> None:
    app = pages.PagesApp(pages.load_index(dist))
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
    for accept, location in ((browser, "/A-RES-99-101/"), ("text/turtle", "/A-RES-99-101/index.ttl"),
                             ("application/ld+json", "/A-RES-99-101/index.jsonld"), (None, "/A-RES-99-101/"),
                             ("application/ld+json;q=0.5, text/turtle", "/A-RES-99-101/index.ttl")):
        status, headers, _ = call(app, "/A-RES-99-101", accept)
        assert status.startswith("303") and headers["Location"] == location, accept
        assert headers["Vary"] == "Accept"
    status, headers, body = call(app, "/A-RES-99-101/index.ttl")
    assert status.startswith("200") and headers["Content-Type"].startswith("text/turtle")
    assert (URIRef(ID + "A-RES-99-101"), None, None) in Graph().parse(data=body, format="turtle")
    status, headers, body = call(app, "/A-RES-99-101/")
    assert status.startswith("200") and b"A/RES/99/101" in body
    status, _, _ = call(app, "/no-such-thing")
    assert status.startswith("404")
    # the dataset description has pages too, when serving a release
    status, _, body = call(app, "/dataset/")
    assert status.startswith("200") and b"dcat:distribution" in body


CLX_NS = "https://w3id.org/cyberlex/ontology#"


def evidence_nodes(index: pages.Index) -> list[str]:
    """The statements of the evidence (each linked to the span it was read from)."""
    return sorted(index.statements)


def test_the_quote_of_a_clause_shows_on_its_instruments_page_at_the_evidence_anchor(dist: Path) -> None:
    index = pages.load_index(dist)
    site = dist / "site"
    shown = 0
    for node in evidence_nodes(index):
        subject = index.iris_of(node, RDF_NS + "subject")[0]
        if subject not in index.clause_owner:  # the evidence of a clause's statements
            continue
        span = index.span(node)  # the quote, offsets and source are the span's, shared by its statements
        quote = html.escape(index.text(span, OA_NS + "exact") or "", quote=True)
        anchor = pages.evidence_anchor(node)
        instrument = index.subjects(CLX_NS + "hasClause", subject)[0]
        page = (site / instrument[len(ID):] / "index.html").read_text(encoding="utf-8")
        row = page.split(f'<tr id="{anchor}">', 1)[1].split("</tr>", 1)[0]
        assert f"<q>{quote}</q>" in row and quote
        # the clause: its item on this page (after the span's anchor, on the first row read from the span)
        assert f'<a href="#{pages.clause_anchor(subject)}">' in row.split("</td>", 1)[0]
        start, end = index.text(span, OA_NS + "start"), index.text(span, OA_NS + "end")
        assert f">{start}–{end}</a>" in row and '/source/' in row  # offsets, the source's page
        # the source document's page has the row too (where the static site's rules lead), with the span's
        # anchor on its first row; its Turtle describes the statement and its span
        source = index.iris_of(span, "http://www.w3.org/ns/prov#wasDerivedFrom")[0]
        source_page = (site / source[len(ID):] / "index.html").read_text(encoding="utf-8")
        assert f'<tr id="{anchor}">' in source_page
        assert f'<span id="{pages.evidence_anchor(span)}"></span>' in source_page
        twin = Graph().parse(site / source[len(ID):] / "index.ttl", format="turtle")
        assert (URIRef(node), URIRef(CLX_NS + "evidence"), URIRef(span)) in twin
        assert (URIRef(span), URIRef(OA_NS + "exact"), None) in twin
        shown += 1
    assert shown > 3


def test_an_evidence_iri_is_answered_303_to_its_anchor_on_the_page_it_supports(dist: Path) -> None:
    index = pages.load_index(dist)
    app = pages.PagesApp(index)
    clause = next(n for n in evidence_nodes(index) if "/op/" in index.iris_of(n, RDF_NS + "subject")[0]
                  and "/reservation/" not in index.iris_of(n, RDF_NS + "subject")[0])
    subject = index.iris_of(clause, RDF_NS + "subject")[0]
    instrument = index.subjects(CLX_NS + "hasClause", subject)[0]
    path = "/" + clause[len(ID):]
    for asked in (path, path + "/", path + "/index.html"):
        status, headers, _ = call(app, asked, "text/html")
        assert status.startswith("303"), asked  # on the page of the clause it supports: its instrument's
        assert headers["Location"] == f"/{instrument[len(ID):]}/#{pages.evidence_anchor(clause)}", asked
    status, headers, body = call(app, headers["Location"].split("#")[0])
    assert status.startswith("200") and f'<tr id="{pages.evidence_anchor(clause)}">'.encode() in body
    status, headers, _ = call(app, path, "text/turtle")  # as data: its description, computed
    assert status.startswith("303") and headers["Location"] == path + "/index.ttl"
    status, _, body = call(app, path + "/index.ttl")
    graph = Graph().parse(data=body, format="turtle")
    assert status.startswith("200") and (URIRef(clause), RDF.subject, URIRef(subject)) in graph
    status, _, body = call(app, path + "/index.jsonld")
    assert status.startswith("200") and isomorphic(graph, Graph().parse(data=body, format="json-ld"))


def rewrite(rules: str, path: str, accept: str) -> str | None:
    """Where an Apache rules file's RewriteRules send a path (no leading slash), read as PCRE by Python's re:
    the first rule that matches and whose RewriteCond on the Accept header holds; None if none does."""
    import re

    condition = None
    for line in rules.splitlines():
        if line.startswith("RewriteCond %{HTTP_ACCEPT} "):
            condition = line.split(" ", 2)[2]
        elif line.startswith("RewriteRule "):
            _, pattern, target, *_ = line.split(" ")
            held = condition is None or re.search(condition, accept)
            condition = None
            match = re.match(pattern, path)
            if match and held:
                return match.expand(target.replace("$", "\\"))
    return None


def test_the_server_rules_redirect_an_evidence_iri_to_its_anchor(dist: Path) -> None:
    import re

    index = pages.load_index(dist)
    site = dist / "site"
    node = evidence_nodes(index)[len(index.evidence) // 2]
    path, anchor = node[len(ID):], pages.evidence_anchor(node)
    span = index.span(node)
    source = index.iris_of(span, "http://www.w3.org/ns/prov#wasDerivedFrom")[0][len(ID):]
    htaccess = (site / ".htaccess").read_text(encoding="utf-8")
    assert rewrite(htaccess, path, "text/html") == f"{source}/#{anchor}"
    assert rewrite(htaccess, path, "text/turtle") == f"{source}/index.ttl"
    assert rewrite(htaccess, path, "application/ld+json") == f"{source}/index.jsonld"
    # a span: to its first row on the source document's page
    span_path, span_anchor = span[len(ID):], pages.evidence_anchor(span)
    assert rewrite(htaccess, span_path, "text/html") == f"{source}/#{span_anchor}"
    assert rewrite(htaccess, span_path, "text/turtle") == f"{source}/index.ttl"
    assert f'<span id="{span_anchor}"></span>' in (site / source / "index.html").read_text(encoding="utf-8")
    app = pages.PagesApp(index)
    status, headers, _ = call(app, "/" + span_path, "text/html")
    assert status.startswith("303") and headers["Location"] == f"/{source}/#{span_anchor}"
    assert rewrite(htaccess, "A-RES-99-101", "text/html") == "A-RES-99-101/"  # the others as before
    assert f'<tr id="{anchor}">' in (site / source / "index.html").read_text(encoding="utf-8")
    w3id = (dist / "publish" / "w3id.htaccess").read_text(encoding="utf-8")
    site_url = "https://example.org/cyberlex/site/"
    assert rewrite(w3id, "id/" + path, "text/html") == f"{site_url}{source}/#{anchor}"
    assert rewrite(w3id, "id/" + path, "text/turtle") == f"{site_url}{source}/index.ttl"
    nginx = (dist / "publish" / "nginx.conf").read_text(encoding="utf-8")
    location = re.search(r"location ~ (\^/cyberlex/id/source/.*evidence.*) \{\n(.*)\n(.*)\n", nginx)
    assert location, nginx
    match = re.match(location.group(1).replace("(?<", "(?P<"), "/cyberlex/id/" + path)
    assert match
    html_target = re.search(r"return 303 (\S+);", location.group(2)).group(1)  # type: ignore[union-attr]
    for name, value in match.groupdict().items():
        html_target = html_target.replace("$" + name, value)
    assert html_target == f"/cyberlex/id/{source}/#{anchor}"
    assert location.group(3).strip() == "return 303 /cyberlex/id/source/$doc$cyberlex_twin;"


def test_a_clause_iri_is_answered_303_to_its_anchor_on_its_instruments_page(dist: Path) -> None:
    index = pages.load_index(dist)
    app = pages.PagesApp(index)
    clause, instrument = "/A-RES-99-101/op/1", "/A-RES-99-101"
    for asked in (clause, clause + "/", clause + "/index.html"):
        status, headers, _ = call(app, asked, "text/html")
        assert status.startswith("303") and headers["Location"] == instrument + "/#op-1", asked
    for accept, twin in (("text/turtle", "/index.ttl"), ("application/ld+json", "/index.jsonld"),
                         ("application/rdf+xml", "/index.rdf")):
        status, headers, _ = call(app, clause, accept)
        assert status.startswith("303") and headers["Location"] == instrument + twin, accept
    for asked, twin in ((clause + "/index.ttl", "/index.ttl"), (clause + ".jsonld", "/index.jsonld")):
        status, headers, _ = call(app, asked)
        assert status.startswith("303") and headers["Location"] == instrument + twin, asked
    status, _, body = call(app, instrument + "/")
    assert status.startswith("200") and b'<li id="op-1"' in body
    # a reservation on a clause keeps its page, and links to the clause's item on its instrument's page
    reservation = next(iri for iri in index.iris() if "/reservation/" in iri)
    status, headers, _ = call(app, "/" + reservation[len(ID):], "text/html")
    assert status.startswith("303") and headers["Location"] == "/" + reservation[len(ID):] + "/"
    [concerned] = index.iris_of(reservation, CLX_NS + "concerns")
    owner = index.subjects(CLX_NS + "hasClause", concerned)[0]
    page = pages.render(index, reservation)
    assert f'/{owner[len(ID):]}/#{pages.clause_anchor(concerned)}"' in page


def test_the_server_rules_redirect_a_clause_iri_to_its_anchor(dist: Path) -> None:
    import re

    site = dist / "site"
    htaccess = (site / ".htaccess").read_text(encoding="utf-8")
    for clause in ("A-RES-99-101/op/1", "A-RES-99-101/op/1/", "instrument/some-slug/pre/12"):
        instrument, kind, number = clause.rstrip("/").rsplit("/", 2)
        assert rewrite(htaccess, clause, "text/html") == f"{instrument}/#{kind}-{number}"
        assert rewrite(htaccess, clause, "text/turtle") == f"{instrument}/index.ttl"
        assert rewrite(htaccess, clause, "application/ld+json") == f"{instrument}/index.jsonld"
    assert rewrite(htaccess, "A-RES-99-101/op/1.ttl", "text/html") == "A-RES-99-101/index.ttl"
    assert rewrite(htaccess, "A-RES-99-101/op/1/index.jsonld", "text/html") == "A-RES-99-101/index.jsonld"
    assert (site / "A-RES-99-101" / "index.html").read_text(encoding="utf-8").count('<li id="op-1"') == 1
    # a reservation's IRI is not a clause's: it has a page (the bare-IRI rule, after a test for its folder)
    reservation = "instrument/x/reservation/rus/op/1"
    assert rewrite(htaccess, reservation, "text/html") == reservation + "/"
    w3id = (dist / "publish" / "w3id.htaccess").read_text(encoding="utf-8")
    site_url = "https://example.org/cyberlex/site/"
    assert rewrite(w3id, "id/A-RES-99-101/op/1", "text/html") == f"{site_url}A-RES-99-101/#op-1"
    assert rewrite(w3id, "id/A-RES-99-101/pre/3", "text/turtle") == f"{site_url}A-RES-99-101/index.ttl"
    assert rewrite(w3id, "id/A-RES-99-101/pre/3", "application/ld+json") == f"{site_url}A-RES-99-101/index.jsonld"
    assert rewrite(w3id, "id/" + reservation, "text/html") == f"{site_url}{reservation}/"
    nginx = (dist / "publish" / "nginx.conf").read_text(encoding="utf-8")
    locations = re.findall(r"location ~ (\^\S+) \{\n((?:.*\n)*?)    \}", nginx)

    def nginx_answer(path: str, twin: str) -> str | None:
        """The 303 of the first regular-expression location matching a path, $cyberlex_twin being twin."""
        for pattern, body in locations:
            match = re.match(pattern.replace("(?<", "(?P<"), path)
            if match:
                returns = re.findall(r"return 303 (\S+);", body)
                if not returns:
                    return None
                target = returns[0] if twin == "/" or len(returns) == 1 else returns[-1]
                for name, value in {**match.groupdict(), "cyberlex_twin": twin}.items():
                    target = target.replace("$" + name, value)
                return target
        return None

    assert nginx_answer("/cyberlex/id/A-RES-99-101/op/1", "/") == "/cyberlex/id/A-RES-99-101/#op-1"
    assert nginx_answer("/cyberlex/id/A-RES-99-101/op/1", "/index.ttl") == "/cyberlex/id/A-RES-99-101/index.ttl"
    assert nginx_answer("/cyberlex/id/A-RES-99-101/pre/2.jsonld", "/") == "/cyberlex/id/A-RES-99-101/index.jsonld"
    # a reservation: the bare-IRI location (its folder exists), not the clause's
    assert nginx_answer(f"/cyberlex/id/{reservation}", "/") == f"/cyberlex/id/{reservation}/"


def test_jsonld_round_trip_of_literals() -> None:
    triples = [ox.Triple(ox.NamedNode(ID + "x"), ox.NamedNode("http://purl.org/dc/terms/title"),
                         ox.Literal("titre", language="fr")),
               ox.Triple(ox.NamedNode(ID + "x"), ox.NamedNode("https://w3id.org/cyberlex/ontology#ordinal"),
                         ox.Literal("3", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))),
               ox.Triple(ox.NamedNode(ID + "x"), ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs"),
                         ox.NamedNode("http://www.wikidata.org/entity/Q1")),
               ox.Triple(ox.NamedNode(ID + "x"), ox.NamedNode("http://example.org/p"), ox.Literal("plain"))]
    data = jsonld.to_bytes(triples, base=ID)
    back = {str(t) for t in ox.parse(data, format=ox.RdfFormat.JSON_LD)}
    assert back == {str(t) for t in triples}


def test_jsonld_bytes_are_those_of_the_document() -> None:
    """to_bytes writes the document without making it: the same bytes as dumps(document(…)), whatever the values
    (several of one key, sorted; types; blank nodes; literals with a language or a datatype; quotes, line breaks)."""
    x, y, blank = ox.NamedNode(ID + "x"), ox.NamedNode(ID + "y"), ox.BlankNode("b1")
    title, see = ox.NamedNode("http://purl.org/dc/terms/title"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso")
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    integer = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    triples = [ox.Triple(x, title, ox.Literal('say "hi"\nthere', language="en")),
               ox.Triple(x, title, ox.Literal("zz")), ox.Triple(x, title, ox.Literal("titre", language="fr")),
               ox.Triple(x, title, ox.Literal("7", datatype=integer)),
               ox.Triple(x, see, y), ox.Triple(x, see, blank), ox.Triple(x, see, ox.NamedNode("http://example.org/a")),
               ox.Triple(x, rdf_type, ox.NamedNode("https://w3id.org/cyberlex/ontology#Body")),
               ox.Triple(x, rdf_type, ox.NamedNode("http://example.org/Thing")),
               ox.Triple(blank, see, x), ox.Triple(y, rdf_type, ox.Literal("not a class")), ox.Triple(y, see, x)]
    for part in (triples, triples[:1], triples[4:7], []):
        assert jsonld.to_bytes(part, base=ID) == jsonld.dumps(jsonld.document(part, base=ID))
        assert jsonld.to_bytes(part) == jsonld.dumps(jsonld.document(part))


def test_site_written_by_several_processes_is_the_same(dist: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """This process and forked ones taking jobs in turn write the same files as this process alone."""
    from cyberlex.site import writer

    index = pages.load_index(dist)
    monkeypatch.setattr(writer, "PARALLEL_PAGES", 1)
    monkeypatch.setattr(writer, "PAGES_PER_JOB", 3)
    alone, together = tmp_path / "alone", tmp_path / "together"
    assert pages.write_site(index, alone, workers=1) == pages.write_site(index, together, workers=3) > 3 * 3
    files = sorted(path.relative_to(alone) for path in alone.rglob("*") if path.is_file())
    assert files == sorted(path.relative_to(together) for path in together.rglob("*") if path.is_file())
    assert all((alone / name).read_bytes() == (together / name).read_bytes() for name in files)


def test_pages_server_answers_over_http(dist: Path) -> None:
    with pages.PagesServer(pages.load_index(dist)) as server:
        request = urllib.request.Request(urllib.parse.urljoin(server.url, "A-RES-99-101"),
                                         headers={"Accept": "text/turtle"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 200 and answer.url.endswith("/A-RES-99-101/index.ttl")
            graph = Graph().parse(data=answer.read(), format="turtle")
    assert (URIRef(ID + "A-RES-99-101"), DCTERMS.identifier, Literal("A/RES/99/101")) in graph


def test_pages_answer_rdf_xml_and_n_triples(dist: Path) -> None:
    app = pages.PagesApp(pages.load_index(dist))
    for accept, tail, rdflib_format in (("application/rdf+xml", "index.rdf", "xml"),
                                        ("application/n-triples", "index.nt", "nt")):
        status, headers, _ = call(app, "/A-RES-99-101", accept)
        assert status.startswith("303") and headers["Location"] == f"/A-RES-99-101/{tail}", accept
        status, headers, body = call(app, f"/A-RES-99-101/{tail}")
        assert status.startswith("200") and headers["Content-Type"].startswith(accept)
        graph = Graph().parse(data=body, format=rdflib_format)
        turtle = Graph().parse(data=call(app, "/A-RES-99-101/index.ttl")[2], format="turtle")
        assert isomorphic(graph, turtle)


def test_evidence_in_offset_order_by_language_and_footnotes_once_with_language(dist: Path) -> None:
    import itertools
    import re

    index = pages.load_index(dist)
    checked = 0
    for iri in index.iris():
        page = pages.render(index, iri)
        if "<h2>Evidence" not in page:
            continue
        table = page.split("<h2>Evidence", 1)[1]
        for group in table.split('<tr class="language">')[1:]:  # within a language, per document, by offset
            rows = [(document, int(start), int(end)) for document, start, end in re.findall(
                r'<td>((?:<a href="[^"]*">[^<]*</a>)+), <a href="[^"]*">(\d+)–(\d+)</a></td>', group)]
            for first, second in itertools.pairwise(rows):
                if first[0] == second[0]:
                    assert first[1:] <= second[1:], iri
                    checked += 1
        languages = re.findall(r'<tr class="language"><th colspan="3">([^<]*)</th>', table)
        assert languages == sorted(set(languages)), iri  # each language once: grouped
        notes = re.findall(r'<div class="meta"[^>]*>footnote[^<]*</div>', page)
        assert len(notes) == len(set(notes)), iri
    assert checked > 0
    page = pages.render(index, ID + "A-RES-99-101")
    assert '<div class="meta" lang="en">footnote (en): A/74/130.</div>' in page


def test_a_release_uses_the_build_cache_named_and_ships_no_cache(dist: Path, tmp_path: Path) -> None:
    assert not any(part.endswith("cache") for path in tree(dist) for part in Path(path).parts)
    out, cache = tmp_path / "dist-again", tmp_path / "release-cache"
    first = release([sample_corpus()], out, cache_dir=cache)
    second = release([sample_corpus()], out, cache_dir=cache)
    assert first.build.from_cache == 0 and second.build.from_cache == second.build.documents > 0
    assert (out / "graph.ttl").read_bytes() == (dist / "graph.ttl").read_bytes()
    assert not any(part.endswith("cache") for path in tree(out) for part in Path(path).parts)
