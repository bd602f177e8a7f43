"""The evaluation report for people (Markdown beside the JSON in reports/kb/, and a chart)."""

from __future__ import annotations

from bot.tools.chat_eval_report import svg_chart

HELD_OUT_SETS = (("paraphrases", "per_language_held_out", "Written paraphrases (held-out half)"),
                 ("real_questions", None, "Real questions (OMoS-QA dev)"),
                 ("fresh", None, "Fresh held-out questions"))


def one_tap(row: dict) -> float | None:
    """Answered right, or a clarification whose two options include the right entry."""
    if row["answered_correctly"] is None:
        return None
    return row["answered_correctly"] + (row["clarify_with_right_option"] or 0.0)


def chart(report: dict) -> str:
    """Per language, on the fresh held-out questions: direct right, within one tap, wrong."""
    return svg_chart({language: {"direct": row["answered_correctly"], "one_tap": one_tap(row),
                                 "wrong": row["wrong_answer_rate"]}
                      for language, row in report["fresh"]["per_language"].items()})


def _summary_table(rows: dict[str, dict]) -> list[str]:
    lines = ["| | questions | top-1 | direct, right | within one tap | wrong answers | clarify | to a person |"
             " uncovered answered |", "|---|---|---|---|---|---|---|---|---|"]
    for key, row in rows.items():
        lines.append(f"| {key} | {row['paraphrases']} | {_pct(row['top1_accuracy'])} | "
                     f"{_pct(row['answered_correctly'])} | {_pct(one_tap(row))} | {_pct(row['wrong_answer_rate'])} | "
                     f"{_pct(row['clarify_rate'])} | {_pct(row['handoff_rate'])} | {_pct(row['uncovered_answered'])} |")
    return lines


