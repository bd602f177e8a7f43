"""Rasa NLU component: adds `language` ({code, confidence, method, reliable}) to every parse.

The result lands in the parse data of each user message, so the tracker (policies) and the
action server (`tracker.latest_message["language"]`) both see it.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.languages import SUPPORTED_LANGUAGES
from bot.rasa_ext.language_detection import LanguageDetector

LANGUAGE_KEY = "language"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class LanguageDetectorComponent(GraphComponent):
    """Detects the message language among the supported ones (lingua + short-text rules)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # preload_models: ~100 MB more resident memory for steadier first-message latency
        return {"languages": list(SUPPORTED_LANGUAGES), "min_confidence": 0.6, "preload_models": False}

    # No required_packages(): Rasa imports the names as modules *and* looks them up as
    # distributions, and lingua's differ ("lingua" vs "lingua-language-detector").
    # A missing lingua fails clearly in __init__ instead.

    def __init__(self, config: dict[str, Any]) -> None:
        self._detector = LanguageDetector(tuple(config["languages"]), float(config["min_confidence"]),
                                          preload=bool(config["preload_models"]))
        self._detector.warm_up()

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> LanguageDetectorComponent:
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            detection = self._detector.detect(message.get(TEXT) or "")
            message.set(LANGUAGE_KEY, detection.as_dict(), add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
