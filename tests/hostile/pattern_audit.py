"""Every regular expression cyberlex applies to document text, and adversarial texts to run them on.

Used by test_hostile_patterns.py; run as a script it prints the slowest patterns (a tool for the audit).
"""

from __future__ import annotations

import ast
import importlib
import re
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cyberlex.extract.relations import _heads, grammars
from cyberlex.knowledge import languages, symbols
from cyberlex.resources import data_path

# Modules whose patterns are applied to the text (or bytes) of input documents.
TEXT_MODULES = ("read", "read.akn", "read.html", "read.docx", "read.pdf", "segment", "extract", "extract.relations",
                "resolve", "map")
RE_FUNCTIONS = {"compile", "search", "match", "fullmatch", "sub", "subn", "finditer", "findall", "split"}

# Runs that make a backtracking engine try many splits: white space of every kind, letters, digits,
# punctuation, and the pieces the patterns look for (markup, numbers, symbols, words of the tables).
UNITS = (" ", "\n", " \n", "\t", "\u00a0", "a", "A", "Ab ", "1", "12/", "1 ", "/", ".", ",", "-", "_", "*", "#",
         "(", ")", "[", "<sup>", "é", "A/", "The ", "the ", "of ", "and ", ", ", "1.", "Annex ", "resolution ",
         "Recalling ", "a\n", "*\n", "# ", "1 (", "S-1/", "ES-")


@dataclass(frozen=True)
class Pattern:
    """A pattern, where it comes from, and the flags it is used with."""

    origin: str
    source: str | bytes
    flags: int
    mode: str = "search"  # how the code applies it: "search" (anywhere), "match" or "fullmatch" (at the start)

    def compiled(self) -> re.Pattern[Any]:
        """The compiled pattern."""
        return re.compile(self.source, self.flags)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def _compiles(source: str | bytes) -> bool:
    try:
        re.compile(source)
    except re.error:
        return False
    return True


def _repeats(source: str | bytes) -> bool:
    """Whether a pattern repeats anything: one that does not (a phrase) runs in linear time."""
    text = source.decode("latin-1") if isinstance(source, bytes) else source
    return any(ch in text for ch in "*+?{")


def table_patterns() -> list[Pattern]:
    """Every string of every phrase table and of symbols.toml that is a regular expression (phrases too:
    they are cheap), with MULTILINE (as cyberlex.knowledge compiles them) and with IGNORECASE as well."""
    found: dict[tuple[str | bytes, int], Pattern] = {}
    sources = [(f"mappings/lang/{code}.toml", lang.table) for code, lang in languages().items()]
    sources.append(("mappings/symbols.toml", symbols()))
    sources += [(f"mappings/relations/{code}.toml", grammar.table) for code, grammar in grammars().items()]
    for origin, table in sources:
        for key, value in table.items():
            for text in _strings(value):
                if not _compiles(text) or not _repeats(text):
                    continue
                for flags in (re.MULTILINE, re.MULTILINE | re.IGNORECASE):
                    found.setdefault((text, flags), Pattern(f"{origin} {key}", text, flags))
    return list(found.values())


def _flags_of(call: ast.Call) -> int:
    """The flags a call of a function of `re` passes (re.M, re.I, re.S, in any argument)."""
    names = {node.attr for node in ast.walk(call) if isinstance(node, ast.Attribute)
             and isinstance(node.value, ast.Name) and node.value.id == "re"}
    flags = 0
    for short, long, flag in (("M", "MULTILINE", re.MULTILINE), ("I", "IGNORECASE", re.IGNORECASE),
                              ("S", "DOTALL", re.DOTALL)):
        if short in names or long in names:
            flags |= flag
    return flags


def code_patterns() -> list[Pattern]:
    """Patterns written in the modules that read documents: module-level compiled patterns, and every
    literal pattern passed to a function of `re`."""
    found: dict[tuple[str | bytes, int], Pattern] = {}
    for name in TEXT_MODULES:
        module = importlib.import_module(f"cyberlex.{name}")
        for attribute, value in vars(module).items():
            if isinstance(value, re.Pattern):
                found.setdefault((value.pattern, value.flags), Pattern(f"{name}.{attribute}", value.pattern,
                                                                       value.flags & ~re.UNICODE))
        path = Path(module.__file__ or "")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in RE_FUNCTIONS
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "re" and node.args
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str | bytes)):
                source = node.args[0].value
                flags = _flags_of(node)
                mode = node.func.attr if node.func.attr in ("match", "fullmatch") else "search"
                found.setdefault((source, flags), Pattern(f"{name}.py line {node.lineno}", source, flags, mode))
    # patterns assembled in code from the tables
    from cyberlex.resolve import _leading_article
    from cyberlex.segment import marker_pattern

    found[("marker", 0)] = Pattern("segment.marker_pattern", marker_pattern("12").pattern, 0)
    found[("article", 0)] = Pattern("resolve._leading_article", _leading_article().pattern, re.IGNORECASE)
    for code, lang in languages().items():
        for source in (lang.get("resolution_word") + r"\s+", r"\b" + lang.get("its_word") + r"\s+$",
                       rf"(?:{lang.get('resolution_word')}|{lang.get('not_resolution_word')})"):
            found[(source, 0)] = Pattern(f"extract ({code})", source, 0)
    for code in grammars():  # the head nouns of bodies and instruments, as cyberlex.extract.relations assembles them
        for table in ("body_kinds", "instrument_heads"):
            heads = _heads(code, table)[0]
            found[(heads.pattern, heads.flags)] = Pattern(f"relations {code} {table}", heads.pattern,
                                                          heads.flags & ~re.UNICODE)
    return list(found.values())


