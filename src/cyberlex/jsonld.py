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
    """Triples as JSON-LD bytes (see :func:`document`)."""
    return dumps(document(triples, base, extra))


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
