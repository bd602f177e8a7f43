"""`make entity-report` (and `make nlu-report`): precision, recall and F1 of the entity layer per
type and per language on the held-out cases (tests/rasa_ext/entity_cases, written without looking
at the word lists), and what the layer costs per message. Runs in Rasa's environment.

Writes reports/entities/report.json and report.md. Reference numbers never appear in the report:
error examples are listed for the other types only, with any number masked.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import yaml

from bot.languages import SUPPORTED_LANGUAGES
from bot.rasa_ext.entities.finder import ENTITY_TYPES, EntityFinder

ROOT = Path(__file__).resolve().parents[3]
CASES = ROOT / "tests" / "rasa_ext" / "entity_cases"
OMOS = Path(os.environ.get("SHARED_DATA", ROOT.parent / "shared" / "data")) / "omos-qa"
OUT = ROOT / "reports" / "entities"
TODAY = dt.date(2026, 12, 4)  # the day the cases' dates are resolved against
_DIGITS = re.compile(r"\d")


def load_cases(folder: Path = CASES) -> list[tuple[str, dict]]:
    return [(path.stem, case) for path in sorted(folder.glob("*.yml"))
            for case in yaml.safe_load(path.read_text(encoding="utf-8")) or []]


def gold_of(case: dict) -> set[tuple[str, str]]:
    return {(e["entity"], str(e["value"])) for e in case.get("entities") or []}


def prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3),
            "tp": tp, "fp": fp, "fn": fn, "support": tp + fn}


def evaluate(finder: EntityFinder, cases: list[tuple[str, dict]]) -> dict:
    counts: dict[tuple[str, str], Counter[str]] = {}
    errors = []
    for language, case in cases:
        gold = gold_of(case)
        predicted = {(f.entity, f.value) for f in finder.find(case["text"], language, TODAY)}
        for entity in ENTITY_TYPES:
            g = {v for e, v in gold if e == entity}
            p = {v for e, v in predicted if e == entity}
            for key in ((entity, language), (entity, "all")):
                c = counts.setdefault(key, Counter())
                c["tp"] += len(g & p)
                c["fp"] += len(p - g)
                c["fn"] += len(g - p)
        wrong = sorted((gold ^ predicted) - {x for x in gold ^ predicted if x[0] == "reference"})
        if wrong:
            errors.append({"language": language, "text": _DIGITS.sub("#", case["text"]),
                           "missed": sorted(f"{e}={v}" for e, v in gold - predicted if e != "reference"),
                           "wrong": sorted(f"{e}={v}" for e, v in predicted - gold if e != "reference")})
    table = {entity: {lang: prf(**counts[(entity, lang)]) for lang in [*SUPPORTED_LANGUAGES, "all"]
                      if (entity, lang) in counts and sum(counts[(entity, lang)].values())}
             for entity in ENTITY_TYPES}
    negatives = [c for _, c in cases if not c.get("entities")]
    clean = sum(1 for lang, c in cases if not c.get("entities") and not finder.find(c["text"], lang, TODAY))
    return {"per_type": table, "cases": len(cases), "negatives": len(negatives), "negatives_clean": clean,
            "errors": errors}


def percentiles(timings: list[float], digits: int) -> dict[str, float]:
    timings = sorted(timings)
    return {"p50_ms": round(statistics.median(timings), digits),
            "p95_ms": round(timings[int(0.95 * (len(timings) - 1))], digits), "max_ms": round(timings[-1], digits)}


def latency(finder: EntityFinder, texts: list[tuple[str, str]], repeat: int = 3) -> dict[str, float]:
    timings = []
    for _ in range(repeat):
        for language, text in texts:
            started = time.perf_counter()
            finder.find(text, language, TODAY)
            timings.append((time.perf_counter() - started) * 1000)
    return {"messages": len(texts), **percentiles(timings, 3)}


def parse_latency(model: Path, texts: list[tuple[str, str]], rounds: int = 3) -> dict[str, dict[str, float]]:
    """Rasa's whole NLU parse of the same messages, with the entity layer and with it switched off
    (its `process` passes messages through), alternating round by round."""
    import asyncio

    from rasa.core.agent import Agent

    from bot.rasa_ext.entity_extractor import EntityExtractorComponent

    agent = Agent.load(str(model))
    original = EntityExtractorComponent.process

    def skip(self: EntityExtractorComponent, messages: list) -> list:
        return messages

    async def measure() -> list[float]:
        timings = []
        for _, text in texts:
            started = time.perf_counter()
            await agent.parse_message(text)
            timings.append((time.perf_counter() - started) * 1000)
        return timings

    runs: dict[str, list[float]] = {"with the layer": [], "without it": []}
    asyncio.run(measure())  # warm up
    for _ in range(rounds):
        for name, process in (("with the layer", original), ("without it", skip)):
            EntityExtractorComponent.process = process  # type: ignore[method-assign]
            runs[name] += asyncio.run(measure())
    EntityExtractorComponent.process = original  # type: ignore[method-assign]
    return {name: {"messages": len(texts), **percentiles(timings, 2)} for name, timings in runs.items()}


def knowledge_questions(root: Path = ROOT / "knowledge_base") -> list[tuple[str, str]]:
    """The example questions of every knowledge-base entry: general questions, not personal cases."""
    texts = []
    for path in sorted(root.glob("*/*.yml")):
        entry = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(entry, dict) and isinstance(entry.get("questions"), dict):
            texts += [(lang, q) for lang, questions in entry["questions"].items() for q in questions]
    return texts


def handoff_triggers(finder: EntityFinder, texts: list[tuple[str, str]]) -> dict:
    """How often a general question would hand off by itself: a reference number, or a deadline
    that has passed or falls within 14 days (some example questions are such cases on purpose)."""
    urgent = []
    references = 0
    for language, text in texts:
        for found in finder.find(text, language, TODAY):
            references += found.entity == "reference"
            if found.entity == "deadline" and (dt.date.fromisoformat(found.value) - TODAY).days <= 14:
                urgent.append(f"{language}: {_DIGITS.sub('#', text)}")
    return {"questions": len(texts), "reference": references, "urgent_deadline": len(urgent),
            "urgent_examples": urgent}


def real_questions(folder: Path = OMOS) -> list[tuple[str, str]]:
    texts = []
    for path in sorted(folder.glob("*/dev.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            texts.append((path.parent.name, json.loads(line)["question"]))
    return texts


def markdown(report: dict) -> str:
    lines = ["# Entity layer: precision, recall, F1", "",
             f"Held-out cases: {report['cases']} in {len(SUPPORTED_LANGUAGES)} languages "
             f"(`tests/rasa_ext/entity_cases/`, written without looking at the word lists), "
             f"dates resolved against {TODAY}. Negatives without any entity: {report['negatives']}, "
             f"of which {report['negatives_clean']} got none.", "",
             "| type | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for entity, by_language in report["per_type"].items():
        if "all" in by_language:
            s = by_language["all"]
            lines.append(f"| {entity} | {s['precision']:.2f} | {s['recall']:.2f} | {s['f1']:.2f} | {s['support']} |")
    lines += ["", "## F1 per type and language (support)", "",
              "| type | " + " | ".join(SUPPORTED_LANGUAGES) + " |", "|---|" + "---|" * len(SUPPORTED_LANGUAGES)]
    for entity, by_language in report["per_type"].items():
        cells = [f"{by_language[lang]['f1']:.2f} ({by_language[lang]['support']})" if lang in by_language else "–"
                 for lang in SUPPORTED_LANGUAGES]
        lines.append(f"| {entity} | " + " | ".join(cells) + " |")
    triggers = report.get("handoff_triggers")
    if triggers:
        lines += ["", f"General questions (the knowledge base's example questions and the OMoS dev questions, "
                      f"{triggers['questions']}) that would hand off by themselves: a reference number in "
                      f"{triggers['reference']}, a deadline passed or within 14 days in "
                      f"{triggers['urgent_deadline']}:", ""]
        lines += [f"- {example}" for example in triggers["urgent_examples"]]
    for name, timing in report.get("latency", {}).items():
        lines += ["", f"Cost per message ({name}, {timing['messages']} messages, 3 rounds): "
                      f"p50 {timing['p50_ms']} ms, p95 {timing['p95_ms']} ms, max {timing['max_ms']} ms."]
    if report.get("parse"):
        lines += ["", "Rasa's whole NLU parse (in process, the same messages, rounds alternating):", "",
                  "| pipeline | messages | p50 ms | p95 ms |", "|---|---|---|---|"]
        lines += [f"| {name} | {t['messages']} | {t['p50_ms']} | {t['p95_ms']} |"
                  for name, t in report["parse"].items()]
    lines += ["", f"## Errors ({len(report['errors'])} cases; reference numbers left out, digits as #)", ""]
    lines += [f"- {e['language']}: \"{e['text']}\" missed {e['missed'] or '–'}, wrong {e['wrong'] or '–'}"
              for e in report["errors"]]
    lines += ["", "Reproduce: `make entity-report` (also part of `make nlu-report`)."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.rasa_ext.entities.evaluation")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--model", type=Path, help="a trained model: also time Rasa's parse with and without the layer")
    args = parser.parse_args(argv)
    finder = EntityFinder.load(SUPPORTED_LANGUAGES)
    finder.warm_up()
    cases = load_cases()
    report = evaluate(finder, cases)
    report["latency"] = {"held-out cases": latency(finder, [(lang, c["text"]) for lang, c in cases])}
    questions = real_questions()
    report["handoff_triggers"] = handoff_triggers(finder, knowledge_questions() + questions)
    if questions:
        report["latency"]["OMoS real questions"] = latency(finder, questions)
    if args.model:
        report["parse"] = parse_latency(args.model, questions[:300] or [(lang, c["text"]) for lang, c in cases])
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    text = markdown(report)
    (args.out / "report.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
