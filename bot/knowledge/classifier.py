"""Which entry answers a question, as probabilities: a softmax classifier over e5 question vectors.

Cosine similarity alone ranks well but separates poorly: many right answers trail a neighbour by
a hair, and the margin rule turns them into clarifications. This classifier is trained on the
entries' own example questions and answers plus the calibration questions (the written
calibration half and the OMoS-QA train split, `bot/knowledge/evaluate.py`), with one more class,
NONE, for questions no entry answers (uncovered, out-of-scope, local questions of other cities).
Retrieval answers only when the classifier is sure *and* agrees with the cosine ranking
(`retrieval.decide_with_classifier`).

It is trained when the index is built (`classifier_build.py`, `classifier.npz` in the index
folder under build/), as an ensemble of the cross-fitted fold models, and used only while it was
trained for the index's entries and embedder on the calibration data that the thresholds in
`decision.CALIBRATED` were chosen for; otherwise retrieval falls back to the cosine rule.
numpy only: a network with one hidden layer (ReLU) and a softmax output, L2, full-batch Adam,
seeded per fold, so deterministic. It replaced multinomial logistic regression (decision 47): with
the same index, calibration questions and budget it answered held-out paraphrases directly 63.8%
instead of 53.5% of the time, and the fresh questions 75.2% instead of 70.1%.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CLASSIFIER_FILE_NAME = "classifier.npz"  # in the index folder
MODEL_KEYS = ("mean", "std", "W1", "b1", "W2", "b2")
FOLDS = 5
HIDDEN = 256
L2 = 0.001
STEPS = 300
LEARNING_RATE = 0.003
# part of the calibration fingerprint: thresholds chosen for one model do not carry over to another
MODEL = f"relu{HIDDEN}-l2:{L2}-steps:{STEPS}-lr:{LEARNING_RATE}-folds:{FOLDS}"


@dataclass(frozen=True)
class TrainingSet:
    vectors: np.ndarray  # (n, d) L2-normalised e5 question vectors
    labels: np.ndarray  # (n,) class index; len(entry_ids) is NONE
    weights: np.ndarray  # (n,) sample weights


def train_network(data: TrainingSet, n_classes: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Weighted softmax classification through one ReLU hidden layer, on standardised features."""
    rng = np.random.default_rng(seed)
    mean = data.vectors.mean(0)
    std = (data.vectors - mean).std(0) + 1e-6
    features = ((data.vectors - mean) / std).astype(np.float32)
    n, dim = features.shape
    targets = np.zeros((n, n_classes), np.float32)
    targets[np.arange(n), data.labels] = 1
    weights = (data.weights / data.weights.sum()).astype(np.float32)[:, None]
    params = [(rng.standard_normal((dim, HIDDEN)) * np.sqrt(2 / dim)).astype(np.float32),
              np.zeros(HIDDEN, np.float32), np.zeros((HIDDEN, n_classes), np.float32), np.zeros(n_classes, np.float32)]
    moments = [[np.zeros_like(p), np.zeros_like(p)] for p in params]
    for step in range(1, STEPS + 1):
        before = features @ params[0] + params[1]
        hidden = np.maximum(before, 0)
        error = (_softmax(hidden @ params[2] + params[3]) - targets) * weights
        back = (error @ params[2].T) * (before > 0)
        gradients = [features.T @ back + L2 * params[0], back.sum(0), hidden.T @ error + L2 * params[2], error.sum(0)]
        for param, gradient, (first, second) in zip(params, gradients, moments, strict=True):
            first[:] = 0.9 * first + 0.1 * gradient
            second[:] = 0.999 * second + 0.001 * gradient * gradient
            param -= LEARNING_RATE * (first / (1 - 0.9 ** step)) / (np.sqrt(second / (1 - 0.999 ** step)) + 1e-8)
    return {"mean": mean.astype(np.float32), "std": std.astype(np.float32),
            "W1": params[0], "b1": params[1], "W2": params[2], "b2": params[3]}


