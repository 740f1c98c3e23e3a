"""Extraction quality on the shared corpus, per language, as ../shared/eval/evaluate.py scores it.

    python benchmarks/quality.py [--json FILE]

Builds the seeds and the UN texts of each language (English, French, Spanish, German) and the Akoma Ntoso
XML files of the UN corpus, and scores them against their gold as it is, on every file, printing a Markdown
table. The UN gold is made from the Akoma Ntoso markup by ../shared/eval/akn2gold.py; the files are linked
into a folder per language, never copied or changed. The gold of an XML file names its text rendering
("file": "….txt"), so the XML files are scored against a copy that names the .xml file instead, with
nothing else changed. tests/test_corpus.py and tests/test_read_akn.py assert the thresholds on these figures.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from cyberlex.build import build

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
LANGUAGES = ("en", "fr", "es", "de")


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


def score_language(language: str, root: Path, shared: Path = SHARED) -> dict[str, Any]:
    """Build the UN texts of one language and score them on every file."""
    corpus = shared / "corpus" / "un"
    texts = sorted((corpus / "text").glob(f"*.{language}.txt"))
    inputs, gold = root / "text", root / "gold"
    for folder in (inputs, gold):
        folder.mkdir(parents=True)
    for text in texts:  # linked, not copied: the corpus stays where it is
        (inputs / text.name).symlink_to(text)
        (gold / f"{text.stem}.json").symlink_to(corpus / "gold" / f"{text.stem}.json")
    (gold / "entities.json").symlink_to(corpus / "gold" / "entities.json")
    result = build([inputs], root / "out", run_validation=False)
    if result.failures:
        raise RuntimeError(f"{language}: {result.failures}")
    return evaluate(root / "out" / "graph.ttl", gold, root, shared)


def score_xml(root: Path, shared: Path = SHARED) -> dict[str, Any]:
    """Build the Akoma Ntoso XML files of the UN corpus and score them on every file."""
    corpus = shared / "corpus" / "un"
    inputs, gold_dir = root / "xml", root / "gold"
    for folder in (inputs, gold_dir):
        folder.mkdir(parents=True)
    for xml in sorted((corpus / "xml").glob("*.xml")):
        (inputs / xml.name).symlink_to(xml)
        gold = json.loads((corpus / "gold" / f"{xml.stem}.json").read_text(encoding="utf-8"))
        (gold_dir / f"{xml.stem}.json").write_text(json.dumps({**gold, "file": xml.name}, ensure_ascii=False),
                                                   encoding="utf-8")
    (gold_dir / "entities.json").symlink_to(corpus / "gold" / "entities.json")
    result = build([inputs], root / "out", run_validation=False)
    if result.failures:
        raise RuntimeError(f"xml: {result.failures}")
    return evaluate(root / "out" / "graph.ttl", gold_dir, root, shared)


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
        print("\n| UN corpus | files | records | metadata | clauses | cites |")
        print("| --- | --- | --- | --- | --- | --- |")
        corpus = SHARED / "corpus" / "un"
        for language in (*LANGUAGES, "xml"):
            if language == "xml":
                scores, files = score_xml(Path(tmp) / language), len(list((corpus / "xml").glob("*.xml")))
            else:
                scores = score_language(language, Path(tmp) / language)
                files = len(list((corpus / "text").glob(f"*.{language}.txt")))
            f1 = f1_by_category(scores)
            figures[language] = {**f1, "files": files}
            name = "Akoma Ntoso XML" if language == "xml" else f"texts, {language}"
            print(f"| {name} | {files} | {f1['records']:.3f} | {f1['metadata']:.3f} | {f1['clauses']:.3f} "
                  f"| {f1['cites']:.3f} |")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
