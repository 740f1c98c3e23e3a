"""The vocabulary module: its namespace of the ontology matches ontology/cyberlex.ttl and refuses
other terms, its class lists are the ontology's, its compactor behaves as each caller needs, and src/
builds no ontology IRI by joining strings."""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS

from cyberlex import vocab
from cyberlex.resources import data_path
from cyberlex.vocab import CLX, compact, expand, prefixes, split, writable

SRC = Path(vocab.__file__).parent


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(data_path("ontology") / "cyberlex.ttl", format="turtle")


def _clx_typed(graph: Graph) -> set[str]:
    ns = prefixes()["clx"]
    return {str(s)[len(ns):] for s in graph.subjects(RDF.type, None) if str(s).startswith(ns) and str(s) != ns}


# (a) the namespace's terms are the ontology's


def test_namespace_terms_are_the_ontologys_defined_terms(ontology: Graph) -> None:
    defined = _clx_typed(ontology)
    assert len(defined) > 40  # classes and properties, not an empty read
    assert CLX.terms == defined
    for name in defined:
        assert getattr(CLX, name) == CLX[name] == prefixes()["clx"] + name
        assert CLX[name] in CLX


def test_every_clx_iri_the_ontology_mentions_is_defined(ontology: Graph) -> None:
    ns = prefixes()["clx"]
    mentioned = {str(t)[len(ns):] for triple in ontology for t in triple
                 if isinstance(t, URIRef) and str(t).startswith(ns) and str(t) != ns}
    assert mentioned <= CLX.terms


def test_every_clx_curie_of_the_mapping_is_a_term() -> None:
    def strings(value: object) -> Iterator[str]:
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for item in value.values():
                yield from strings(item)
        elif isinstance(value, list):
            for item in value:
                yield from strings(item)

    with (data_path("mappings") / "rdf.toml").open("rb") as handle:
        table = tomllib.load(handle)
    curies = [s for s in strings(table) if s.startswith("clx:") and len(s) > len("clx:")]
    assert curies
    for curie in curies:
        assert expand(curie) == CLX[curie.removeprefix("clx:")]


# (b) a term the ontology does not define raises


@pytest.mark.parametrize("name", ["hasclause", "Resolutoin", "cite", "frbrWorks"])
def test_an_unknown_term_raises(name: str) -> None:
    with pytest.raises(AttributeError, match=rf"clx:{name} is not a term of ontology/cyberlex\.ttl"):
        getattr(CLX, name)
    with pytest.raises(KeyError, match=rf"clx:{name}"):
        CLX[name]
    with pytest.raises(KeyError, match=rf"clx:{name}"):
        expand(f"clx:{name}")
    assert prefixes()["clx"] + name not in CLX


def test_external_namespaces_are_open_and_read_from_the_prefixes() -> None:
    assert vocab.SKOS.prefLabel == prefixes()["skos"] + "prefLabel"
    assert vocab.DCTERMS.iri == prefixes()["dcterms"]
    assert vocab.VOID["class"] == "http://rdfs.org/ns/void#class"
    assert vocab.SKOS.terms is None


# (c) no ontology IRI is joined from strings in src/


def _namespace_names() -> set[str]:
    return {name for name, value in vars(vocab).items() if isinstance(value, vocab.Namespace)}


def _is_namespace_string(node: ast.AST, names: set[str], aliases: frozenset[str] = frozenset()) -> bool:
    """`prefixes()["…"]`, `NS.iri`, a literal holding a namespace IRI of an ontology, or a name
    assigned one of these."""
    if isinstance(node, ast.Name) and node.id in aliases:
        return True
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Call) \
            and isinstance(node.value.func, ast.Name) and node.value.func.id == "prefixes":
        return True
    if isinstance(node, ast.Attribute) and node.attr == "iri" and isinstance(node.value, ast.Name) \
            and node.value.id in names:
        return True
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and _holds_namespace(node.value)


def _ontology_namespaces() -> list[str]:
    return [CLX.iri, vocab.CLXSH.iri]


def _holds_namespace(text: str) -> bool:
    return any(ns in text and not text.endswith(ns) for ns in _ontology_namespaces())


def joined_iris(source: str) -> list[tuple[int, str]]:
    """Places where a module writes an IRI of an ontology namespace by joining strings: `+` or an
    f-string with a namespace string, a literal IRI of a term, or `prefixes()["…"]` read directly."""
    tree = ast.parse(source)
    names = _namespace_names()
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    aliases = frozenset(target.id for node in ast.walk(tree) if isinstance(node, ast.Assign)
                        and _is_namespace_string(node.value, names)
                        for target in node.targets if isinstance(target, ast.Name))
    return [(node.lineno, ast.unparse(node) if not isinstance(node, ast.Constant) else node.value)
            for node in ast.walk(tree) if id(node) not in docstrings and _joins(node, names, aliases)]


