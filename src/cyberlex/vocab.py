"""The vocabulary: prefixes, the default base IRI, the terms of the cyberlex ontology, its instrument
and body classes, and the one way an IRI is written as a prefixed name.

Terms are plain IRI strings, which every caller can use: pyoxigraph code wraps them in ``NamedNode``,
rdflib code in ``URIRef``, and the release's page and notes code compares them as they are. The
namespace of the ontology is closed: ``CLX.hasClause`` is an IRI because ``ontology/cyberlex.ttl``
defines ``clx:hasClause``, and a term it does not define raises at once (the habit of rdflib's
``DefinedNamespace``), instead of a misspelt IRI quietly matching nothing. It is read with pyoxigraph,
not rdflib, so that importing the vocabulary does not import rdflib (a quarter of a second that
``cyberlex build`` and ``cyberlex query`` do not otherwise pay).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from functools import cache, lru_cache

from pyoxigraph import NamedNode, RdfFormat, parse

from cyberlex.resources import data_path

DEFAULT_BASE = "https://w3id.org/cyberlex/id/"


@cache
def prefixes() -> dict[str, str]:
    """The prefixes declared once in mappings/prefixes.toml (the data's `id:` among them)."""
    with (data_path("mappings") / "prefixes.toml").open("rb") as handle:
        return dict(tomllib.load(handle))


@cache
def vocabulary_prefixes() -> dict[str, str]:
    """The declared prefixes of vocabularies: all but `id:`, whose namespace is the default base and
    not necessarily the data's (so Turtle files and pages do not abbreviate the data's IRIs with it)."""
    return {prefix: namespace for prefix, namespace in prefixes().items() if prefix != "id"}


class Namespace:
    """The IRIs of one vocabulary, by local name: ``NS.term`` or ``NS["term"]``.

    Open when ``terms`` is None (any local name gives an IRI, as for the external vocabularies,
    whose terms cyberlex does not keep a list of); closed otherwise, and then a name that is not a
    term raises AttributeError (KeyError for ``NS["term"]``) saying where the terms are defined."""

    def __init__(self, prefix: str, iri: str | None = None, terms: Callable[[], frozenset[str]] | None = None,
                 defined_in: str = "") -> None:
        self._prefix = prefix
        self._iri = iri  # None: the IRI declared for the prefix in mappings/prefixes.toml
        self._terms = terms
        self._defined_in = defined_in

    @property
    def prefix(self) -> str:
        """The prefix of the namespace."""
        return self._prefix

    @property
    def iri(self) -> str:
        """The namespace IRI."""
        return prefixes()[self._prefix] if self._iri is None else self._iri

    @property
    def terms(self) -> frozenset[str] | None:
        """The local names of a closed namespace; None for an open one."""
        return None if self._terms is None else self._terms()

    def _undefined(self, name: str) -> str | None:
        terms = self.terms
        if terms is None or name in terms:
            return None
        return f"{self._prefix}:{name} is not a term of {self._defined_in or self.iri}"

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):  # copy, pickle and the like look for dunder methods
            raise AttributeError(name)
        problem = self._undefined(name)
        if problem:
            raise AttributeError(problem)
        iri = self.__dict__[name] = self.iri + name  # kept, so the next NS.term is a plain attribute
        return iri

    def __getitem__(self, name: str) -> str:
        problem = self._undefined(name)
        if problem:
            raise KeyError(problem)
        return self.iri + name

    def __contains__(self, iri: object) -> bool:
        """Whether an IRI is in this namespace (a term of it, if closed)."""
        if not isinstance(iri, str) or not iri.startswith(self.iri):
            return False
        return self._undefined(iri[len(self.iri):]) is None

    def __repr__(self) -> str:
        return f"Namespace({self._prefix!r}: {self.iri!r})"


ONTOLOGY_FILE = "cyberlex.ttl"


@cache
def _ontology() -> tuple[tuple[str, str, str], ...]:
    """The ontology's triples between IRIs, as (subject, predicate, object) strings."""
    path = data_path("ontology") / ONTOLOGY_FILE
    with path.open("rb") as handle:
        return tuple((t.subject.value, t.predicate.value, t.object.value)
                     for t in parse(handle, format=RdfFormat.TURTLE)
                     if isinstance(t.subject, NamedNode) and isinstance(t.object, NamedNode))


@cache
def ontology_terms() -> frozenset[str]:
    """The local names of the terms the ontology defines: the clx: IRIs it gives a type."""
    clx, rdf_type = prefixes()["clx"], RDF.type
    return frozenset(s[len(clx):] for s, p, _ in _ontology() if p == rdf_type and s.startswith(clx) and s != clx)


