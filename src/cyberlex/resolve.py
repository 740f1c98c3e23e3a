"""Stage 4, resolve: names and numbers as written become entities with stable keys (Ref).

Symbols are normalised with the grammars in mappings/symbols.toml; names of bodies, States and
named instruments are looked up in the gazetteer (mappings/gazetteer/), in every language it has.
Entities the gazetteer does not know get a key derived from their name, so that the same name in
two files is one node.
"""

from __future__ import annotations

import re
import unicodedata
import urllib.parse
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache

from cyberlex.knowledge import Entry, gazetteer, languages, may_match_in, symbols
from cyberlex.models import Ref, Span

# The class of an instrument known only by its symbol, from the symbol's series.
SYMBOL_CLASSES = ((re.compile(r"/RES/|^[A-Z]+ \d+/\d+$"), "Resolution"),
                  (re.compile(r"/PRST/"), "PresidentialStatement"),
                  (re.compile(r"/DEC/"), "Decision"))


@lru_cache(maxsize=8192)  # the same names and symbols come again and again
def fold(text: str) -> str:
    """Case, accents, spaces and punctuation folded, for comparing names."""
    text = unicodedata.normalize("NFKD", text).replace("&", "and")
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[\W_]+", " ", text.casefold()).strip()


@lru_cache(maxsize=8192)  # the same names and symbols come again and again
def slug(text: str) -> str:
    """A readable IRI segment: 'S/RES/2561 (2021)' -> 'S-RES-2561-2021'."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")


@lru_cache(maxsize=8192)  # the same names and symbols come again and again
def normalise_symbol(raw: str) -> str:
    """A symbol as printed, tidied: spaces collapsed, trailing punctuation dropped, '(Sect.26)' spaced."""
    symbol = " ".join(raw.split()).rstrip(".,;:")
    symbol = re.sub(r"(?<!\s)\s*\(\s*", " (", symbol)
    symbol = re.sub(r"(?<!\s)\s+\)", ")", symbol)
    return re.sub(r"\(\s*(Sect|Vol|Part)(?![a-z])\.?\s*",  # "(Sect.26)", but not "(PartsIandII)"
                  lambda m: f"({m.group(1)}. " if m.group(1) != "Part" else "(Part ", symbol)


def instrument_for_symbol(symbol: str) -> Ref:
    """The instrument an official symbol identifies."""
    symbol = normalise_symbol(symbol)
    cls = next((name for pattern, name in SYMBOL_CLASSES if pattern.search(symbol)), "Document")
    return Ref(key=slug(symbol), cls=cls, identifier=symbol)


@dataclass(frozen=True)
class Series:
    """One way of numbering resolutions (mappings/symbols.toml [[series]])."""

    body: str
    number: re.Pattern[str]
    symbol: str
    default: bool


@cache
def series() -> tuple[Series, ...]:
    """The resolution series, in the order they are tried."""
    return tuple(Series(s["body"], re.compile(s["number"]), s["symbol"], bool(s.get("default")))
                 for s in symbols()["series"])


def match_resolution_number(text: str, pos: int, body: str | None) -> tuple[re.Match[str], str] | None:
    """A resolution number at text[pos:], read in the series of `body` first, then by its form alone."""
    ordered = [s for s in series() if s.body == body] + [s for s in series() if s.default and s.body != body]
    for candidate in ordered:
        match = candidate.number.match(text, pos)
        if match:
            fields = {k: (v or "") for k, v in match.groupdict().items()}
            return match, candidate.symbol.format(**fields)
    return None


def has_series(body: str) -> bool:
    """Whether resolutions of this body have their own numbering."""
    return any(s.body == body for s in series())


@cache
def un_symbol_pattern() -> re.Pattern[str]:
    """Printed UN document symbols."""
    return re.compile(symbols()["un_symbol"])


@cache
def bare_resolution_pattern() -> re.Pattern[str]:
    """Resolution numbers whose form alone says what they are ("2462 (2019)")."""
    return re.compile(symbols()["bare_resolution"])


@cache
def eu_document_pattern() -> re.Pattern[str]:
    """EU Council document numbers."""
    return re.compile(symbols()["eu_document"])


@cache
def _symbol_parts() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The separator of a joint symbol, and what a symbol must contain."""
    return re.compile(symbols()["joint_separator"]), re.compile(symbols()["must_contain"])


def find_symbols(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[Span, str]]:
    """UN document symbols in text[start:end]; a joint symbol counts as its first part."""
    end = len(text) if end is None else end
    if not may_match_in(un_symbol_pattern(), text, start, end):
        return
    joint, must = _symbol_parts()
    for match in un_symbol_pattern().finditer(text, start, end):
        raw = match.group()
        first = joint.split(raw)[0]
        if not must.search(first):
            continue
        yield Span(match.start(), match.start() + len(first)), normalise_symbol(first)


@dataclass(frozen=True)
class LinkGrammar:
    """How a link to a UN document names it (mappings/symbols.toml [links])."""

    address: re.Pattern[str]
    strip: tuple[re.Pattern[str], ...]
    rewrite: tuple[tuple[re.Pattern[str], str], ...]


