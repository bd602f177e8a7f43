"""Answer, clarify or hand off: the decision rule and its calibrated thresholds, in one place.

The same functions decide for one question in the action server (`Retriever.decide`) and for
thousands of scored questions at once in the evaluation and calibration (`bot/tools/kb_eval.py`),
so what is measured is what runs. They work on numpy arrays of any length.

The thresholds are reviewed constants. `make eval-kb ARGS=--calibrate` proposes new ones (in
`build/calibration/`, with the evidence in `reports/kb/calibration.json`); adopting them is a
change of `CALIBRATED` here, in a commit that says what they bought.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ClassifierRule:
    probability: float  # answer when the classifier's best entry has at least this probability,
    prob_margin: float  # leads its runner-up by this much,
    floor: float  # the best score is at least this, and both pick the same entry
    clarify: float  # else: best score at or above: offer the classifier's top two


@dataclass(frozen=True)
class Thresholds:
    answer: float  # scores alone: best score at or above: answer ...
    margin: float  # ... if the runner-up trails by at least this much, else clarify
    clarify: float  # best score at or above (and below `answer`): offer the top two
    question_weight: float = 0.3  # entry score = w * best example question + (1 - w) * best answer
    classifier: ClassifierRule | None = None  # used while the built classifier is the one calibrated for
    classifier_data: str | None = None  # fingerprint of the classifier's training data (`bot/knowledge/classifier.py`)


# chosen by `make eval-kb ARGS=--calibrate` on 2026-12-04 (reports/kb/calibration.json) for the classifier with
# a hidden layer (decision 47), 22 example questions per entry and language and 1,273 written dev questions
# (half of them calibrate): it answers from p >= 0.9 (the linear classifier answered from 0.58)
CALIBRATED = Thresholds(answer=0.905, margin=0.016, clarify=0.855, question_weight=0.4,
                        classifier=ClassifierRule(probability=0.9, prob_margin=0.0, floor=0.87, clarify=0.855),
                        classifier_data="c871d946ef51ccd7")


Masks = tuple[np.ndarray, np.ndarray]


def by_scores(top1: np.ndarray, top2: np.ndarray, t: Thresholds, two_options: np.ndarray | bool = True) -> Masks:
    """(answered, clarified) from the best and second-best entry score."""
    top1, top2 = np.asarray(top1), np.asarray(top2)
    answered = (top1 >= t.answer) & (top1 - top2 >= t.margin)
    clarified = ~answered & (top1 >= t.clarify) & two_options
    return answered, clarified


def by_classifier(p1: np.ndarray, p2: np.ndarray, top1: np.ndarray, agree: np.ndarray, rule: ClassifierRule,
                  two_options: np.ndarray | bool = True) -> Masks:
    """(answered, clarified) from the classifier's top two probabilities, the best score, and whether the
    classifier's best entry is also the best-scoring one."""
    p1, p2, top1 = np.asarray(p1), np.asarray(p2), np.asarray(top1)
    answered = (p1 >= rule.probability) & (p1 - p2 >= rule.prob_margin) & (top1 >= rule.floor) & np.asarray(agree)
    clarified = ~answered & (top1 >= rule.clarify) & two_options
    return answered, clarified


def action(answered: np.ndarray, clarified: np.ndarray) -> str:
    """The outcome for one question."""
    return "answer" if bool(np.asarray(answered).item()) else "clarify" if bool(np.asarray(clarified).item()) \
        else "handoff"