def _joins(node: ast.AST, names: set[str], aliases: frozenset[str]) -> bool:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _is_namespace_string(node.left, names, aliases) or _is_namespace_string(node.right, names, aliases)
    if isinstance(node, ast.JoinedStr):
        return len(node.values) > 1 and any(isinstance(part, ast.FormattedValue)
                                            and _is_namespace_string(part.value, names, aliases)
                                            for part in node.values)
    if isinstance(node, ast.Subscript):
        return _is_namespace_string(node, names)
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and _holds_namespace(node.value)


@pytest.mark.parametrize("code", [
    'CLX = prefixes()["clx"]\nx = CLX + "hasClause"',
    'x = NamedNode(prefixes()["clx"] + "cites")',
    'x = f"<{CLX.iri}{c}>"',
    'x = CLX.iri + "Resolution"',
    'x = "https://w3id.org/cyberlex/ontology#hasClause"',
    'x = RDF.iri + "type"',
    'clx = CLX.iri\ndef f(c):\n    return {f"<{clx}{c}>"}',
])
def test_the_scan_finds_joined_iris(code: str) -> None:
    assert joined_iris(code)


@pytest.mark.parametrize("code", [
    "x = CLX.hasClause",
    'x = CLX["frbrWork"]',
    "ok = str(node).startswith(CLX.iri)",
    'x = f"<{CLX.cites}>"',
    'x = CLX.iri.rstrip("#")',
    '"""A docstring may name https://w3id.org/cyberlex/ontology#Instrument."""',
])
def test_the_scan_lets_namespace_terms_pass(code: str) -> None:
    assert joined_iris(code) == []


def test_src_joins_no_ontology_iri() -> None:
    found = {f"{path.relative_to(SRC)}:{line}: {text}"
             for path in sorted(SRC.rglob("*.py")) if path.name != "vocab.py"
             for line, text in joined_iris(path.read_text(encoding="utf-8"))}
    assert not found, "build IRIs with cyberlex.vocab (CLX.term, NS.term):\n" + "\n".join(sorted(found))


def test_only_vocab_reads_the_prefix_file_and_map_is_imported_for_mapping() -> None:
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "cyberlex.map":
                taken = {alias.name for alias in node.names}
                assert not taken & {"prefixes", "DEFAULT_BASE"}, f"{path.name} imports {taken} from map.py"
        if path.name != "vocab.py":
            assert "prefixes.toml\"" not in path.read_text(encoding="utf-8"), path.name


# (d) the class lists are the ontology's


def _below(graph: Graph, root: str) -> set[str]:
    return {str(c) for c in graph.transitive_subjects(RDFS.subClassOf, URIRef(root))}


def test_instrument_classes_are_the_ontologys(ontology: Graph) -> None:
    expected = _below(ontology, CLX.Instrument)
    assert vocab.instrument_classes() == expected
    assert {CLX.Instrument, CLX.Resolution, CLX.Convention, CLX.PresidentialStatement} <= expected
    assert CLX.Body not in expected and CLX.OperativeClause not in expected


def test_body_classes_are_the_ontologys(ontology: Graph) -> None:
    assert vocab.body_classes() == _below(ontology, CLX.Body) == {CLX.Body, CLX.State}


# the compactor


def test_compact_takes_the_longest_namespace() -> None:
    assert compact(prefixes()["id"] + "A-RES-73-187") == "id:A-RES-73-187"
    assert compact(CLX.hasClause) == "clx:hasClause"
    assert compact("https://example.org/x") == "<https://example.org/x>"
    assert compact("https://example.org/x", unknown=str) == "https://example.org/x"
    assert split("https://example.org/x") is None


def test_compact_with_a_condition_on_the_local_name() -> None:
    names = {"a": "https://example.org/", "ab": "https://example.org/b/"}
    assert compact("https://example.org/b/c d", names) == "ab:c d"
    assert compact("https://example.org/b/c d", names, accept=writable) == "<https://example.org/b/c d>"
    assert compact("https://example.org/b/", names, accept=writable) == "a:b/"
    assert compact("https://example.org/b///x", names, accept=lambda local: not local.startswith("//")) \
        == "a:b///x"


def test_the_classes_entities_are_given_are_the_ontologys() -> None:
    from cyberlex.knowledge import gazetteer
    from cyberlex.resolve import SYMBOL_CLASSES

    given = {entry.cls for entry in gazetteer().values()} | {name for _, name in SYMBOL_CLASSES} | {"Document"}
    assert given <= CLX.terms
    assert {CLX[name] for name in given} & vocab.instrument_classes()
