"""No regular expression applied to document text backtracks super-linearly (issue 11, item 4).

Every pattern of every phrase table (mappings/lang/*.toml, mappings/symbols.toml) and of the modules
that read documents is run on long runs of white space, letters, digits and punctuation, alone and
pumped into a string the pattern matches. The bounds are generous for a linear pattern (well under a
millisecond per kB) and far too small for a quadratic one (8,000 spaces take a quadratic pattern
seconds): a hang guard, not a benchmark.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from pattern_audit import adversarial, all_patterns, pumped, seconds, slow_patterns

from cyberlex.build import _process

RUNS = (" ", "\n", " \n", "\t", "a", "A", "Ab ", "1", "12/", ".", ",", "-", "*", "#", "[", "(", "é", "<sup>", "a-")


def test_every_pattern_is_linear_on_long_runs() -> None:
    # a slow case is measured once more: a pause of a shared machine is not a quadratic pattern
    slow = [f"{p.origin}: {p.source!r} on a run of {unit!r}" for _, p, unit in slow_patterns(8_000, 0.25, RUNS)
            if seconds(p.compiled(), adversarial(unit, 8_000, isinstance(p.source, bytes)), 0.25, p.mode) >= 0.25]
    assert not slow, "\n".join(slow)


def test_every_pattern_is_linear_on_its_own_matches_pumped() -> None:
    slow = []
    for pattern in all_patterns():
        compiled = pattern.compiled()
        for text in pumped(pattern, 2_000, units=(" ", "a", "\n")):
            if all(seconds(compiled, text, 0.1, pattern.mode) >= 0.1 for _ in range(2)):
                slow.append(f"{pattern.origin}: {pattern.source!r} on {text[:30]!r}…{text[-20:]!r}")
                break
    assert not slow, "\n".join(slow)


HOSTILE_LINES = {
    "a line of spaces": " " * 200_000,
    "blank lines": "\n" * 200_000,
    "lines of spaces": (" " * 99 + "\n") * 2_000,
    "a line of letters": "a" * 200_000,
    "a line of digits": "1" * 200_000,
    "a line of stars": "*" * 200_000 + "a",
    "an annex heading and spaces": "Annex" + " " * 200_000 + "x",
    "an enacting formula and spaces": "The General Assembly" + " " * 200_000 + "x",
    "markdown brackets": "[" * 200_000,
}


@pytest.mark.parametrize("kind", sorted(HOSTILE_LINES))
def test_a_200_kb_hostile_text_is_processed_in_seconds(tmp_path: Path, kind: str) -> None:
    """The whole of reading, segmenting, extracting and mapping, on a resolution with a hostile part."""
    resolution = ("The General Assembly,\n\nRecalling its resolution 65/230 of 21 December 2010,\n\n"
                  + HOSTILE_LINES[kind] + "\n\n1. Decides to remain seized of the matter.\n")
    path = tmp_path / "hostile.txt"
    path.write_text(resolution, encoding="utf-8")
    started = time.perf_counter()
    outcome = _process(path, "https://w3id.org/cyberlex/id/")
    took = time.perf_counter() - started
    assert took < 10, f"{kind}: {took:.1f} s for {len(resolution) // 1000} kB"
    assert outcome.failure is None or "longer than" not in outcome.failure