def fresh_and_topics(report: dict) -> list[str]:
    fresh = report["fresh"]
    lines = ["", "## Fresh held-out questions (12 languages)", "",
             f"`{fresh['source']}`: 36 answerable and 6 uncovered questions per language, written by someone who "
             "had not seen the entries' example questions, never used to choose anything. Personal cases of the "
             "same file go to a person; `make eval-chat` measures them through the chat API "
             "(reports/quality/).", "", "![direct, one tap and wrong per language](eval.svg)", ""]
    lines += _summary_table({**fresh["per_language"], "**all**": fresh["all"]})
    for name, title in (("paraphrases", "written paraphrases"), ("real_questions", "real questions (OMoS-QA)"),
                        ("fresh", "fresh questions")):
        lines += ["", f"## Per topic: {title}", ""]
        lines += _summary_table(report["per_topic"][name])
    return lines


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def markdown(report: dict) -> str:
    t = report["thresholds"]
    lines = [f"# Knowledge-base retrieval evaluation ({report['date']})", "",
             f"Embedder `{report['embedder']}`, {report['entries']} entries, {report['index_rows']} indexed questions. "
             f"Entry score = {t['question_weight']} × best example question + "
             f"{round(1 - t['question_weight'], 2)} × best answer. "
             + (f"The classifier decides (`bot/knowledge/classifier.py`): answer when its best entry has probability "
                f"≥ {t['classifier']['probability']}, leads by ≥ {t['classifier']['prob_margin']}, the best score is "
                f"≥ {t['classifier']['floor']} and both pick the same entry; clarify when the best score is ≥ "
                f"{t['classifier']['clarify']}. " if report["classifier"] else
                f"Thresholds: answer ≥ {t['answer']}, margin ≥ {t['margin']}, clarify ≥ {t['clarify']}. ") +
             f"Reported on the held-out half ({report['held_out']['paraphrases']} paraphrases, "
             f"{report['held_out']['uncovered']} uncovered, {report['held_out']['out_of_scope']} out-of-scope).", "",
             "| language | top-1 | answered right | wrong answers | clarify | handoff | uncovered answered |"
             " out-of-scope answered |", "|---|---|---|---|---|---|---|---|"]
    for language, row in report["per_language_held_out"].items():
        lines.append(f"| {language} | {_pct(row['top1_accuracy'])} | {_pct(row['answered_correctly'])} | "
                     f"{_pct(row['wrong_answer_rate'])} | {_pct(row['clarify_rate'])} | {_pct(row['handoff_rate'])} | "
                     f"{_pct(row['uncovered_answered'])} | {_pct(row['oos_answered'])} |")
    h = report["held_out"]
    lines.append(f"| **all** | {_pct(h['top1_accuracy'])} | {_pct(h['answered_correctly'])} | "
                 f"{_pct(h['wrong_answer_rate'])} | {_pct(h['clarify_rate'])} | {_pct(h['handoff_rate'])} | "
                 f"{_pct(h['uncovered_answered'])} | {_pct(h['oos_answered'])} |")
    if report["classifier"]:
        only = report["scores_only"]
        lines += ["", "The scores alone (the fallback when the classifier does not fit the index): "
                  f"answer ≥ {t['answer']}, margin ≥ {t['margin']}, clarify ≥ {t['clarify']}. On the held-out half "
                  f"they answer {_pct(only['held_out']['answered_correctly'])} right with "
                  f"{_pct(only['held_out']['wrong_answer_rate'])} wrong answers; on the real questions below "
                  f"{_pct(only['real_questions']['answered_correctly'])} right with "
                  f"{_pct(only['real_questions']['wrong_answer_rate'])} wrong."]
    lat = report["latency_ms"]
    lines += ["", f"Latency per query (embed + search): p50 {lat['p50']:.1f} ms, p95 {lat['p95']:.1f} ms, "
              f"p99 {lat['p99']:.1f} ms. Peak memory of the evaluating process: {report['max_rss_mb']:.0f} MB.", "",
              "top-1: the best-scoring entry is the right one (ranking only). answered right / wrong answers / "
              "clarify / handoff: what the person gets with the thresholds. Wrong answers count paraphrases "
              "answered with another entry and uncovered questions answered at all. Languages without a "
              "paraphrase row (da, id, it, …) only contribute out-of-scope queries (xSID)."]
    real = report["real_questions"]
    lines += ["", "## Real questions (OMoS-QA)", "",
              f"{real['all']['paraphrases'] // len(real['per_language'])} of "
              f"{(real['all']['paraphrases'] + real['all']['uncovered']) // len(real['per_language'])} questions "
              "that newcomers asked about the Integreat pages of three German districts have an entry here that "
              "answers them (labelled one by one against the entries, `eval/omos_dev_labels.jsonl`); the others "
              "ask about local services, places and prices of those districts, so the right outcome is a "
              "person. de and en are the original questions, fr, ar and uk translations. A test set: the "
              "thresholds were fitted to the train split's questions, never to these.", "",
              "| language | top-1 | answered right | wrong answers | clarify | handoff | unanswerable answered |",
              "|---|---|---|---|---|---|---|"]
    for language, row in [*real["per_language"].items(), ("**all**", real["all"])]:
        lines.append(f"| {language} | {_pct(row['top1_accuracy'])} | {_pct(row['answered_correctly'])} | "
                     f"{_pct(row['wrong_answer_rate'])} | "
                     f"{_pct(row['clarify_rate'])} | {_pct(row['handoff_rate'])} | {_pct(row['uncovered_answered'])} |")
    lines += fresh_and_topics(report)
    lines += ["", "top-1, answered right, clarify and handoff are shares of the answerable questions; wrong answers "
              "are answers with an entry not among the labelled ones, over all questions; unanswerable "
              "answered is the share of questions without an entry that got an answer anyway.", "",
              "Reproduce: `make eval-kb` (report) or `make eval-kb ARGS=--calibrate` (choose thresholds)."]
    return "\n".join(lines) + "\n"
