"""Many languages, one graph: phrase tables as data, language versions as one work."""

from __future__ import annotations

import importlib
import shutil
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import NamedNode, Store

from cyberlex import knowledge, resolve
from cyberlex.build import build, build_store, collect_inputs
from cyberlex.resources import data_path
from cyberlex.vocab import prefixes

CASES = Path(__file__).parent / "cases"
CLX = prefixes()["clx"]
ELI = prefixes()["eli"]
ID = "https://w3id.org/cyberlex/id/"


def tables() -> dict[str, dict]:
    return {p.stem: tomllib.loads(p.read_text(encoding="utf-8"))
            for p in sorted((data_path("mappings") / "lang").glob("*.toml"))}


@pytest.mark.parametrize("code", sorted(tables()))
def test_every_table_has_the_keys_of_the_english_one(code: str) -> None:
    reference = tables()["en"]
    missing = sorted(set(reference) - set(tables()[code]))
    assert not missing, f"mappings/lang/{code}.toml lacks {missing} (see en.toml for what each key is)"
    assert tables()[code]["language"] == code


@pytest.mark.parametrize("code", sorted(tables()))
def test_month_names_cover_the_year(code: str) -> None:
    assert set(tables()[code]["months"].values()) == set(range(1, 13))


def test_language_versions_are_one_work(tmp_path: Path) -> None:
    """English, French and Spanish versions of one resolution: one work, three expressions, and the
    clause and body nodes are shared, not repeated per language."""
    result = build([CASES / "trilingual"], tmp_path, run_validation=True)
    assert result.failures == [] and result.violations == 0, result.report_text
    store: Store = result.store
    work = NamedNode(ID + "A-RES-88-7")
    expressions = {q.object for q in store.quads_for_pattern(work, NamedNode(ELI + "is_realized_by"), None, None)}
    assert expressions == {NamedNode(f"{ID}A-RES-88-7/expression/{lang}") for lang in ("en", "fr", "es")}
    clauses = {q.object for q in store.quads_for_pattern(work, NamedNode(CLX + "hasClause"), None, None)}
    assert clauses == {NamedNode(ID + "A-RES-88-7/pre/1"), NamedNode(ID + "A-RES-88-7/pre/2"),
                       NamedNode(ID + "A-RES-88-7/op/1"), NamedNode(ID + "A-RES-88-7/op/2")}
    texts = {q.object.language for q in store.quads_for_pattern(NamedNode(ID + "A-RES-88-7/op/1"),
                                                                  NamedNode(CLX + "text"), None, None)}
    assert texts == {"en", "fr", "es"}
    titles = {q.object.language for q in store.quads_for_pattern(work, NamedNode(prefixes()["dcterms"] + "title"),
                                                                   None, None)}
    assert titles == {"en", "fr", "es"}
    # the body named in three languages is one node
    mentioned = {q.object.value for q in store.quads_for_pattern(None, NamedNode(CLX + "mentions"), None, None)}
    assert ID + "body/unodc" in mentioned
    assert not [m for m in mentioned if m.startswith(ID + "body/") and "drug" in m.lower()]
    # the cited resolution is one node whatever the language of the citation
    cited = {q.object for q in store.quads_for_pattern(None, NamedNode(CLX + "cites"), None, None)}
    assert cited == {NamedNode(ID + "A-RES-74-247")}


ITALIAN = """Nazioni Unite

A/RES/88/9

Assemblea generale

Risoluzione adottata dall’Assemblea generale il 18 dicembre 2033

88/9. Cooperazione contro la criminalità informatica

L’Assemblea generale,

Ricordando la sua risoluzione 74/247 del 27 dicembre 2019,

Prendendo atto del lavoro dell’Ufficio delle Nazioni Unite contro la droga e il crimine,

1. Invita gli Stati membri a cooperare contro la criminalità informatica;

2. Chiede al Segretario generale di riferire sull’attuazione della presente risoluzione.

60ª seduta plenaria
18 dicembre 2033
"""