CLX = Namespace("clx", terms=ontology_terms, defined_in=f"ontology/{ONTOLOGY_FILE}")
# The external vocabularies whose terms the code writes, open: cyberlex uses a handful of their terms and
# keeps no list of them (the mapping's CURIEs, mappings/rdf.toml, go through `expand`).
# (rdflib's closed namespaces of the same vocabularies serve the modules that work with rdflib.)
RDF = Namespace("rdf")
RDFS = Namespace("rdfs")
OWL = Namespace("owl")
XSD = Namespace("xsd")
SKOS = Namespace("skos")
DCTERMS = Namespace("dcterms")
ELI = Namespace("eli")
OA = Namespace("oa")
PROV = Namespace("prov")
# The shapes' own names (shapes/*.ttl), which validation reports show.
CLXSH = Namespace("clxsh", "https://w3id.org/cyberlex/shapes#")

# Vocabularies of the release's dataset description (cyberlex.release.describe) only, not of the data: its
# Turtle and pages write them as prefixed names too.
DESCRIPTION_VOCABULARIES = {"adms": "http://www.w3.org/ns/adms#", "dcat": "http://www.w3.org/ns/dcat#",
                            "foaf": "http://xmlns.com/foaf/0.1/", "spdx": "http://spdx.org/rdf/terms#",
                            "vcard": "http://www.w3.org/2006/vcard/ns#", "void": "http://rdfs.org/ns/void#"}
ADMS, DCAT, FOAF, SPDX, VCARD, VOID = (Namespace(prefix, iri) for prefix, iri in DESCRIPTION_VOCABULARIES.items())


def expand(curie: str) -> str:
    """A CURIE over the declared prefixes as an IRI; a clx: term the ontology does not define raises
    KeyError (so a misspelt term in mappings/rdf.toml fails the build instead of writing a new IRI)."""
    prefix, _, local = curie.partition(":")
    return CLX[local] if prefix == "clx" else prefixes()[prefix] + local


def _subclasses(root: str) -> frozenset[str]:
    """``root`` and every class the ontology makes a subclass of it, directly or through others."""
    below: dict[str, set[str]] = {}
    for s, p, o in _ontology():
        if p == RDFS.subClassOf:
            below.setdefault(o, set()).add(s)
    found, todo = {root}, [root]
    while todo:
        for sub in below.get(todo.pop(), ()):
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return frozenset(found)


@cache
def instrument_classes() -> frozenset[str]:
    """The IRIs of clx:Instrument and its subclasses, as the ontology's rdfs:subClassOf says."""
    return _subclasses(CLX.Instrument)


@cache
def body_classes() -> frozenset[str]:
    """The IRIs of clx:Body and its subclasses (clx:State), as the ontology's rdfs:subClassOf says."""
    return _subclasses(CLX.Body)


_UNWRITABLE = re.compile(r"[\s<>\"{}|^`\\]")


def writable(local: str) -> bool:
    """Whether a CURIE can carry a local name as written: not empty, no space nor character that
    Turtle and SPARQL refuse in an IRI (so ``<…/terms/>`` stays an IRI in a query's results)."""
    return bool(local) and not _UNWRITABLE.search(local)


@lru_cache(maxsize=32)
def _longest_first(namespaces: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(namespaces, key=lambda item: -len(item[1])))  # stable: of two as long, the first


def split(iri: str, namespaces: Mapping[str, str] | None = None,
          accept: Callable[[str], bool] | None = None) -> tuple[str, str] | None:
    """The prefix and local name of an IRI under the longest of ``namespaces`` (default: the declared
    prefixes) it starts with and whose local name ``accept`` accepts (default: any); None if none.
    Of two namespaces as long, the one given first."""
    names = prefixes() if namespaces is None else namespaces
    for prefix, namespace in _longest_first(tuple(names.items())):
        if iri.startswith(namespace) and (accept is None or accept(iri[len(namespace):])):
            return prefix, iri[len(namespace):]
    return None


def compact(iri: str, namespaces: Mapping[str, str] | None = None, accept: Callable[[str], bool] | None = None,
            unknown: Callable[[str], str] = lambda iri: f"<{iri}>") -> str:
    """An IRI as a prefixed name ``prefix:local`` (see `split`); an IRI of no namespace as ``unknown``
    writes it (by default ``<iri>``)."""
    parts = split(iri, namespaces, accept)
    return f"{parts[0]}:{parts[1]}" if parts else unknown(iri)
