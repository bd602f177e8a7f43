"""Choosing thresholds on the calibration questions (`make eval-kb ARGS=--calibrate`)."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np

from bot.knowledge.classifier import EntryClassifier
from bot.knowledge.classifier_build import train
from bot.knowledge.decision import ClassifierRule, Thresholds
from bot.knowledge.retrieval import Retriever
from bot.tools.kb_eval.scoring import MAX_WRONG, Scored, Table, clarify_value, pools, summarise, within_budgets

MAX_WRONG_WITH_CLASSIFIER = 0.008  # see calibrate_classifier
PROBABILITIES = np.round(np.arange(0.2, 0.99, 0.02), 3)  # the classifier's grid
FLOORS = np.round(np.arange(0.80, 0.95, 0.0025), 4)
PROBABILITY_MARGINS = (0.0, 0.1, 0.2, 0.3, 0.4)
QUESTION_WEIGHTS = np.round(np.arange(0.2, 1.01, 0.1), 2)  # entry score = w * question + (1 - w) * answer


def ranking_weight(items: list[Scored]) -> float:
    """The question weight that ranks the right entry first most often (top-1, summed over the pools).

    The ranking decides the answer and also which two entries a clarification offers."""
    def top1(weight: float) -> float:
        return sum(summarise(Table.of(group, weight), Thresholds(1.0, 0.0, 1.0, weight))["top1_accuracy"]
                   for group in pools(items).values())
    return max((float(w) for w in QUESTION_WEIGHTS), key=top1)


def calibrate(items: list[Scored]) -> tuple[Thresholds, dict[str, dict]]:
    """The ranking weight, then the thresholds that answer the most questions correctly within the budgets.

    Each pool (the written dev set with the out-of-scope data, and the real questions) must keep
    both budgets on its own; the rates of answering correctly are added, so the real questions
    count as much as the written ones. Among equally good settings, the one with the most right
    clarifications (minus clarifications offered to out-of-scope queries) wins: a clarify with the
    right option is the next best outcome."""
    best: tuple[tuple[float, float], Thresholds, dict[str, dict]] | None = None
    answers = np.round(np.arange(0.86, 0.995, 0.0025), 4)
    margins = np.round(np.arange(0.0, 0.041, 0.002), 4)
    clarifies = np.round(np.arange(0.84, 0.99, 0.0025), 4)
    weight = ranking_weight(items)
    tables = {name: Table.of(group, weight) for name, group in pools(items).items()}
    for answer, margin in itertools.product(answers, margins):
        for clarify in clarifies[clarifies <= answer]:
            thresholds = Thresholds(float(answer), float(margin), float(clarify), weight)
            summaries = {name: summarise(table, thresholds) for name, table in tables.items()}
            if not within_budgets(summaries, MAX_WRONG):
                continue
            key = (sum(s["answered_correctly"] for s in summaries.values()), clarify_value(summaries))
            if best is None or key > best[0]:
                best = (key, thresholds, summaries)
    if best is None:
        raise RuntimeError("no thresholds meet the error budgets on the calibration queries")
    return best[1], best[2]


def calibrate_classifier(items: list[Scored], retriever: Retriever,
                         question_weight: float) -> tuple[EntryClassifier, ClassifierRule, dict[str, dict]]:
    """Train the classifier on the index and the calibration queries (cross-fitted), then fit its rule.

    Same two pools and the same objective as `calibrate`, with a tighter wrong-answer budget (a
    repeated split-half test on the calibration queries showed that fitting three thresholds to
    1% lands above 1% on unseen questions; 0.8% did not)."""
    classifier, held_out = train(retriever, [i.query for i in items], np.array([i.vector for i in items]))
    items = [replace(i, probabilities=p[:-1]) for i, p in zip(items, held_out, strict=True)]
    tables = {name: Table.of(group, question_weight) for name, group in pools(items).items()}

    def outcome(rule: ClassifierRule) -> dict[str, dict]:
        thresholds = Thresholds(1.0, 0.0, 1.0, question_weight, rule)
        return {name: summarise(table, thresholds) for name, table in tables.items()}

    best: tuple[float, ClassifierRule] | None = None
    for probability, floor, prob_margin in itertools.product(PROBABILITIES, FLOORS, PROBABILITY_MARGINS):
        rule = ClassifierRule(float(probability), float(prob_margin), float(floor), clarify=1.0)
        summaries = outcome(rule)
        if not within_budgets(summaries, MAX_WRONG_WITH_CLASSIFIER):
            continue
        key = sum(s["answered_correctly"] for s in summaries.values())
        if best is None or key > best[0]:
            best = (key, rule)
    if best is None:
        raise RuntimeError("no classifier thresholds meet the error budgets on the calibration queries")

    def clarify_key(clarify: float) -> tuple[float, float]:
        return clarify_value(outcome(replace(best[1], clarify=clarify))), -clarify
    rule = replace(best[1], clarify=float(max(np.round(np.arange(0.80, 0.99, 0.0025), 4), key=clarify_key)))
    return classifier, rule, outcome(rule)
