"""Scoring the evaluation questions once, and rating what the decision rule does with them.

`Table` holds the scores of many questions as arrays, and `Table.actions` applies the decision
functions retrieval itself uses (`bot/knowledge/decision.py`) to all of them at once.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, replace

import numpy as np

from bot.knowledge.calibration_data import Query
from bot.knowledge.classifier import EntryClassifier
from bot.knowledge.decision import Thresholds, by_classifier, by_scores
from bot.knowledge.retrieval import Retriever

MAX_WRONG = 0.01  # wrong answers among in-domain questions (incl. uncovered ones)
MAX_OOS_ANSWERED = 0.02  # out-of-scope queries that got an answer


@dataclass(frozen=True)
class Scored:
    query: Query
    vector: np.ndarray  # the question's embedding
    by_question: np.ndarray  # per entry: best similarity with an example question
    by_answer: np.ndarray  # per entry: best similarity with an answer
    entry_ids: list[str]
    seconds: float
    probabilities: np.ndarray | None = None  # the classifier's, per entry (NONE dropped)


def score(retriever: Retriever, queries: list[Query]) -> list[Scored]:
    scored = []
    for query in queries:
        started = time.perf_counter()
        vector = retriever.embed(query.text)
        by_question, by_answer = retriever.entry_scores(query.text, vector)
        scored.append(Scored(query, vector, by_question, by_answer, retriever.entry_ids,
                             time.perf_counter() - started))
    return scored


def with_classifier(items: list[Scored], classifier: EntryClassifier | None) -> list[Scored]:
    """The items with the classifier's probabilities, which then rank and decide; without one, as they are."""
    if classifier is None or not items:
        return [replace(i, probabilities=None) for i in items]
    probabilities = classifier.probabilities(np.array([i.vector for i in items]))[:, :-1]
    return [replace(i, probabilities=p) for i, p in zip(items, probabilities, strict=True)]


@dataclass(frozen=True)
class Table:
    """The scored queries as arrays: what the decision rule needs, vectorised over queries."""

    top1: np.ndarray  # best score
    top2: np.ndarray  # second-best score
    top1_right: np.ndarray  # the ranking's first entry answers the query
    top2_has_right: np.ndarray  # one of its first two does
    paraphrase: np.ndarray  # in-domain questions some entry answers
    uncovered: np.ndarray  # in-domain questions no entry answers
    out_of_scope: np.ndarray
    p1: np.ndarray | None = None  # with a classifier, which then ranks: its best entry's probability,
    p2: np.ndarray | None = None  # its runner-up's,
    agree: np.ndarray | None = None  # and whether its best entry is also the best-scoring one

    @classmethod
    def of(cls, items: list[Scored], question_weight: float) -> Table:
        scores = np.array([question_weight * i.by_question + (1 - question_weight) * i.by_answer for i in items])
        probabilities = None if items[0].probabilities is None else np.array([i.probabilities for i in items])
        by_score = np.argsort(-scores, axis=1)[:, :2]
        ranking = by_score if probabilities is None else np.argsort(-probabilities, axis=1)[:, :2]
        position = {entry_id: k for k, entry_id in enumerate(items[0].entry_ids)}
        answers = np.zeros(scores.shape, bool)
        for row, item in enumerate(items):
            answers[row, [position[e] for e in item.query.acceptable]] = True
        rows = np.arange(len(items))
        top1_right = answers[rows, ranking[:, 0]]
        classifier = {} if probabilities is None else {
            "p1": probabilities[rows, ranking[:, 0]], "p2": probabilities[rows, ranking[:, 1]],
            "agree": ranking[:, 0] == by_score[:, 0]}
        return cls(
            top1=scores[rows, by_score[:, 0]], top2=scores[rows, by_score[:, 1]],
            top1_right=top1_right, top2_has_right=top1_right | answers[rows, ranking[:, 1]],
            paraphrase=np.asarray(answers.any(axis=1)),
            uncovered=np.array([not i.query.acceptable and not i.query.out_of_scope for i in items]),
            out_of_scope=np.array([i.query.out_of_scope for i in items]), **classifier)

    def actions(self, t: Thresholds) -> tuple[np.ndarray, np.ndarray]:
        """(answered, clarified) masks: the very functions retrieval decides with (`decision.py`)."""
        if t.classifier is not None and self.p1 is not None and self.p2 is not None and self.agree is not None:
            return by_classifier(self.p1, self.p2, self.top1, self.agree, t.classifier)
        return by_scores(self.top1, self.top2, t)


def summarise(items: list[Scored] | Table, thresholds: Thresholds) -> dict:
    """Rates for paraphrases, uncovered in-domain questions and out-of-scope queries."""
    t = items if isinstance(items, Table) else Table.of(items, thresholds.question_weight)
    answered, clarified = t.actions(thresholds)
    para, unc, oos = t.paraphrase, t.uncovered, t.out_of_scope

    def rate(mask: np.ndarray, within: np.ndarray) -> float | None:
        return round(float((mask & within).sum() / within.sum()), 4) if within.any() else None

    wrong = (answered & para & ~t.top1_right) | (answered & unc)
    return {
        "paraphrases": int(para.sum()), "uncovered": int(unc.sum()), "out_of_scope": int(oos.sum()),
        "top1_accuracy": rate(t.top1_right, para),
        "answered_correctly": rate(answered & t.top1_right, para),
        "wrong_answer_rate": rate(wrong, para | unc),
        "clarify_rate": rate(clarified, para),
        "clarify_with_right_option": rate(clarified & t.top2_has_right, para),
        "handoff_rate": rate(~answered & ~clarified, para),
        "uncovered_answered": rate(answered, unc),
        "oos_answered": rate(answered, oos),
        "oos_clarified": rate(clarified, oos),
    }


def pools(items: list[Scored]) -> dict[str, list[Scored]]:
    """Written questions (dev set and out-of-scope data) and real ones (OMoS-QA), kept apart."""
    grouped = {"dev_set": [i for i in items if i.query.source != "omos"],
               "real_questions": [i for i in items if i.query.source == "omos"]}
    return {name: group for name, group in grouped.items() if group}


def within_budgets(summaries: dict[str, dict], max_wrong: float) -> bool:
    """Every pool keeps both error budgets on its own."""
    return all(s["wrong_answer_rate"] <= max_wrong and (s["oos_answered"] or 0) <= MAX_OOS_ANSWERED
               for s in summaries.values())


def clarify_value(summaries: dict[str, dict]) -> float:
    """Clarifications that offer the right entry, minus those shown to out-of-scope queries, over the pools."""
    return sum(s["clarify_with_right_option"] - (s["oos_clarified"] or 0) for s in summaries.values())


def per_language(items: list[Scored], thresholds: Thresholds) -> dict[str, dict]:
    groups: dict[str, list[Scored]] = defaultdict(list)
    for item in items:
        groups[item.query.language].append(item)
    return {language: summarise(group, thresholds) for language, group in sorted(groups.items())}


def per_topic(items: list[Scored], thresholds: Thresholds, topics: dict[str, str]) -> dict[str, dict]:
    """By the topic of the entry that answers each question (questions no entry answers are left out)."""
    groups: dict[str, list[Scored]] = defaultdict(list)
    for item in items:
        if item.query.acceptable:
            groups[topics[min(item.query.acceptable)]].append(item)
    return {topic: summarise(group, thresholds) for topic, group in sorted(groups.items())}