@cache
def link_grammar() -> LinkGrammar:
    """The link grammar, compiled: a known host, then any of the known language folders, then the symbol."""
    links = symbols()["links"]
    hosts = "|".join(re.escape(h) for h in links["hosts"])
    folders = "|".join(re.escape(f) for f in links["language_folders"])
    address = re.compile(rf"https?://(?:{hosts})/+(?:(?:{folders})/+)?(?P<symbol>.+)$", re.I)
    return LinkGrammar(address, tuple(re.compile(p) for p in links.get("strip", [])),
                       tuple((re.compile(r["pattern"]), r["symbol"]) for r in links.get("rewrite", [])))


def symbol_of_link(href: str) -> str | None:
    """The symbol of the document a link points to, whatever the language folder:
    'https://undocs.org/ot/S/RES/242(1967)' -> 'S/RES/242 (1967)', 'https://docs.un.org/en/A/RES/57/283B' ->
    'A/RES/57/283'; None for a link to anything else."""
    grammar = link_grammar()
    match = grammar.address.match(href.strip())
    if not match:
        return None
    symbol = urllib.parse.unquote(match.group("symbol")).strip().strip("/")
    for pattern in grammar.strip:
        symbol = pattern.sub("", symbol)
    digit = re.search(r"\d", symbol)
    series, rest = (symbol[: digit.start()], symbol[digit.start():]) if digit else (symbol, "")
    symbol = re.sub(r"(?<![^/])[a-z]+(?=/)", lambda m: m.group().upper(), series) + rest
    for pattern, form in grammar.rewrite:
        if found := pattern.match(symbol):
            symbol = form.format(**found.groupdict())
    symbol = normalise_symbol(symbol)
    return symbol or None


def eu_document_symbol(match: re.Match[str]) -> str:
    """'ST 12642/25 ADD 1' -> '12642/25 ADD 1'."""
    suffix = " ".join(re.sub(r"(?<![A-Z])([A-Z]+)\s*(\d+)", r"\1 \2", match.group("suffix")).split())
    return f"{match.group('number')} {suffix}".strip()


# -- the gazetteer ---------------------------------------------------------------------------

def ref_for_entry(entry: Entry) -> Ref:
    """The entity of a gazetteer entry."""
    if entry.kind == "instrument":
        return Ref(key=f"instrument/{entry.key}", cls=entry.cls, label=entry.pref_label)
    folder = "state" if entry.cls == "State" else "body"
    return Ref(key=f"{folder}/{entry.key}", cls=entry.cls, label=entry.pref_label)


WORD = re.compile(r"\w+")
WORD_CHARACTER = re.compile(r"\w")


@dataclass(frozen=True, eq=False)  # compared, and hashed, as itself: a key of _name_words_of
class _NameIndex:
    by_first_word: dict[str, str]  # the names that start with a word, as the source of a pattern
    exact: dict[str, Entry]
    folded: dict[str, Entry]
    compiled: dict[str, re.Pattern[str]] = field(default_factory=dict)

    def names_at(self, word: str) -> re.Pattern[str]:
        """The pattern of the names that start with `word`, compiled the first time it is wanted (of 1,500
        words a document wants a few dozen; compiling them all took a process 0.12 s)."""
        pattern = self.compiled.get(word)
        if pattern is None:
            pattern = self.compiled[word] = re.compile(self.by_first_word[word])
        return pattern


@cache
def _name_index() -> _NameIndex:
    """Names by their first word: a text is scanned word by word, and only the names that start
    with a word are tried there (one big alternation of all names is far slower)."""
    exact: dict[str, Entry] = {}
    folded: dict[str, Entry] = {}
    for entry in gazetteer().values():
        names = [n for labels in entry.labels.values() for n in labels] + list(entry.acronyms)
        names += list(entry.identifiers)
        for name in names:
            if name.strip():
                exact.setdefault(" ".join(name.split()), entry)
                folded.setdefault(fold(name), entry)
    grouped: dict[str, list[str]] = {}
    for name in exact:
        first = WORD.search(name)
        if first is not None and first.start() == 0:
            grouped.setdefault(first.group(), []).append(name)
    by_first_word = {}
    for word, names in grouped.items():
        # words of a name may be split by any run of white space (PDF renderings wrap long names)
        body = "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in sorted(names, key=len, reverse=True))
        by_first_word[word] = r"(?:" + body + r")(?![\w])"
    return _NameIndex(by_first_word, exact, folded)


def find_names(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[Span, Entry]]:
    """Gazetteer names in text[start:end], longest first, case as written, on word boundaries."""
    end = len(text) if end is None else end
    index = _name_index()
    position = start
    for word_start, word in _first_words(text, start, end, index):
        if word_start < position:
            continue
        pattern = index.names_at(word)
        if word_start > 0 and text[word_start - 1] == "-":
            continue
        match = pattern.match(text, word_start, end)
        if match and match.group().isupper() and "/" in (text[match.end():match.end() + 1],
                                                         text[max(0, match.start() - 1):match.start()]):
            continue  # an acronym inside a document symbol ("UNODC/CCPCJ/EG.4/2011/3"), not a name
        if match:
            position = match.end()
            yield Span(match.start(), match.end()), index.exact[" ".join(match.group().split())]


