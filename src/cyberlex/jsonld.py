"""JSON-LD for the release and the linked-data pages: compact, deterministic, no remote context.

The context maps the declared prefixes (mappings/prefixes.toml, with ``id`` set to the base IRI of
the data) and nothing else, so every key is a compact IRI (``clx:cites``, ``dcterms:title``) and a
JSON-LD 1.1 processor expands it without guessing. The document carries its context inline, so it
parses offline; the same context is published beside it as ``context.jsonld`` for applications that
want to compact their own JSON-LD the way cyberlex does. Node objects are sorted by ``@id``, their
keys and values in N-Triples order, so the same triples always give the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from cyberlex.vocab import RDF, XSD, compact, prefixes

RDF_TYPE = RDF.type
XSD_STRING = XSD.string
RDF_LANG_STRING = RDF.langString


def context(base: str | None = None, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The prefixes as a JSON-LD context (``id`` is the base IRI of the data), sorted by prefix."""
    mapping = {**prefixes(), **(extra or {})}
    if base is not None:
        mapping["id"] = base
    return dict(sorted(mapping.items()))


class _Compactor:
    def __init__(self, ctx: dict[str, str]) -> None:
        self.namespaces = ctx
        self._compacted: dict[str, str] = {}  # an IRI compacts the same way every time: once
        # an IRI as a value, written (see written_value): once, as the pages of a site name the same nodes again
        self._written_iris: dict[str, Written] = {}
        self._written_types: dict[str, Written] = {}
        # the document's first lines up to its graph: the same for every document of this context
        head = ['{\n "@context": ']
        _indented(ctx, "\n ", head)
        head.append(',\n "@graph": ')
        self.head = "".join(head)

    def iri(self, iri: str) -> str:
        found = self._compacted.get(iri)
        if found is None:
            # the longest namespace, so that id: (…/cyberlex/id/) wins over a shorter one it extends; a
            # suffix starting with // would make the compact IRI read as an absolute one
            found = compact(iri, self.namespaces, accept=lambda local: not local.startswith("//"), unknown=str)
            self._compacted[iri] = found
        return found

    def node(self, term: NamedNode | BlankNode) -> str:
        return f"_:{term.value}" if isinstance(term, BlankNode) else self.iri(term.value)

    def value(self, term: object) -> Any:
        if isinstance(term, Literal):
            datatype = term.datatype.value
            if term.language:
                return {"@value": term.value, "@language": term.language}
            if datatype == XSD_STRING:
                return term.value
            return {"@value": term.value, "@type": self.iri(datatype)}
        assert isinstance(term, NamedNode | BlankNode)
        return {"@id": self.node(term)}

    def written_value(self, term: object) -> Written:
        """A value (the object of a triple) as to_bytes writes it; an IRI's kept."""
        if isinstance(term, NamedNode):
            iri = term.value
            found = self._written_iris.get(iri)
            if found is None:
                found = self._written_iris[iri] = _written({"@id": self.iri(iri)})
            return found
        if isinstance(term, Literal) and not term.language and term.datatype.value == XSD_STRING:
            return term.value, _STRING(term.value)  # most literals: a string
        return _written(self.value(term))

    def written_type(self, iri: str) -> Written:
        """A class (the object of rdf:type) as to_bytes writes it, kept."""
        found = self._written_types.get(iri)
        if found is None:
            compacted = self.iri(iri)
            found = self._written_types[iri] = (compacted, _STRING(compacted))
        return found


# A value as to_bytes writes it: (the value as document() has it, written as a node's only value of a key). As an
# item of a node's list of values it is written one space further in on every line (see _listed).
Written = tuple[Any, str]


def _written(value: dict[str, str]) -> Written:
    """A value object ({"@id": …}, {"@value": …, "@language": …}, {"@value": …, "@type": …}) as _indented writes it
    as a node's only value of a key."""
    members = ",\n    ".join(_STRING(key) + ": " + _STRING(item) for key, item in value.items())
    return value, "{\n    " + members + "\n   }"


def _listed(written: Written) -> str:
    """A value as _indented writes it as an item of a node's list: every line one space further in (the JSON of
    a string holds no line break: it is escaped)."""
    return written[1].replace("\n", "\n ")


def document(triples: Iterable[Triple], base: str | None = None, extra: dict[str, str] | None = None) -> dict[str, Any]:
    """Triples as one JSON-LD document: the context inline and a ``@graph`` of node objects."""
    ctx = context(base, extra)
    compactor = _compactor(tuple(ctx.items()))
    nodes: dict[str, dict[str, list[Any]]] = {}
    for triple in triples:
        subject = compactor.node(triple.subject)  # type: ignore[arg-type]
        node = nodes.setdefault(subject, {})
        if triple.predicate.value == RDF_TYPE and isinstance(triple.object, NamedNode):
            node.setdefault("@type", []).append(compactor.iri(triple.object.value))
        else:
            node.setdefault(compactor.iri(triple.predicate.value), []).append(compactor.value(triple.object))
    graph = []
    for subject in sorted(nodes):
        properties = nodes[subject]
        entry: dict[str, Any] = {"@id": subject}
        for key in sorted(properties, key=lambda k: (k != "@type", k)):
            values = properties[key]
            if len(values) > 1:  # most have one value: no key to compute
                values.sort(key=_sort_key)
            entry[key] = values[0] if len(values) == 1 else values
        graph.append(entry)
    return {"@context": ctx, "@graph": graph}


