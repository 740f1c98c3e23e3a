"""The gazetteer's integrity (mappings/gazetteer/): keys unique across files, the documented fields and
no others, labels, Wikidata ids and the keys and symbols entries point to; each documented field mapped to
RDF (mappings/rdf.toml [gazetteer]) or read by the extraction, and the mapped facts written."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode

from cyberlex.knowledge import gazetteer
from cyberlex.map import Mapper, mapping
from cyberlex.resolve import instrument_for_symbol, normalise_symbol, ref_for_entry, un_symbol_pattern
from cyberlex.vocab import prefixes

GAZETTEER = Path(__file__).resolve().parents[1] / "mappings" / "gazetteer"
FILES = ("bodies.toml", "states.toml", "instruments.toml")


def raw_entries() -> list[tuple[str, str, dict[str, object]]]:
    return [(name, key, value) for name in FILES
            for key, value in tomllib.loads((GAZETTEER / name).read_text(encoding="utf-8")).items()]


def documented_fields() -> set[str]:
    """The fields the README's table lists (`labels.<lang>` as `labels`)."""
    table = (GAZETTEER / "README.md").read_text(encoding="utf-8").split("## Fields", 1)[1].split("\n## ", 1)[0]
    return {name.split(".")[0] for name in re.findall(r"^\| `([a-z0-9_.<>]+)` \|", table, re.MULTILINE)}


def test_keys_are_unique_across_files() -> None:
    keys = [key for _, key, _ in raw_entries()]
    assert len(keys) == len(set(keys)), sorted({k for k in keys if keys.count(k) > 1})


def test_a_key_repeated_in_another_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cyberlex import knowledge

    mappings = tmp_path / "mappings"
    (mappings / "gazetteer").mkdir(parents=True)
    (mappings / "gazetteer" / "bodies.toml").write_text('[unga]\nclass = "Body"\nlabels.en = ["A"]\n')
    (mappings / "gazetteer" / "instruments.toml").write_text('[unga]\nclass = "Declaration"\nlabels.en = ["B"]\n')
    monkeypatch.setattr(knowledge, "data_path", lambda name: mappings)
    knowledge.gazetteer.cache_clear()
    try:
        with pytest.raises(ValueError, match="'unga' is already an entry"):
            knowledge.gazetteer()
    finally:
        knowledge.gazetteer.cache_clear()


def test_every_field_is_documented_and_every_documented_field_is_used() -> None:
    used = {field for _, _, value in raw_entries() for field in value}
    documented = documented_fields()
    assert used <= documented, f"undocumented: {sorted(used - documented)}"
    assert documented <= used, f"documented but in no entry: {sorted(documented - used)}"


def test_labels_wikidata_and_references() -> None:
    entries = gazetteer()
    symbol = un_symbol_pattern()
    problems = []
    for name, key, value in raw_entries():
        if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", key):
            problems.append(f"{name} {key}: a key is a lower-case slug")
        labels = value.get("labels", {})
        if not isinstance(labels, dict) or not labels or not all(
                isinstance(names, list) and names and all(isinstance(n, str) and n.strip() == n and n
                                                          for n in names) for names in labels.values()):
            problems.append(f"{name} {key}: labels per language, each a list of trimmed, non-empty names")
        wikidata = value.get("wikidata")
        if wikidata is not None and not re.fullmatch(r"Q[1-9][0-9]*", str(wikidata)):
            problems.append(f"{name} {key}: wikidata {wikidata!r} is not an item id")
        for field in ("parent", "adopting_body"):
            if field in value and value[field] not in entries:
                problems.append(f"{name} {key}: {field} {value[field]!r} is no entry")
        for field in ("adopted_by", "endorsed_by", "contained_in", "established_by"):
            target = value.get(field)
            if target is None or target in entries:
                continue
            # a symbol as cyberlex writes it (its IRI and identifier come from that form)
            if str(target) != normalise_symbol(str(target)) or not (
                    symbol.fullmatch(str(target)) or re.fullmatch(r"A/RES/\d+ \([IVXL]+\)", str(target))):
                problems.append(f"{name} {key}: {field} {target!r} is neither a UN symbol as written nor an entry")
    assert not problems, "\n".join(problems)


# fields the mapper writes for every entry (Mapper.gazetteer_quads): rdf:type, skos labels and notations, owl:sameAs
NAMES = {"class", "labels", "acronyms", "identifiers", "wikidata"}
SRC = Path(__file__).resolve().parents[1] / "src" / "cyberlex"


def test_each_documented_field_is_mapped_to_rdf_or_read_by_the_extraction() -> None:
    facts = mapping()["gazetteer"]
    assert set(facts) <= documented_fields(), f"mapped but undocumented: {sorted(set(facts) - documented_fields())}"
    code = "\n".join(p.read_text(encoding="utf-8") for p in sorted(SRC.rglob("*.py")) if p.name != "knowledge.py")
    unused = [name for name in sorted(documented_fields() - NAMES - set(facts))
              if f'extra.get("{name}")' not in code]
    assert not unused, f"documented fields neither mapped (mappings/rdf.toml [gazetteer]) nor read: {unused}"


def test_the_readme_names_the_property_each_field_is_mapped_to() -> None:
    table = (GAZETTEER / "README.md").read_text(encoding="utf-8").split("## Fields", 1)[1].split("\n## ", 1)[0]
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `([a-z_]+)` \|.*\|(.*)\|$", table, re.MULTILINE)}
    for name, fact in mapping()["gazetteer"].items():
        assert f"→ `{fact['property']}`" in rows[name], f"{name}: the README does not say it becomes {fact['property']}"


def test_every_fact_of_every_entry_is_written_with_its_target_described() -> None:
    mapper = Mapper()
    prefix = prefixes()
    graph = NamedNode(mapper.base + "graph/gazetteer")
    facts = mapping()["gazetteer"]
    for entry in gazetteer().values():
        quads = set(mapper.gazetteer_quads(entry))
        assert {q.graph_name for q in quads} == {graph}
        node = mapper.iri(ref_for_entry(entry).key)
        typed = {q.subject for q in quads if q.predicate.value == prefix["rdf"] + "type"}
        for name, fact in facts.items():
            value = entry.extra.get(name)
            if value is None:
                continue
            curie_prefix, _, local = fact["property"].partition(":")
            prop = prefix[curie_prefix] + local
            [target] = [q.object for q in quads if q.subject == node and q.predicate.value == prop]
            if fact["object"] == "date":
                assert target == Literal(value, datatype=NamedNode(prefix["xsd"] + "date")), entry.key
            elif value in gazetteer():
                assert target == mapper.iri(ref_for_entry(gazetteer()[value]).key), entry.key
                assert target in typed, f"{entry.key}: {name} {value} is not described"
            else:
                assert target == mapper.iri(instrument_for_symbol(value).key) and target in typed, entry.key


def test_an_entry_and_its_parent_chain_are_described_once() -> None:
    quads = list(Mapper().gazetteer_quads(gazetteer()["ccpcj"]))
    parents = {(q.subject.value.rsplit("/", 1)[-1], q.object.value.rsplit("/", 1)[-1])
               for q in quads if q.predicate.value.endswith("#subOrganizationOf")}
    assert parents == {("ccpcj", "ecosoc"), ("ecosoc", "un")}
    assert len(quads) == len(set(quads))