def all_patterns() -> list[Pattern]:
    """The patterns of the tables and of the code."""
    return table_patterns() + code_patterns()


def adversarial(unit: str, size: int, binary: bool) -> str | bytes:
    """A text of about `size` characters repeating one unit."""
    text = unit * (size // len(unit) + 1)
    return text[:size].encode("utf-8", "replace") if binary else text[:size]


class TooSlow(BaseException):
    """A pattern ran past its time."""


def _alarm(_signum: int, _frame: object) -> None:
    raise TooSlow


def seconds(pattern: re.Pattern[Any], text: str | bytes, limit: float, mode: str = "search") -> float:
    """How long applying the pattern to the text takes: every match (as search does, from every position),
    or a match at the start; `limit` when it runs past it (the matcher checks for signals, so it is
    interrupted)."""
    previous = signal.signal(signal.SIGALRM, _alarm)
    started = time.perf_counter()
    try:
        signal.setitimer(signal.ITIMER_REAL, limit)
        if mode == "match":
            pattern.match(text)
        elif mode == "fullmatch":
            pattern.fullmatch(text)
        else:
            for _ in pattern.finditer(text):
                pass
        return time.perf_counter() - started
    except TooSlow:
        return limit
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def slow_patterns(size: int, limit: float, units: tuple[str, ...] = UNITS) -> list[tuple[float, Pattern, str]]:
    """(seconds, pattern, unit) for every pattern that takes more than `limit` on some adversarial text."""
    slow = []
    for pattern in all_patterns():
        compiled = pattern.compiled()
        for unit in units:
            took = seconds(compiled, adversarial(unit, size, isinstance(pattern.source, bytes)), limit, pattern.mode)
            if took >= limit:
                slow.append((took, pattern, unit))
                break
    return slow



# -- pumped examples: a string the pattern matches, with a long run put inside it -----------------------

_CANDIDATES = "aA1 ,.;:-/()[]*#_\n\"'“”«»„’éÄÆª°<>|!?&%+=@~^$\\{}\t\u00a0—–"


def _in_set(ch: str, items: list[Any]) -> bool:
    from re import _constants as c  # type: ignore[attr-defined]

    categories = {
        c.CATEGORY_SPACE: ch.isspace(), c.CATEGORY_NOT_SPACE: not ch.isspace(),
        c.CATEGORY_DIGIT: ch.isdigit(), c.CATEGORY_NOT_DIGIT: not ch.isdigit(),
        c.CATEGORY_WORD: ch.isalnum() or ch == "_", c.CATEGORY_NOT_WORD: not (ch.isalnum() or ch == "_"),
    }
    negate = False
    found = False
    for op, value in items:
        if op == c.NEGATE:
            negate = True
        elif op == c.LITERAL:
            found |= ord(ch) == value
        elif op == c.RANGE:
            found |= value[0] <= ord(ch) <= value[1]
        elif op == c.CATEGORY:
            found |= categories.get(value, False)
    return found != negate


def _example(parsed: Any) -> str:
    """One string matched by a parsed pattern (first branch, fewest repeats), as far as it can tell."""
    from re import _constants as c  # type: ignore[attr-defined]

    out = []
    for op, value in parsed:
        if op == c.LITERAL:
            out.append(chr(value))
        elif op == c.NOT_LITERAL:
            out.append("a" if value != ord("a") else "b")
        elif op == c.ANY:
            out.append("a")
        elif op == c.IN:
            out.append(next((ch for ch in _CANDIDATES if _in_set(ch, value)), "a"))
        elif op == c.BRANCH:
            out.append(_example(value[1][0]))
        elif op == c.SUBPATTERN:
            out.append(_example(value[-1]))
        elif op == c.ATOMIC_GROUP:
            out.append(_example(value))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, _high, item = value
            out.append(_example(item) * max(low, 1 if low == 0 and _high > 1 else low))
    return "".join(out)


def pumped(pattern: Pattern, size: int, units: tuple[str, ...] = (" ", "a", "1", "\n")) -> Iterator[str]:
    """A string the pattern matches with a run of `size` units put at each place in it, alone and followed
    by a character that breaks the match."""
    from re import _parser  # type: ignore[attr-defined]

    if isinstance(pattern.source, bytes):
        return
    example = _example(_parser.parse(pattern.source, pattern.flags))
    for place in range(len(example) + 1):
        for unit in units:
            text = example[:place] + unit * size + example[place:]
            yield text
            yield text + "\x00"


def slow_pumped(size: int, limit: float) -> list[tuple[float, Pattern, str]]:
    """(seconds, pattern, input) for every pattern slower than `limit` on one of its pumped examples."""
    slow = []
    for pattern in all_patterns():
        compiled = pattern.compiled()
        for text in pumped(pattern, size):
            took = seconds(compiled, text, limit, pattern.mode)
            if took >= limit:
                slow.append((took, pattern, text[:40] + "…" + text[-20:]))
                break
    return slow


if __name__ == "__main__":
    import sys

    size = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    started = time.perf_counter()
    print(len(all_patterns()), "patterns", data_path("mappings"))
    limit = float(sys.argv[2]) if len(sys.argv) > 2 else 0.5
    finder = slow_pumped if "--pumped" in sys.argv else slow_patterns
    for took, pattern, unit in finder(size, limit):
        print(f"{took:6.2f}s {unit!r:12} {pattern.origin}: {pattern.source!r}")
    print(f"{time.perf_counter() - started:.1f} s in all")
