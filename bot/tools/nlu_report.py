"""`make nlu-report`: cross-validate the NLU (5 folds) and report F1 per intent and per language.

Rasa's cross-validation reports per intent; our question is also "does it work in Persian?". So
the per-example predictions (Rasa's successes and errors files) are joined with the language
folder each example comes from, and F1 is computed per language (macro over intents).
Writes reports/nlu/report.json and reports/nlu/report.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import yaml

from bot.languages import SUPPORTED_LANGUAGES
from bot.paths import BUILD, ROOT
from bot.tools.rasa_model import RASA_BIN, rasa_env
from bot.tools.reports import save_report

OUT = ROOT / "reports" / "nlu"


def example_languages(nlu_dir: Path = ROOT / "data" / "nlu") -> dict[str, str]:
    languages: dict[str, str] = {}
    for language in SUPPORTED_LANGUAGES:
        for path in sorted((nlu_dir / language).glob("*.yml")):
            for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
                for line in block["examples"].splitlines():
                    if line.strip().startswith("- "):
                        languages[line.strip()[2:].strip()] = language
    return languages


def f1_scores(pairs: list[tuple[str, str]]) -> dict[str, float]:
    """Per-intent F1 and their macro average from (gold, predicted) pairs."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for gold, predicted in pairs:
        if gold == predicted:
            tp[gold] += 1
        else:
            fn[gold] += 1
            fp[predicted] += 1
    scores = {}
    for intent in sorted({gold for gold, _ in pairs}):
        precision = tp[intent] / (tp[intent] + fp[intent]) if tp[intent] + fp[intent] else 0.0
        recall = tp[intent] / (tp[intent] + fn[intent]) if tp[intent] + fn[intent] else 0.0
        scores[intent] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    scores["macro"] = sum(scores.values()) / len(scores) if scores else 0.0
    return scores


def summarise(results_dir: Path) -> dict:
    languages = example_languages()
    predictions = []
    for name in ("intent_successes.json", "intent_errors.json"):
        path = results_dir / name
        if path.exists():
            predictions += json.loads(path.read_text(encoding="utf-8"))
    by_language: dict[str, list[tuple[str, str]]] = defaultdict(list)
    unmatched = 0
    for item in predictions:
        language = languages.get(item["text"].strip())
        if language is None:
            unmatched += 1
            continue
        by_language[language].append((item["intent"], item["intent_prediction"]["name"] or "none"))
    all_pairs = [pair for pairs in by_language.values() for pair in pairs]
    return {
        "date": dt.date.today().isoformat(),
        "examples": len(all_pairs),
        "unmatched_examples": unmatched,
        "overall": {"macro_f1": round(f1_scores(all_pairs)["macro"], 4),
                    "accuracy": round(sum(g == p for g, p in all_pairs) / max(len(all_pairs), 1), 4)},
        "per_language": {
            language: {"examples": len(pairs), "macro_f1": round(f1_scores(pairs)["macro"], 4),
                       "accuracy": round(sum(g == p for g, p in pairs) / len(pairs), 4),
                       "fallback": sum(p == "nlu_fallback" for _, p in pairs)}
            for language, pairs in sorted(by_language.items())},
        "per_intent_f1": {k: round(v, 4) for k, v in f1_scores(all_pairs).items() if k != "macro"},
    }


def markdown(report: dict) -> str:
    lines = [f"# NLU cross-validation ({report['folds']} folds, {report['date']})", "",
             f"{report['examples']} examples; overall macro F1 {report['overall']['macro_f1']:.3f}, "
             f"accuracy {report['overall']['accuracy']:.3f}; {report['seconds']:.0f} s.", "",
             "| language | examples | macro F1 | accuracy | sent to nlu_fallback |", "|---|---|---|---|---|"]
    for language, row in report["per_language"].items():
        lines.append(f"| {language} | {row['examples']} | {row['macro_f1']:.3f} | {row['accuracy']:.3f} | "
                     f"{row['fallback']} |")
    lines += ["", "| intent | F1 |", "|---|---|"]
    lines += [f"| {intent} | {f1:.3f} |" for intent, f1 in report["per_intent_f1"].items()]
    lines += ["", "Reproduce: `make nlu-report`. An nlu_fallback prediction counts as an error here, although "
              "the assistant then treats the message as a question and lets retrieval decide."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.tools.nlu_report")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)
    results_dir = BUILD / "nlu-cv"
    started = time.monotonic()
    subprocess.run([str(RASA_BIN), "test", "nlu", "--nlu", "data/nlu", "--config", "config.yml",
                    "--cross-validation", "--folds", str(args.folds), "--out", str(results_dir),
                    "--successes", "--no-plot"],  # errors are written by default
                   cwd=ROOT, env=rasa_env(dict(os.environ)), check=True)
    report = {**summarise(results_dir), "folds": args.folds, "seconds": round(time.monotonic() - started, 1)}
    save_report(OUT, "report", report, markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
