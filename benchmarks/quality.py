"""Extraction quality on the shared corpus, per language, as ../shared/eval/evaluate.py scores it.

    python benchmarks/quality.py [--json FILE]

Builds the seeds and the UN texts of each language (English, French, Spanish, German) and scores them
against their gold, printing a Markdown table. The UN gold is made from the Akoma Ntoso markup by
../shared/eval/akn2gold.py, and two things in it are artefacts of that conversion, not of the documents;
they are corrected on a copy of the gold (the shared corpus is never changed):

- citations of the Spanish and German versions keep the language folder of their undocs.org link
  ("sp/A/RES/60/1", "ot/A/RES/60/7"), which akn2gold strips only for the six UN languages;
- a section heading inside the operative part ("I", "Measures", "Benennungskriterien") is marked up as a
  paragraph, so the gold counts it and its later ordinals run ahead of the printed numbers. cyberlex
  numbers clauses as printed ("28. Reaffirms" is operative paragraph 28, which is what a reservation on
  "operative paragraph 28" means), so clauses are also scored on the files whose gold numbers their
  paragraphs as the document prints them ("printed" below).
tests/test_corpus.py asserts the thresholds on these figures.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from cyberlex.build import build

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
LANGUAGES = ("en", "fr", "es", "de")
LANGUAGE_FOLDER = re.compile(r"^[a-z]{2}/(?=[A-Z])")


def evaluate(graph: Path, gold: Path, out: Path, shared: Path = SHARED) -> dict[str, Any]:
    """Run the shared evaluator on a graph (with the ontology) and return its JSON scores."""
    scores = out / "scores.json"
    command = [sys.executable, str(shared / "eval" / "evaluate.py"), "--graph", str(graph),
               "--graph", str(REPO / "ontology" / "cyberlex.ttl"), "--gold", str(gold), "--json", str(scores)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return json.loads(scores.read_text(encoding="utf-8"))


def f1_by_category(scores: dict[str, Any]) -> dict[str, float]:
    """Category -> F1."""
    return {row["category"]: row["f1"] for row in scores["rows"]}


def printed_operative_count(text: str) -> int:
    """How many operative paragraphs the document numbers 1, 2, 3… (a run of "N. " at line starts)."""
    count = 0
    for match in re.finditer(r"^\s*(\d{1,3})\.\s", text, re.MULTILINE):
        if int(match.group(1)) == count + 1:
            count += 1
    return count


def corrected_gold(gold_file: Path) -> dict[str, Any]:
    """A gold file with the undocs.org language folder taken off its citations."""
    gold = json.loads(gold_file.read_text(encoding="utf-8"))
    for record in gold["records"]:
        for key in ("cites", "optional_cites"):
            record[key] = [LANGUAGE_FOLDER.sub("", cited) for cited in record.get(key, [])]
    return gold


def score_language(language: str, root: Path, shared: Path = SHARED) -> tuple[dict[str, Any], dict[str, Any], int]:
    """Build the UN texts of one language and score them: on every file, on the files whose gold numbers
    paragraphs as printed; and how many files those are."""
    corpus = shared / "corpus" / "un"
    texts = sorted((corpus / "text").glob(f"*.{language}.txt"))
    inputs = root / "text"
    inputs.mkdir(parents=True)
    for text in texts:  # linked, not copied: the corpus stays where it is
        (inputs / text.name).symlink_to(text)
    result = build([inputs], root / "out", run_validation=False)
    if result.failures:
        raise RuntimeError(f"{language}: {result.failures}")
    entities = json.loads((corpus / "gold" / "entities.json").read_text(encoding="utf-8"))
    entities = {**entities, **{LANGUAGE_FOLDER.sub("", k): v for k, v in entities.items()}}
    scores, printed_files = [], 0
    for name in ("all", "printed"):
        gold = root / f"gold-{name}"
        gold.mkdir()
        (gold / "entities.json").write_text(json.dumps(entities), encoding="utf-8")
        for text in texts:
            record = corrected_gold(corpus / "gold" / f"{text.name.removesuffix('.txt')}.json")
            as_printed = printed_operative_count(text.read_text(encoding="utf-8")) == len(
                record["records"][0]["operative"])
            if name == "all" or as_printed:
                printed_files += name == "printed"
                (gold / f"{text.stem}.json").write_text(json.dumps(record), encoding="utf-8")
        scored = root / f"scores-{name}"
        scored.mkdir()
        scores.append(evaluate(root / "out" / "graph.ttl", gold, scored, shared))
    return scores[0], scores[1], printed_files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    if not (SHARED / "corpus" / "un").is_dir():
        print(f"skipped: {SHARED / 'corpus'} not found (the shared corpus is read in place, never copied)")
        return 0
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        seeds = Path(tmp) / "seeds"
        build([SHARED / "corpus" / "seeds"], seeds, run_validation=False)
        seed_scores = evaluate(seeds / "graph.ttl", SHARED / "eval" / "gold" / "seeds", seeds)
        figures["seeds"] = {**f1_by_category(seed_scores), "macro": round(seed_scores["macro_f1"], 3)}
        print("| seeds | " + " | ".join(f"{c} {f:.3f}" for c, f in figures["seeds"].items()) + " |")
        print("\n| UN texts | files | records | metadata | cites | clauses (all) | clauses (printed: files) |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for language in LANGUAGES:
            every, printed, printed_files = score_language(language, Path(tmp) / language)
            f1, f1_printed = f1_by_category(every), f1_by_category(printed)
            figures[language] = {**f1, "clauses_printed": f1_printed["clauses"], "printed_files": printed_files,
                                 "files": len(list((SHARED / "corpus" / "un" / "text").glob(f"*.{language}.txt")))}
            row = figures[language]
            print(f"| {language} | {row['files']} | {f1['records']:.3f} | {f1['metadata']:.3f} | {f1['cites']:.3f} "
                  f"| {f1['clauses']:.3f} | {f1_printed['clauses']:.3f} ({printed_files}) |")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