def forward(model: dict[str, np.ndarray], vectors: np.ndarray) -> np.ndarray:
    hidden = np.maximum(((vectors - model["mean"]) / model["std"]) @ model["W1"] + model["b1"], 0)
    return _softmax(hidden @ model["W2"] + model["b2"])


def _softmax(logits: np.ndarray) -> np.ndarray:
    logits = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=-1, keepdims=True)


def fold_of(group: str) -> int:
    """Stable fold of a group of queries (all translations of one question share a group)."""
    return hashlib.sha256(group.encode()).digest()[1] % FOLDS


@dataclass
class EntryClassifier:
    entry_ids: list[str]  # class i < len(entry_ids); the last class is NONE
    embedder: str
    models: list[dict[str, np.ndarray]]  # the fold models; probabilities are their mean
    data: str = ""  # fingerprint of the calibration questions it was trained on (calibration_data.py)
    index: str = ""  # content hash of the index whose rows it was trained on: retrained when they change

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """(n, entries + 1) class probabilities; the last column is NONE."""
        vectors = np.atleast_2d(vectors)
        return np.mean([forward(model, vectors) for model in self.models], axis=0)

    def fits(self, entry_ids: list[str], embedder: str, data: str | None) -> bool:
        return list(entry_ids) == self.entry_ids and embedder == self.embedder and data == self.data

    def save(self, path: Path) -> None:
        arrays = {f"{key}_{i}": value for i, model in enumerate(self.models) for key, value in model.items()}
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, entry_ids=np.array(self.entry_ids), embedder=np.array(self.embedder),
                            folds=np.array(len(self.models)), data=np.array(self.data), index=np.array(self.index),
                            **arrays)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: Path) -> EntryClassifier | None:
        if not path.exists():
            return None
        with np.load(path) as data:
            if "W1_0" not in data:  # a linear model of before decision 47: built again
                return None
            models = [{key: data[f"{key}_{i}"] for key in MODEL_KEYS} for i in range(int(data["folds"]))]
            fingerprint = str(data["data"]) if "data" in data else ""
            index = str(data["index"]) if "index" in data else ""
            return cls([str(x) for x in data["entry_ids"]], str(data["embedder"]), models, fingerprint, index)


def expand(vectors: np.ndarray, targets: list[list[int]], none: int) -> tuple[TrainingSet, np.ndarray]:
    """One training row per (query, acceptable entry), weighted 1/len(acceptable); NONE if there is none.

    Also returns, per row, the index of its query."""
    owners = [i for i, t in enumerate(targets) for _ in (t or [none])]
    labels = [label for t in targets for label in (t or [none])]
    weights = [1.0 / len(t or [none]) for t in targets for _ in (t or [none])]
    rows = np.array(owners, dtype=int)
    return TrainingSet(vectors[rows], np.array(labels, dtype=int), np.array(weights, dtype=np.float32)), rows


def cross_fit(base: TrainingSet, vectors: np.ndarray, targets: list[list[int]], groups: list[str],
              entry_ids: list[str], embedder: str, fingerprint: str = "") -> tuple[EntryClassifier, np.ndarray]:
    """Train one model per fold on `base` (the index rows) plus the queries of the other folds.

    `targets[i]`: the classes (entry indexes) that answer query i, empty for none. Returns the
    ensemble of the fold models and, for every query, the probabilities of the model that did not
    see it: honest scores to fit thresholds on."""
    folds = np.array([fold_of(group) for group in groups])
    queries, owner = expand(vectors, targets, len(entry_ids))
    held_out = np.zeros((len(groups), len(entry_ids) + 1), np.float32)
    models = []
    for fold in range(FOLDS):
        train = folds[owner] != fold
        data = TrainingSet(np.concatenate([base.vectors, queries.vectors[train]]),
                           np.concatenate([base.labels, queries.labels[train]]),
                           np.concatenate([base.weights, queries.weights[train]]))
        model = train_network(data, len(entry_ids) + 1, seed=fold)
        models.append(model)
        held_out[folds == fold] = EntryClassifier(entry_ids, embedder, [model]).probabilities(vectors[folds == fold])
    return EntryClassifier(entry_ids, embedder, models, fingerprint), held_out