@lru_cache(maxsize=8)
def _compactor(ctx: tuple[tuple[str, str], ...]) -> _Compactor:
    """The compactor of a context, kept: the pages of a site share one, and with it what it compacted."""
    return _Compactor(dict(ctx))


def _sort_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def dumps(doc: dict[str, Any]) -> bytes:
    """A JSON-LD document as UTF-8 bytes, one key per line, the same bytes for the same document: those
    of ``json.dumps(doc, ensure_ascii=False, indent=1)``, written faster (with an indent, the standard
    library encodes in Python, not in C; here each string and number is encoded in C)."""
    parts: list[str] = []
    _indented(doc, "\n", parts)
    parts.append("\n")
    return "".join(parts).encode("utf-8")


_ENCODE = json.JSONEncoder(ensure_ascii=False).encode
_STRING = json.encoder.encode_basestring  # a str as ensure_ascii=False encodes it (in C)


def _indented(value: Any, newline: str, parts: list[str]) -> None:
    """``value`` as json.dumps(indent=1) writes it, at the indent that ``newline`` ends with, into parts."""
    kind = type(value)
    if kind is str:
        parts.append(_STRING(value))
    elif kind is dict and value:
        inner = newline + " "
        separator = inner
        parts.append("{")
        for key, item in value.items():
            if type(item) is str:  # most values: one part
                parts.append(separator + _STRING(key) + ": " + _STRING(item))
            else:
                parts.append(separator + _STRING(key) + ": ")
                _indented(item, inner, parts)
            separator = "," + inner
        parts.append(newline + "}")
    elif kind is list and value:
        inner = newline + " "
        separator = inner
        parts.append("[")
        for item in value:
            parts.append(separator)
            _indented(item, inner, parts)
            separator = "," + inner
        parts.append(newline + "]")
    else:
        parts.append(_ENCODE(value))


def to_bytes(triples: Iterable[Triple], base: str | None = None, extra: dict[str, str] | None = None) -> bytes:
    """Triples as JSON-LD bytes: those of ``dumps(document(triples, base, extra))``, written without making
    the document first (each page of a site writes one: a value is written once, an IRI's once for all)."""
    compactor = _compactor(tuple(context(base, extra).items()))
    nodes: dict[str, dict[str, list[Written]]] = {}
    for triple in triples:
        subject = compactor.node(triple.subject)  # type: ignore[arg-type]
        node = nodes.get(subject)
        if node is None:
            node = nodes[subject] = {}
        predicate, term = triple.predicate.value, triple.object
        if predicate == RDF_TYPE and isinstance(term, NamedNode):
            key, value = "@type", compactor.written_type(term.value)
        else:
            key, value = compactor.iri(predicate), compactor.written_value(term)
        values = node.get(key)
        if values is None:
            node[key] = [value]
        else:
            values.append(value)
    parts = [compactor.head]
    separator = "[\n  "
    for subject in sorted(nodes):
        properties = nodes[subject]
        parts.append(separator + '{\n   "@id": ' + _STRING(subject))
        for key in sorted(properties, key=lambda k: (k != "@type", k)):
            values = properties[key]
            if len(values) == 1:
                parts.append(",\n   " + _STRING(key) + ": " + values[0][1])
            else:
                values.sort(key=lambda written: _sort_key(written[0]))
                parts.append(",\n   " + _STRING(key) + ": [\n    " + ",\n    ".join(map(_listed, values)) + "\n   ]")
        parts.append("\n  }")
        separator = ",\n  "
    parts.append("\n ]\n}\n" if nodes else "[]\n}\n")
    return "".join(parts).encode("utf-8")


def context_bytes(base: str | None = None, extra: dict[str, str] | None = None) -> bytes:
    """The published context file: ``{"@context": {...}}``."""
    return dumps({"@context": context(base, extra)})


def remote_contexts(data: bytes) -> list[str]:
    """The contexts a JSON-LD document would have fetched from the network (an "@context" that is, or
    lists, an IRI with a scheme other than file:); [] for a document that is not JSON."""
    try:
        document = json.loads(data)
    except ValueError:
        return []
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "@context":
                    for context in item if isinstance(item, list) else [item]:
                        if isinstance(context, str) and "://" in context and not context.startswith("file:"):
                            found.append(context)
                        else:
                            walk(context)
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(document)
    return found