# Below this length a text is scanned word by word for names; a longer one (a document, searched for names
# clause by clause, footnote by footnote, then whole) has the words that start names listed once.
WHOLE_TEXT = 2000


def _first_words(text: str, start: int, end: int, index: _NameIndex) -> Iterator[tuple[int, str]]:
    """The words of text[start:end] that start a gazetteer name, with where they start: those of
    WORD.finditer(text, start, end) (where start or end cuts a word, its part inside is a word)."""
    if len(text) < WHOLE_TEXT:
        for word in WORD.finditer(text, start, end):
            if word.group() in index.by_first_word:
                yield word.start(), word.group()
        return
    if start >= end:
        return
    first_end = start
    if start > 0 and WORD_CHARACTER.match(text, start - 1) and WORD_CHARACTER.match(text, start):
        cut = WORD.match(text, start, end)
        assert cut is not None
        first_end = cut.end()
        if cut.group() in index.by_first_word:
            yield start, cut.group()
    starts, ends = _name_words_of(text, index)
    at = bisect_left(starts, first_end)
    while at < len(starts) and ends[at] <= end:
        yield starts[at], text[starts[at]:ends[at]]
        at += 1
    if end < len(text) and WORD_CHARACTER.match(text, end - 1) and WORD_CHARACTER.match(text, end):
        last = end - 1
        while last > first_end and WORD_CHARACTER.match(text, last - 1):
            last -= 1
        if last >= first_end and text[last:end] in index.by_first_word:
            yield last, text[last:end]


@lru_cache(maxsize=2)
def _name_words_of(text: str, index: _NameIndex) -> tuple[list[int], list[int]]:
    """Where the words of a whole text that start a gazetteer name start and end."""
    starts: list[int] = []
    ends: list[int] = []
    for word in WORD.finditer(text):
        if word.group() in index.by_first_word:
            starts.append(word.start())
            ends.append(word.end())
    return starts, ends


# "146th Assembly", "146e Assemblée", "146. Versammlung": an ordinal before a name.
ORDINAL_PREFIX = re.compile(r"^\d+(?:st|nd|rd|th|e|er|ª|º|\.)?\s+", re.IGNORECASE)


@cache
def _leading_article() -> re.Pattern[str]:
    """An article opening a name, in any language with a phrase table ("the", "la", "die", "den"…)."""
    alternatives = [lang.get("determiners") for lang in languages().values() if lang.get("determiners")]
    return re.compile("^(?:" + "|".join(f"(?:{a})" for a in alternatives) + r")\s*", re.IGNORECASE)


def _without_article(name: str) -> str:
    return _leading_article().sub("", name, count=1)


def lookup_name(name: str) -> Entry | None:
    """The gazetteer entry whose name this is (folded comparison), or None."""
    index = _name_index()
    exact, folded = index.exact, index.folded
    name = " ".join(name.split())
    for candidate in (name, ORDINAL_PREFIX.sub("", _without_article(name)), _without_article(name)):
        entry = exact.get(candidate) or folded.get(fold(candidate))
        if entry is not None:
            return entry
    return None


def is_known_body(name: str) -> bool:
    """Whether the gazetteer knows this name as a body."""
    entry = lookup_name(name)
    return entry is not None and entry.kind == "body"


def content_words(name: str, filler: Iterable[str]) -> frozenset[str]:
    """The words of a name that tell it apart, folded."""
    skip = set(filler)
    return frozenset(w for w in fold(name).split() if w not in skip)


@cache
def _body_word_sets(filler: tuple[str, ...]) -> list[tuple[frozenset[str], Entry]]:
    found = []
    for entry in gazetteer().values():
        if entry.kind != "body":
            continue
        for labels in entry.labels.values():
            for label in labels:
                words = content_words(label, filler)
                if len(words) >= 4:
                    found.append((words, entry))
    return found


def body_for_name(name: str, lang: str, filler: Iterable[str] = ()) -> Ref:
    """A body by name: the gazetteer's entry if it knows the name, else a body keyed by the name.

    A name written differently from the gazetteer's ("Expert Group to Conduct a Comprehensive Study of
    the Problem of Cybercrime") is that body when it holds every telling word of one of its labels.
    """
    name = " ".join(name.split()).strip(" ,.;*")
    entry = lookup_name(name)
    if entry is None:
        inner = next(find_names(name), None)
        if inner is not None and inner[0].end - inner[0].start >= 0.6 * len(name) and inner[1].kind == "body":
            entry = inner[1]
    if entry is None:
        words = content_words(name, filler)
        candidates = [e for label_words, e in _body_word_sets(tuple(filler)) if label_words <= words]
        if len({c.key for c in candidates}) == 1:
            entry = candidates[0]
    if entry is not None and entry.kind == "body":
        return ref_for_entry(entry)
    bare = ORDINAL_PREFIX.sub("", _without_article(name))
    return Ref(key=f"body/{slug(bare).lower()}", cls="Body", label=bare, lang=lang)