@pytest.fixture
def mappings_with_italian(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of mappings/ with one file added: mappings/lang/it.toml."""
    copy = tmp_path / "mappings"
    shutil.copytree(data_path("mappings"), copy)
    italian = tomllib.loads((copy / "lang" / "en.toml").read_text(encoding="utf-8"))
    del italian  # the English table documents the keys; the Italian one below sets each of them
    text = (copy / "lang" / "es.toml").read_text(encoding="utf-8")
    # Start from the Spanish table (a close language) and change what Italian writes differently.
    text = (text.replace('language = "es"', 'language = "it"').replace('name = "Spanish"', 'name = "Italian"')
            .replace("(?:La|El|Los|Las)\\s+", "(?:L[’\\x27]|La\\s+|Il\\s+)")
            .replace("[A-ZÁÉÍÓÚ][a-záéíóúñ]+(?:ando|endo|iendo)", "[A-Z][a-zàèéìòù]+(?:ando|endo)")
            .replace("(?:[Rr]esoluci(?:ón|ones))", "(?:[Rr]isoluzion[ei])")
            .replace("'(?:su|sus)'", "'(?:sua|sue|la sua|le sue)'")
            .replace("(?:,|(?<!\\s))\\s+de\\s+\\d{1,2}\\s+de\\s+[a-z]+\\s+de\\s+\\d{4}",
                     "(?<!\\s)\\s+del\\s+\\d{1,2}\\s+[a-z]+\\s+\\d{4}")
            .replace("(?P<day>\\d{1,2})\\s+de\\s+(?P<month>[a-z]+)\\s+de\\s+(?P<year>\\d{4})",
                     "(?P<day>\\d{1,2})\\s+(?P<month>[a-z]+)\\s+(?P<year>\\d{4})")
            .replace("[Aa]probadas?\\s+por\\s+(?:consenso\\s*+\\*?+\\s*+por\\s+)?(?:el|la)\\s+",
                     "[Aa]dottata\\s+dal(?:l[’\\x27]|\\s+)")
            .replace("(?:el|en su [^,\\n]+, celebrada el)\\s+(?P<date>\\d{1,2}\\s+de\\s+[a-z]+\\s+de\\s+\\d{4})",
                     "il\\s+(?P<date>\\d{1,2}\\s+[a-z]+\\s+\\d{4})"))
    months = ("gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre")
    head, _, _ = text.partition("[months]")
    month_table = "\n".join(f"{name} = {number}" for number, name in enumerate(months.split(), start=1))
    tail = text.partition("[paragraph_kinds]")[2]
    (copy / "lang" / "it.toml").write_text(f"{head}[months]\n{month_table}\n\n[paragraph_kinds]{tail}",
                                           encoding="utf-8")
    with (copy / "gazetteer" / "bodies.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[unga-it-test]\nclass = "Body"\nlabels.it = ["Assemblea generale"]\n')

    real = data_path

    def patched(name: str) -> Path:
        return copy if name == "mappings" else real(name)

    # the module, not the function cyberlex.read that the package exports under its name
    read = importlib.import_module("cyberlex.read")
    for module in (knowledge, read, resolve):
        monkeypatch.setattr(module, "data_path", patched, raising=False)
    caches = [knowledge.languages, knowledge.symbols, knowledge.gazetteer, knowledge._compile,
              knowledge._compile_all, read._detector, resolve._name_index, resolve.series,
              resolve._body_word_sets, importlib.import_module("cyberlex.segment")._openings]
    for cached in caches:
        cached.cache_clear()
    yield copy
    for cached in caches:
        cached.cache_clear()


def test_adding_a_language_is_adding_a_file(mappings_with_italian: Path, tmp_path: Path) -> None:
    source = tmp_path / "docs" / "risoluzione.it.txt"
    source.parent.mkdir()
    source.write_text(ITALIAN, encoding="utf-8")
    assert "it" in knowledge.languages()
    result = build_store(collect_inputs([source.parent]))
    assert result.failures == []
    store = result.store
    lang = {q.object.value for q in store.quads_for_pattern(None, NamedNode(prefixes()["dcterms"] + "language"),
                                                          None, None)}
    assert lang == {"it"}
    work = NamedNode(ID + "A-RES-88-9")
    clauses = {q.object.value for q in store.quads_for_pattern(work, NamedNode(CLX + "hasClause"), None, None)}
    assert clauses == {ID + "A-RES-88-9/pre/1", ID + "A-RES-88-9/pre/2", ID + "A-RES-88-9/op/1",
                       ID + "A-RES-88-9/op/2"}
    cited = {q.object.value for q in store.quads_for_pattern(None, NamedNode(CLX + "cites"), None, None)}
    assert cited == {ID + "A-RES-74-247"}
    dates = {q.object.value for q in store.quads_for_pattern(work, NamedNode(CLX + "adoptionDate"), None, None)}
    assert dates == {"2033-12-18"}
