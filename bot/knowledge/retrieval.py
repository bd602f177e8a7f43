"""Find the entry that answers a question, and decide: answer, clarify or hand off.

Scores: an entry's score mixes two cosine similarities of the question, in any language:
with its closest example question, and with its closest answer text (embedded as a passage).
Answers cover angles the examples miss; examples match the way people ask. The mix weight and
the thresholds are `decision.CALIBRATED`; reports/kb/ holds the numbers that justified them.

When the classifier built with the index (`classifier.py`) is the one the thresholds were chosen
for, it decides with the scores: answer only when it is sure and picks the same entry as the
scores; its top two are the options of a clarification. Otherwise the scores decide alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from bot.knowledge.classifier import CLASSIFIER_FILE_NAME, EntryClassifier
from bot.knowledge.decision import CALIBRATED, ClassifierRule, Thresholds, action, by_classifier, by_scores
from bot.knowledge.embedders import get_embedder


@dataclass(frozen=True)
class Candidate:
    entry_id: str
    score: float  # the entry's similarity score
    probability: float | None = None  # the classifier's, when it decided


@dataclass(frozen=True)
class Decision:
    action: Literal["answer", "clarify", "handoff"]
    candidates: tuple[Candidate, ...]  # best first, at most three


def decide(candidates: list[Candidate], thresholds: Thresholds) -> Decision:
    """By the scores alone (no classifier fits the index): `candidates` best first."""
    top = tuple(candidates[:3])
    if not top:
        return Decision("handoff", top)
    answered, clarified = by_scores(np.array(top[0].score), np.array(top[1].score if len(top) > 1 else 0.0),
                                    thresholds, two_options=len(top) > 1)
    return Decision(action(answered, clarified), top)  # type: ignore[arg-type]


def decide_with_classifier(scores: np.ndarray, probabilities: np.ndarray, entry_ids: list[str],
                           rule: ClassifierRule) -> Decision:
    """`scores` and `probabilities` (without NONE) per entry, in `entry_ids` order."""
    order = np.argsort(-probabilities)[:3]
    top = tuple(Candidate(entry_ids[i], round(float(scores[i]), 4), round(float(probabilities[i]), 4))
                for i in order)
    runner_up = float(probabilities[order[1]]) if len(order) > 1 else 0.0
    answered, clarified = by_classifier(np.array(probabilities[order[0]]), np.array(runner_up),
                                        np.array(scores.max()), np.array(order[0] == int(np.argmax(scores))), rule,
                                        two_options=len(top) > 1)
    return Decision(action(answered, clarified), top)  # type: ignore[arg-type]


class Retriever:
    """Holds the index in memory; `reload_if_changed()` picks up a rebuilt index."""

    def __init__(self, index_dir: Path, thresholds: Thresholds = CALIBRATED) -> None:
        self.index_dir = index_dir
        self.thresholds = thresholds
        self._manifest_mtime = 0.0
        self.reload_if_changed()

    def reload_if_changed(self) -> bool:
        manifest_path = self.index_dir / "manifest.json"
        mtime = manifest_path.stat().st_mtime
        if mtime == self._manifest_mtime:
            return False
        manifest = json.loads(manifest_path.read_text())
        rows = json.loads((self.index_dir / "rows.json").read_text())
        self.vectors = np.load(self.index_dir / "vectors.npy")
        row_entries = np.array([row["entry_id"] for row in rows])
        self.entry_ids = sorted(set(row_entries.tolist()))
        self.row_entry_positions = np.searchsorted(self.entry_ids, row_entries)  # each row's entry
        self._is_answer = np.array([row["kind"] == "answer" for row in rows])
        self.embedder = get_embedder(manifest["embedder"])
        self.manifest = manifest
        classifier = EntryClassifier.load(self.index_dir / CLASSIFIER_FILE_NAME) if self.thresholds.classifier else None
        fits = classifier is not None and classifier.fits(self.entry_ids, self.embedder.name,
                                                          self.thresholds.classifier_data)
        self.classifier = classifier if fits else None
        self._manifest_mtime = mtime
        return True

    def embed(self, question: str, vector: np.ndarray | None = None) -> np.ndarray:
        """`vector`: the question's embedding when the caller already has it from the same embedder."""
        return self.embedder.embed([question])[0] if vector is None else vector

    def entry_scores(self, question: str, vector: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Per entry (in `entry_ids` order): best example-question and best answer similarity."""
        row_scores = self.vectors @ self.embed(question, vector)
        best = np.full((2, len(self.entry_ids)), -1.0, dtype=np.float32)
        for kind, mask in enumerate((~self._is_answer, self._is_answer)):
            np.maximum.at(best[kind], self.row_entry_positions[mask], row_scores[mask])
        return best[0], best[1]

    def scores(self, question: str, vector: np.ndarray | None = None) -> np.ndarray:
        by_question, by_answer = self.entry_scores(question, vector)
        w = self.thresholds.question_weight
        return w * by_question + (1 - w) * by_answer

    def search(self, question: str, vector: np.ndarray | None = None) -> list[Candidate]:
        entry_scores = self.scores(question, vector)
        order = np.argsort(-entry_scores)
        return [Candidate(self.entry_ids[i], round(float(entry_scores[i]), 4)) for i in order]

    def decide(self, question: str, vector: np.ndarray | None = None) -> Decision:
        if self.classifier is None or self.thresholds.classifier is None:
            return decide(self.search(question, vector), self.thresholds)
        vector = self.embed(question, vector)
        probabilities = self.classifier.probabilities(vector)[0, :-1]
        return decide_with_classifier(self.scores(question, vector), probabilities, self.entry_ids,
                                      self.thresholds.classifier)
