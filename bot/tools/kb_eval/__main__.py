"""`python -m bot.tools.kb_eval [--calibrate]`: the report in reports/kb/, proposals in build/calibration/.

`--calibrate` chooses thresholds and trains the classifier on the calibration questions, writes
the proposal to build/calibration/thresholds.json and the evidence to reports/kb/calibration.json.
Adopting a proposal is an edit of `bot/knowledge/decision.CALIBRATED`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from bot.knowledge.calibration_data import fingerprint, load_fresh, load_queries, load_real_questions
from bot.knowledge.loader import load
from bot.knowledge.retrieval import Retriever
from bot.paths import BUILD, KB_INDEX, KNOWLEDGE_BASE, ROOT, SITE_FILE
from bot.tools.kb_eval.calibrate import MAX_WRONG_WITH_CLASSIFIER, calibrate, calibrate_classifier
from bot.tools.kb_eval.report import chart, markdown
from bot.tools.kb_eval.scoring import (
    MAX_OOS_ANSWERED,
    MAX_WRONG,
    per_language,
    per_topic,
    score,
    summarise,
    with_classifier,
)
from bot.tools.reports import save_report

OUT = ROOT / "reports" / "kb"
PROPOSALS = BUILD / "calibration"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.tools.kb_eval")
    parser.add_argument("--calibrate", action="store_true", help="choose thresholds (a proposal in build/calibration)")
    parser.add_argument("--index-dir", type=Path, default=KB_INDEX)
    args = parser.parse_args(argv)

    retriever = Retriever(args.index_dir)
    kb = load(KNOWLEDGE_BASE, SITE_FILE)
    topics: dict[str, str] = {entry.id: entry.topic for entry in kb.entries.values()}
    started = time.perf_counter()
    scored = score(retriever, load_queries())
    real_train = score(retriever, load_real_questions("train"))
    real = score(retriever, load_real_questions("dev"))
    fresh = score(retriever, load_fresh())
    print(f"scored {len(scored) + len(real_train) + len(real) + len(fresh)} queries in "
          f"{time.perf_counter() - started:.1f} s")
    calibration = [s for s in scored if s.query.half == "calibrate"] + real_train
    thresholds, classifier = retriever.thresholds, retriever.classifier
    OUT.mkdir(parents=True, exist_ok=True)
    if args.calibrate:
        thresholds, fitted = calibrate(calibration)
        classifier, rule, fitted_classifier = calibrate_classifier(calibration, retriever, thresholds.question_weight)
        thresholds = replace(thresholds, classifier=rule,
                             classifier_data=fingerprint([s.query for s in calibration], retriever.entry_ids))
        PROPOSALS.mkdir(parents=True, exist_ok=True)
        (PROPOSALS / "thresholds.json").write_text(json.dumps({
            **asdict(thresholds), "note": f"proposed by `make eval-kb ARGS=--calibrate` on {dt.date.today()}; "
                                          "adopt by editing CALIBRATED in bot/knowledge/decision.py"}, indent=2) + "\n")
        print(f"proposal: {PROPOSALS / 'thresholds.json'}")
    held_out_plain, real_plain = [s for s in scored if s.query.half == "report"], real
    scores_only = replace(thresholds, classifier=None)  # with the plain items: the fallback rule
    scored, real = with_classifier(scored, classifier), with_classifier(real, classifier)
    fresh = with_classifier(fresh, classifier)
    held_out = [s for s in scored if s.query.half == "report"]
    if args.calibrate:
        (OUT / "calibration.json").write_text(json.dumps({
            "budgets": {"max_wrong_answer_rate": MAX_WRONG, "max_wrong_answer_rate_with_classifier":
                        MAX_WRONG_WITH_CLASSIFIER, "max_oos_answered": MAX_OOS_ANSWERED},
            "chosen": asdict(thresholds),
            "on_calibration_queries": {"scores_only": fitted, "with_classifier_cross_fitted": fitted_classifier},
            "on_held_out": {"dev_set": summarise(held_out, thresholds), "real_questions": summarise(real, thresholds),
                            "fresh": summarise(fresh, thresholds),
                            "scores_only": {"dev_set": summarise(held_out_plain, scores_only),
                                            "real_questions": summarise(real_plain, scores_only)}}},
            indent=2))
    latencies = np.array([s.seconds for s in scored]) * 1000
    report = {
        "date": dt.date.today().isoformat(), "embedder": retriever.manifest["embedder"],
        "entries": retriever.manifest["entries"], "index_rows": retriever.manifest["rows"],
        "thresholds": asdict(thresholds), "classifier": classifier is not None and thresholds.classifier is not None,
        "held_out": summarise(held_out, thresholds), "all_queries": summarise(scored, thresholds),
        "scores_only": {"held_out": summarise(held_out_plain, scores_only),
                        "real_questions": summarise(real_plain, scores_only)},
        "per_language_held_out": per_language(held_out, thresholds),
        "real_questions": {"source": "OMoS-QA dev (Kleinle et al. 2024, CC BY 4.0), eval/omos_dev_labels.jsonl",
                           "all": summarise(real, thresholds), "per_language": per_language(real, thresholds)},
        "fresh": {"source": "eval/fresh_heldout.jsonl (written for issue 18 without seeing the example questions)",
                  "all": summarise(fresh, thresholds), "per_language": per_language(fresh, thresholds)},
        "per_topic": {name: per_topic(items, thresholds, topics)
                      for name, items in (("paraphrases", held_out), ("real_questions", real), ("fresh", fresh))},
        "latency_ms": {p: float(np.percentile(latencies, q)) for p, q in (("p50", 50), ("p95", 95), ("p99", 99))},
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    (OUT / "eval.svg").write_text(chart(report), encoding="utf-8")
    save_report(OUT, "eval", report, markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
