"""The gazetteer's integrity (mappings/gazetteer/): keys unique across files, the documented fields and
no others, labels, Wikidata ids and the keys and symbols entries point to."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from cyberlex.knowledge import gazetteer
from cyberlex.resolve import normalise_symbol, un_symbol_pattern

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
