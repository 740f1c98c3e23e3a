"""The dataset description of a release: DCAT (DCAT-AP 3.0.0) and VoID in one Turtle file.

What open-data portals harvest (data.europa.eu, CKAN's DCAT harvester): the dataset with its title
and description in the languages of the corpus, publisher, licence, issued and modified dates,
themes, keywords, languages, temporal coverage, contact point, and one ``dcat:Distribution`` per
file of the release with its media type, byte size and SHA-256 checksum; the SPARQL endpoint, when
one is given, as a ``dcat:DataService``. Controlled values are IRIs of the EU vocabularies that
DCAT-AP asks for: data themes, file types, languages, licences, frequencies
(http://publications.europa.eu/resource/authority/…), IANA media types, ADMS publisher types.

The same node is a ``void:Dataset`` with the figures of the graph (triples, distinct subjects and
objects, a partition per class and per property, the Wikidata linkset), its URI space, its dumps and
its vocabularies. No blank nodes: every node has an IRI under ``<base>dataset``.

``dcat:byteSize`` is typed ``xsd:decimal``, as the official DCAT-AP 3.0.0 shapes check (the DCAT
text says ``xsd:nonNegativeInteger``, which those shapes reject).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode, RdfFormat, Triple, serialize

from cyberlex.map import mapping
from cyberlex.vocab import ADMS, CLX, DCAT, DCTERMS, ELI, FOAF, OA, OWL, PROV, RDF, SKOS, SPDX, VCARD, VOID, XSD, split

EU = "http://publications.europa.eu/resource/authority/"
IANA = "http://www.iana.org/assignments/media-types/"
FORMATS = "http://www.w3.org/ns/formats/"

DESCRIPTION_PREFIXES = {
    ns.prefix: ns.iri for ns in (ADMS, CLX, DCAT, DCTERMS, FOAF, OWL, RDF, SKOS, SPDX, VCARD, VOID, XSD)
}

TITLE = {
    "en": "cyberlex: knowledge graph of international legal instruments on cybercrime",
    "fr": "cyberlex : graphe de connaissances des instruments juridiques internationaux sur la cybercriminalité",
    "es": "cyberlex: grafo de conocimiento de los instrumentos jurídicos internacionales sobre la ciberdelincuencia",
    "de": "cyberlex: Wissensgraph der internationalen Rechtsinstrumente zur Cyberkriminalität",
}
DESCRIPTION = {
    "en": "Resolutions, conventions, declarations and documents of the United Nations, the European Union and the "
          "Inter-Parliamentary Union on cybercrime and the use of information and communications technologies, "
          "with their preambular and operative clauses, the instruments they cite, the bodies they establish, the "
          "reservations of States, and for every statement the source file, character offsets and quoted text "
          "it was extracted from.",
    "fr": "Résolutions, conventions, déclarations et documents des Nations Unies, de l'Union européenne et de "
          "l'Union interparlementaire sur la cybercriminalité et l'utilisation des technologies de l'information "
          "et des communications, avec leurs alinéas du préambule et paragraphes du dispositif, les instruments "
          "qu'ils citent, les organes qu'ils créent, les réserves des États et, pour chaque énoncé, le fichier "
          "source, les positions et le texte cité dont il a été extrait.",
    "es": "Resoluciones, convenciones, declaraciones y documentos de las Naciones Unidas, la Unión Europea y la "
          "Unión Interparlamentaria sobre la ciberdelincuencia y la utilización de las tecnologías de la "
          "información y las comunicaciones, con sus párrafos del preámbulo y de la parte dispositiva, los "
          "instrumentos que citan, los órganos que establecen, las reservas de los Estados y, para cada "
          "enunciado, el archivo de origen, las posiciones y el texto citado del que se extrajo.",
    "de": "Resolutionen, Übereinkommen, Erklärungen und Dokumente der Vereinten Nationen, der Europäischen Union "
          "und der Interparlamentarischen Union zur Cyberkriminalität und zur Nutzung von Informations- und "
          "Kommunikationstechnologien, mit ihren Präambel- und operativen Absätzen, den zitierten Instrumenten, "
          "den eingesetzten Gremien, den Vorbehalten der Staaten und für jede Aussage die Quelldatei, die "
          "Zeichenpositionen und der zitierte Text, aus dem sie gewonnen wurde.",
}
KEYWORDS = {
    "en": ["cybercrime", "international law", "United Nations", "resolutions", "linked data"],
    "fr": ["cybercriminalité", "droit international", "Nations Unies", "résolutions"],
    "es": ["ciberdelincuencia", "derecho internacional", "Naciones Unidas", "resoluciones"],
    "de": ["Cyberkriminalität", "Völkerrecht", "Vereinte Nationen", "Resolutionen"],
}
THEMES = {"JUST": "Justice, legal system and public safety", "GOVE": "Government and public sector"}
LICENCES = {  # SPDX-style short names accepted by --licence, and the EU licence authority table's IRIs
    "CC-BY-4.0": EU + "licence/CC_BY_4_0",
    "CC0-1.0": EU + "licence/CC0",
    "ODbL-1.0": EU + "licence/ODC_BL",
}
EARTH = "http://sws.geonames.org/6295630/"


@dataclass(frozen=True)
class FileKind:
    """What a release file is, for its distribution."""

    media_type: str
    file_type: str  # code of the EU file-type authority table
    title: str
    feature: str | None = None  # a W3C format IRI (void:feature) for the RDF dumps


FILES: dict[str, FileKind] = {
    "graph.ttl": FileKind("text/turtle", "RDF_TURTLE", "The graph (union of all named graphs) as Turtle",
                          FORMATS + "Turtle"),
    "graph.nt": FileKind("application/n-triples", "RDF_N_TRIPLES",
                         "The graph as N-Triples, one triple a line, sorted", FORMATS + "N-Triples"),
    "graph.trig": FileKind("application/trig", "RDF_TRIG",
                           "The graph as TriG, one named graph per source document", FORMATS + "TriG"),
    "graph.jsonld": FileKind("application/ld+json", "JSON_LD", "The graph as JSON-LD", FORMATS + "JSON-LD"),
    "evidence.trig": FileKind("application/trig", "RDF_TRIG",
                              "The evidence of the graph as TriG: per source document a named graph of the spans of "
                              "text the statements were read from (offsets, quote) and the statements read from each",
                              FORMATS + "TriG"),
    "context.jsonld": FileKind("application/ld+json", "JSON_LD", "The JSON-LD context of the graph"),
    "ontology.ttl": FileKind("text/turtle", "RDF_TURTLE", "The cyberlex ontology (OWL) the graph uses"),
    "ontology.html": FileKind("text/html", "HTML", "Documentation of the cyberlex ontology"),
    "shapes.ttl": FileKind("text/turtle", "RDF_TURTLE", "The SHACL shapes the graph is validated against"),
}
# the dumps of the dataset: the facts in four formats, and their evidence
DUMPS = ("graph.nt", "graph.ttl", "graph.trig", "graph.jsonld", "evidence.trig")


@dataclass
class Release:
    """What the description says about a release, besides its files."""

    base: str
    version: str
    issued: str  # YYYY-MM-DD
    modified: str  # YYYY-MM-DD
    download_url: str  # where the release's files can be downloaded (ends with /)
    endpoint: str | None = None
    licence: str = LICENCES["CC-BY-4.0"]
    publisher_name: str = "cyberlex project"
    publisher_iri: str | None = None
    contact_url: str | None = None
    languages: list[str] = field(default_factory=list)  # ISO 639-1 codes of the source documents
    period: tuple[str, str] | None = None  # first and last adoption date in the graph
    notes: str = ""

    @property
    def dataset(self) -> str:
        """The IRI of the dataset (the same in every release; the version is a property)."""
        return self.base + "dataset"


@dataclass(frozen=True)
class FileFacts:
    """Size and digest of one file of the release."""

    name: str
    size: int
    sha256: str


def file_facts(name: str, data: bytes) -> FileFacts:
    """The byte size and SHA-256 of a file's content."""
    return FileFacts(name, len(data), hashlib.sha256(data).hexdigest())


