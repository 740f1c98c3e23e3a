"""Loads the knowledge kept as data in mappings/: phrase tables, symbol grammars, gazetteer.

Everything here is read once and cached; adding a language or a body means adding data.
"""

from __future__ import annotations

import re
import tomllib
import warnings
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
        found = [m for p in self.patterns(name) if may_match_in(p, text, pos, end) and (m := p.search(text, pos, end))]
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


def needed_strings(pattern: str, flags: int = 0) -> frozenset[str] | None:
    """Literal strings one of which any match of `pattern` (compiled with `flags`) must consume, as the
    pattern's syntax tree tells them (the choice whose shortest string is longest, of fewest strings), or
    None where it tells none. Lookarounds are passed over: what they see may lie outside the match, so a
    string is needed only where the match itself consumes it. (The strings are as written in the pattern:
    under IGNORECASE a match may hold them in another case.)"""
    with warnings.catch_warnings():  # the parser of the re module, deprecated as a public module
        warnings.simplefilter("ignore", DeprecationWarning)
        import sre_constants as c
        import sre_parse
    tree = sre_parse.parse(pattern, flags)

    def needed(items: Any) -> frozenset[str] | None:
        """Strings one of which a match of the sequence `items` consumes (the longest such choice)."""
        choices: list[frozenset[str]] = []
        run: list[str] = []
        for op, arg in items:
            if op is c.LITERAL:
                run.append(chr(arg))
                continue
            if run:
                choices.append(frozenset(["".join(run)]))
                run = []
            inner: frozenset[str] | None = None
            if op is c.SUBPATTERN and not arg[1] and not arg[2]:  # a group without flags of its own
                inner = needed(arg[3])
            elif op is c.ATOMIC_GROUP:
                inner = needed(arg)
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and arg[0] >= 1:
                inner = needed(arg[2])
            elif op is c.BRANCH:
                branches = [needed(branch) for branch in arg[1]]
                inner = frozenset(w for b in branches if b is not None for w in b) \
                    if all(b is not None for b in branches) else None
            if inner is not None:
                choices.append(inner)
        if run:
            choices.append(frozenset(["".join(run)]))
        # the choice whose shortest string is longest (and of those, the one of fewest strings)
        return max(choices, key=lambda words: (min(map(len, words)), -len(words)), default=None)

    return needed(tree)


@cache
def _needed_as_written(pattern: re.Pattern[str]) -> tuple[str, ...]:
    if pattern.flags & re.IGNORECASE:
        return ()
    return tuple(sorted(needed_strings(pattern.pattern, pattern.flags) or ()))


def may_match_in(pattern: re.Pattern[str], text: str, start: int = 0, end: int | None = None) -> bool:
    """False where no match of `pattern` can lie in text[start:end]: none of the strings that its every match
    holds (needed_strings) is written there. Looking for a few strings is far quicker than trying a pattern at
    every position of a text that cannot hold it (most clauses cite no symbol, say)."""
    needed = _needed_as_written(pattern)
    end = len(text) if end is None else end
    return not needed or any(text.find(string, start, end) >= 0 for string in needed)


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
