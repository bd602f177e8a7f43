"""Find the entry that answers a question, and decide: answer, clarify or hand off.

Scores: an entry's score mixes two cosine similarities of the question, in any language:
with its closest example question, and with its closest answer text (embedded as a passage).
Answers cover angles the examples miss; examples match the way people ask. The mix weight and
the thresholds live in `thresholds.json` beside this file, written by the calibration
(`make eval-kb ARGS=--calibrate`); reports/kb/ holds the numbers that justified them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from bot.knowledge.embedders import get_embedder
from bot.knowledge.index import DEFAULT_INDEX_DIR

THRESHOLDS_FILE = Path(__file__).with_name("thresholds.json")


@dataclass(frozen=True)
class Thresholds:
    answer: float  # best score at or above: answer ...
    margin: float  # ... if the runner-up trails by at least this much, else clarify
    clarify: float  # best score at or above (and below `answer`): offer the top two
    question_weight: float = 0.3  # entry score = w * best example question + (1 - w) * best answer

    @classmethod
    def load(cls, path: Path = THRESHOLDS_FILE) -> Thresholds:
        data = json.loads(path.read_text())
        return cls(answer=data["answer"], margin=data["margin"], clarify=data["clarify"],
                   question_weight=data.get("question_weight", 0.3))


@dataclass(frozen=True)
class Candidate:
    entry_id: str
    score: float


@dataclass(frozen=True)
class Decision:
    action: Literal["answer", "clarify", "handoff"]
    candidates: tuple[Candidate, ...]  # best first, at most three


def decide(candidates: list[Candidate], thresholds: Thresholds) -> Decision:
    top = tuple(candidates[:3])
    if not top or top[0].score < thresholds.clarify:
        return Decision("handoff", top)
    runner_up = top[1].score if len(top) > 1 else 0.0
    if top[0].score >= thresholds.answer and top[0].score - runner_up >= thresholds.margin:
        return Decision("answer", top)
    if len(top) == 1:
        return Decision("answer" if top[0].score >= thresholds.answer else "handoff", top)
    return Decision("clarify", top)


class Retriever:
    """Holds the index in memory; `reload_if_changed()` picks up a rebuilt index."""

    def __init__(self, index_dir: Path = DEFAULT_INDEX_DIR, thresholds: Thresholds | None = None) -> None:
        self.index_dir = index_dir
        self.thresholds = thresholds or Thresholds.load()
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
        self._entry_pos = np.searchsorted(self.entry_ids, row_entries)
        self._is_answer = np.array([row["kind"] == "answer" for row in rows])
        self.embedder = get_embedder(manifest["embedder"])
        self.manifest = manifest
        self._manifest_mtime = mtime
        return True

    def entry_scores(self, question: str, vector: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Per entry (in `entry_ids` order): best example-question and best answer similarity.

        `vector`: the question's embedding when the caller already has it from the same embedder."""
        if vector is None:
            vector = self.embedder.embed([question])[0]
        row_scores = self.vectors @ vector
        best = np.full((2, len(self.entry_ids)), -1.0, dtype=np.float32)
        for kind, mask in enumerate((~self._is_answer, self._is_answer)):
            np.maximum.at(best[kind], self._entry_pos[mask], row_scores[mask])
        return best[0], best[1]

    def search(self, question: str, vector: np.ndarray | None = None) -> list[Candidate]:
        by_question, by_answer = self.entry_scores(question, vector)
        w = self.thresholds.question_weight
        entry_scores = w * by_question + (1 - w) * by_answer
        order = np.argsort(-entry_scores)
        return [Candidate(self.entry_ids[i], round(float(entry_scores[i]), 4)) for i in order]

    def decide(self, question: str, vector: np.ndarray | None = None) -> Decision:
        return decide(self.search(question, vector), self.thresholds)