class _Triples:
    def __init__(self) -> None:
        self.triples: list[Triple] = []

    def add(self, s: str, p: str, o: NamedNode | Literal | str) -> None:
        self.triples.append(Triple(NamedNode(s), NamedNode(p), NamedNode(o) if isinstance(o, str) else o))

    def text(self, s: str, p: str, value: str, lang: str | None = None, datatype: str | None = None) -> None:
        if lang is not None:
            self.add(s, p, Literal(value, language=lang))
        else:
            self.add(s, p, Literal(value, datatype=NamedNode(datatype or XSD.string)))


def graph_figures(triples: Iterable[Triple]) -> dict[str, object]:
    """Counts for VoID and the release notes: triples, subjects, objects, per class and per property."""
    total = 0
    subjects: set[object] = set()  # the terms themselves: equal as their N-Triples are, and no text to make
    objects: set[object] = set()
    per_property: Counter[str] = Counter()
    per_class: dict[str, set[object]] = {}
    links = 0
    for triple in triples:
        total += 1
        subject = triple.subject
        subjects.add(subject)
        objects.add(triple.object)
        per_property[triple.predicate.value] += 1
        if triple.predicate.value == RDF.type and isinstance(triple.object, NamedNode):
            per_class.setdefault(triple.object.value, set()).add(subject)
        if triple.predicate.value == OWL.sameAs:
            links += 1
    return {
        "triples": total,
        "subjects": len(subjects),
        "objects": len(objects),
        "properties": dict(sorted(per_property.items())),
        "classes": {cls: len(nodes) for cls, nodes in sorted(per_class.items())},
        "wikidata_links": links,
    }


