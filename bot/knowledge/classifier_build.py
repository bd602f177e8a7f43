"""Train retrieval's classifier into the index folder when the index is built (`python -m bot.knowledge build`).

Deterministic: the same index and the same calibration questions give the same classifier, the
one `decision.CALIBRATED` was chosen for (its `classifier_data` fingerprint). Kept until the
index's texts (example questions, answers), the embedder or the calibration questions change.
Without ../shared/data it is not built and retrieval decides by the scores alone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bot.knowledge.calibration_data import CalibrationDataMissing, Query, calibration_queries, fingerprint
from bot.knowledge.classifier import CLASSIFIER_FILE_NAME, EntryClassifier, TrainingSet, cross_fit
from bot.knowledge.index import embed_cached
from bot.knowledge.retrieval import Retriever
from bot.paths import SHARED_DATA


def train(retriever: Retriever, queries: list[Query], vectors: np.ndarray) -> tuple[EntryClassifier, np.ndarray]:
    """The cross-fitted ensemble on the index rows plus the queries, and each query's held-out probabilities."""
    entry_ids = retriever.entry_ids
    position = {entry_id: k for k, entry_id in enumerate(entry_ids)}
    base = TrainingSet(retriever.vectors, retriever.row_entry_positions, np.ones(len(retriever.vectors), np.float32))
    classifier, held_out = cross_fit(base, vectors, [sorted(position[e] for e in q.acceptable) for q in queries],
                                     [q.fold_group for q in queries], entry_ids, retriever.embedder.name,
                                     fingerprint(queries, entry_ids))
    classifier.index = retriever.manifest["content_hash"]
    return classifier, held_out


def is_current(classifier: EntryClassifier | None, retriever: Retriever, calibration: str) -> bool:
    """Trained on these calibration questions and on the index's present texts (new example
    questions or answers: retrained, even when the entries stay the same)."""
    return (classifier is not None and classifier.fits(retriever.entry_ids, retriever.embedder.name, calibration)
            and classifier.index == retriever.manifest["content_hash"])


def build_classifier(index_dir: Path, shared: Path = SHARED_DATA) -> str:
    """What happened, for the build log."""
    retriever = Retriever(index_dir)
    try:
        queries = calibration_queries(shared)
    except CalibrationDataMissing as exc:
        return f"classifier: not built ({exc}); retrieval decides by the scores alone"
    wanted = fingerprint(queries, retriever.entry_ids)
    path = index_dir / CLASSIFIER_FILE_NAME
    current = EntryClassifier.load(path)
    if is_current(current, retriever, wanted):
        return f"classifier: up to date ({wanted})"
    vectors = embed_cached([q.text for q in queries], index_dir, retriever.manifest["embedder"])
    classifier, _ = train(retriever, queries, vectors)
    classifier.save(path)
    return f"classifier: trained on {len(queries)} calibration questions ({wanted})"
