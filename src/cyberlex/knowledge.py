"""Loads the knowledge kept as data in mappings/: phrase tables, symbol grammars, gazetteer.

Everything here is read once and cached; adding a language or a body means adding data.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from cyberlex.resources import data_path


def _load(relative: str) -> dict[str, Any]:
    with (data_path("mappings") / relative).open("rb") as handle:
        return tomllib.load(handle)


@dataclass(frozen=True)
class Language:
    """The drafting conventions of one language (mappings/lang/<code>.toml)."""

    code: str
    table: dict[str, Any]

    def pattern(self, name: str, flags: int = re.MULTILINE) -> re.Pattern[str]:
        """A compiled pattern from the table (an entry holding one pattern)."""
        return _compile(self.code, name, flags)

    def patterns(self, name: str, flags: int = re.MULTILINE) -> tuple[re.Pattern[str], ...]:
        """The compiled patterns of an entry holding one pattern or a list of them (a list lets each
        wording of a line use the same group names)."""
        return _compile_all(self.code, name, flags)

    def search(self, name: str, text: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        """The earliest match of any of the entry's patterns."""
        end = len(text) if endpos is None else endpos
        found = [m for p in self.patterns(name) if (m := p.search(text, pos, end))]
        return min(found, key=lambda m: m.start()) if found else None

    def match(self, name: str, text: str) -> re.Match[str] | None:
        """A match of one of the entry's patterns at the start of text."""
        return next((m for p in self.patterns(name) if (m := p.match(text))), None)

    def get(self, name: str, default: Any = None) -> Any:
        """A raw entry of the table."""
        return self.table.get(name, default)


@cache
def _compile(code: str, name: str, flags: int) -> re.Pattern[str]:
    return re.compile(languages()[code].table[name], flags)


@cache
def _compile_all(code: str, name: str, flags: int) -> tuple[re.Pattern[str], ...]:
    entry = languages()[code].table.get(name, [])
    return tuple(re.compile(p, flags) for p in ([entry] if isinstance(entry, str) else entry))


def tables_by_language(folder: str) -> dict[str, dict[str, Any]]:
    """The TOML tables of a folder of mappings/ that has one file per language, by their `language` key."""
    found = {}
    for path in sorted((data_path("mappings") / folder).glob("*.toml")):
        with path.open("rb") as handle:
            table = tomllib.load(handle)
        found[table["language"]] = table
    return found


@cache
def languages() -> dict[str, Language]:
    """Every language with a phrase table, by ISO 639-1 code."""
    return {code: Language(code, table) for code, table in tables_by_language("lang").items()}


@cache
def symbols() -> dict[str, Any]:
    """The symbol grammars (mappings/symbols.toml)."""
    return _load("symbols.toml")


@dataclass(frozen=True)
class Entry:
    """A gazetteer entry: a body, State or named instrument."""

    key: str
    cls: str
    kind: str  # "body" | "instrument"
    labels: dict[str, tuple[str, ...]]
    acronyms: tuple[str, ...] = ()
    identifiers: tuple[str, ...] = ()
    wikidata: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def pref_label(self) -> str:
        """The preferred English label, or the first label in any language."""
        for lang in ("en", *sorted(self.labels)):
            if self.labels.get(lang):
                return self.labels[lang][0]
        return self.key


@cache
def gazetteer() -> dict[str, Entry]:
    """Every gazetteer entry by key. Keys are unique across files."""
    entries: dict[str, Entry] = {}
    for name, kind in (("bodies.toml", "body"), ("states.toml", "body"), ("instruments.toml", "instrument")):
        path = data_path("mappings") / "gazetteer" / name
        if not path.exists():
            continue
        for key, raw in _load(f"gazetteer/{name}").items():
            if not isinstance(raw, dict):
                continue
            if key in entries:  # a key is part of an IRI: two entries under one key would be one node
                raise ValueError(f"mappings/gazetteer/{name}: key {key!r} is already an entry of another file")
            labels = {lang: tuple(v) for lang, v in raw.get("labels", {}).items()}
            entries[key] = Entry(
                key=key,
                cls=raw.get("class", "Body" if kind == "body" else "Instrument"),
                kind=kind,
                labels=labels,
                acronyms=tuple(raw.get("acronyms", ())),
                identifiers=tuple(raw.get("identifiers", ())),
                wikidata=raw.get("wikidata"),
                extra={k: v for k, v in raw.items()
                       if k not in ("class", "labels", "acronyms", "identifiers", "wikidata")},
            )
    return entries