def _slug(iri: str) -> str:
    parts = split(iri)
    if parts:
        return "-".join(parts)
    return hashlib.sha256(iri.encode()).hexdigest()[:16]


def describe(release: Release, files: list[FileFacts], figures: dict[str, object]) -> list[Triple]:
    """The DCAT and VoID triples of a release, sorted."""
    t = _Triples()
    ds = release.dataset
    a = RDF.type
    t.add(ds, a, DCAT.Dataset)
    t.add(ds, a, VOID.Dataset)
    for lang, title in TITLE.items():
        t.text(ds, DCTERMS.title, title, lang)
    for lang, text in DESCRIPTION.items():
        t.text(ds, DCTERMS.description, text, lang)
    for lang, words in KEYWORDS.items():
        for word in words:
            t.text(ds, DCAT.keyword, word, lang)
    t.text(ds, DCTERMS.identifier, ds)
    t.text(ds, DCAT.version, release.version)
    if release.notes:
        t.text(ds, ADMS.versionNotes, release.notes, "en")
    t.text(ds, DCTERMS.issued, release.issued, datatype=XSD.date)
    t.text(ds, DCTERMS.modified, release.modified, datatype=XSD.date)
    t.add(ds, DCTERMS.accrualPeriodicity, EU + "frequency/IRREG")
    t.add(ds, DCTERMS.license, release.licence)
    t.add(ds, DCTERMS.conformsTo, CLX.iri.rstrip("#"))
    t.add(ds, DCAT.landingPage, release.base)
    t.add(ds, FOAF.page, release.download_url + "ontology.html")
    t.add(ds, FOAF.page, release.download_url + "RELEASE-NOTES.md")
    t.add(ds, DCTERMS.spatial, EARTH)
    t.add(EARTH, a, DCTERMS.Location)

    publisher = release.publisher_iri or release.base.rstrip("/").rsplit("/", 1)[0] + "/"
    t.add(ds, DCTERMS.publisher, publisher)
    t.add(publisher, a, FOAF.Agent)
    t.text(publisher, FOAF.name, release.publisher_name, "en")
    t.add(publisher, DCTERMS.type, "http://purl.org/adms/publishertype/NonProfitOrganisation")

    contact = ds + "/contact"
    t.add(ds, DCAT.contactPoint, contact)
    t.add(contact, a, VCARD.Organization)
    t.text(contact, VCARD.fn, release.publisher_name)
    t.add(contact, VCARD.hasURL, release.contact_url or publisher)

    t.add(EU + "data-theme", a, SKOS.ConceptScheme)
    t.text(EU + "data-theme", DCTERMS.title, "Data theme", "en")
    for code, label in THEMES.items():
        theme = EU + "data-theme/" + code
        t.add(ds, DCAT.theme, theme)
        t.add(theme, a, SKOS.Concept)
        t.text(theme, SKOS.prefLabel, label, "en")
        t.add(theme, SKOS.inScheme, EU + "data-theme")
    table = mapping()["expression"]["languages"]
    for code in sorted({table[lang] for lang in release.languages if lang in table}):
        t.add(ds, DCTERMS.language, EU + "language/" + code)
        t.add(EU + "language/" + code, a, DCTERMS.LinguisticSystem)
    if release.period is not None:
        period = ds + "/period"
        t.add(ds, DCTERMS.temporal, period)
        t.add(period, a, DCTERMS.PeriodOfTime)
        t.text(period, DCAT.startDate, release.period[0], datatype=XSD.date)
        t.text(period, DCAT.endDate, release.period[1], datatype=XSD.date)

    for facts in files:
        kind = FILES[facts.name]
        dist = f"{ds}/distribution/{facts.name}"
        url = release.download_url + facts.name
        t.add(ds, DCAT.distribution, dist)
        t.add(dist, a, DCAT.Distribution)
        t.text(dist, DCTERMS.title, kind.title, "en")
        t.add(dist, DCAT.accessURL, url)
        t.add(dist, DCAT.downloadURL, url)
        t.add(dist, DCAT.mediaType, IANA + kind.media_type)
        t.add(IANA + kind.media_type, a, DCTERMS.MediaType)
        t.add(dist, DCTERMS.format, EU + "file-type/" + kind.file_type)
        t.add(EU + "file-type/" + kind.file_type, a, DCTERMS.MediaTypeOrExtent)
        t.text(dist, DCAT.byteSize, str(facts.size), datatype=XSD.decimal)
        t.add(dist, DCTERMS.license, release.licence)
        t.text(dist, DCTERMS.issued, release.modified, datatype=XSD.date)
        checksum = dist + "/checksum"
        t.add(dist, SPDX.checksum, checksum)
        t.add(checksum, a, SPDX.Checksum)
        t.add(checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256)
        t.text(checksum, SPDX.checksumValue, facts.sha256, datatype=XSD.hexBinary)
        if facts.name in DUMPS:
            t.add(ds, VOID.dataDump, url)
            if kind.feature:
                t.add(ds, VOID.feature, kind.feature)
    t.add(release.licence, a, DCTERMS.LicenseDocument)

    if release.endpoint:
        service = ds + "/sparql"
        t.add(service, a, DCAT.DataService)
        t.text(service, DCTERMS.title, "SPARQL endpoint of cyberlex", "en")
        t.add(service, DCAT.endpointURL, release.endpoint)
        t.add(service, DCAT.servesDataset, ds)
        t.add(service, DCTERMS.conformsTo, "https://www.w3.org/TR/sparql11-protocol/")
        t.add(service, DCTERMS.license, release.licence)
        dist = ds + "/distribution/sparql"
        t.add(ds, DCAT.distribution, dist)
        t.add(dist, a, DCAT.Distribution)
        t.text(dist, DCTERMS.title, "SPARQL endpoint", "en")
        t.add(dist, DCAT.accessURL, release.endpoint)
        t.add(dist, DCAT.accessService, service)
        t.add(dist, DCTERMS.license, release.licence)
        t.add(ds, VOID.sparqlEndpoint, release.endpoint)

    # VoID: the figures of the graph
    integer = XSD.integer
    t.text(ds, VOID.triples, str(figures["triples"]), datatype=integer)
    t.text(ds, VOID.distinctSubjects, str(figures["subjects"]), datatype=integer)
    t.text(ds, VOID.distinctObjects, str(figures["objects"]), datatype=integer)
    properties: dict[str, int] = figures["properties"]  # type: ignore[assignment]
    classes: dict[str, int] = figures["classes"]  # type: ignore[assignment]
    t.text(ds, VOID.properties, str(len(properties)), datatype=integer)
    t.text(ds, VOID.classes, str(len(classes)), datatype=integer)
    t.text(ds, VOID.uriSpace, release.base)
    for namespace in sorted({ns.iri for ns in (CLX, DCTERMS, ELI, OA, OWL, PROV, RDF, SKOS)}):
        t.add(ds, VOID.vocabulary, namespace)
    for cls, number in classes.items():
        part = f"{ds}/class/{_slug(cls)}"
        t.add(ds, VOID.classPartition, part)
        t.add(part, VOID["class"], cls)
        t.text(part, VOID.entities, str(number), datatype=integer)
    for prop, number in properties.items():
        part = f"{ds}/property/{_slug(prop)}"
        t.add(ds, VOID.propertyPartition, part)
        t.add(part, VOID.property, prop)
        t.text(part, VOID.triples, str(number), datatype=integer)
    if figures["wikidata_links"]:
        linkset = ds + "/linkset/wikidata"
        t.add(ds, VOID.subset, linkset)
        t.add(linkset, a, VOID.Linkset)
        t.add(linkset, VOID.linkPredicate, OWL.sameAs)
        t.add(linkset, VOID.subjectsTarget, ds)
        t.add(linkset, VOID.objectsTarget, "http://www.wikidata.org/")
        t.text(linkset, VOID.triples, str(figures["wikidata_links"]), datatype=integer)
    return sorted(set(t.triples), key=str)


def to_turtle(triples: list[Triple]) -> bytes:
    """The description as Turtle, with a first line saying it is generated."""
    body = serialize(triples, format=RdfFormat.TURTLE, prefixes=DESCRIPTION_PREFIXES)
    assert body is not None
    return b"# Generated by `cyberlex release`: DCAT-AP 3.0.0 and VoID description of this release.\n" + body

