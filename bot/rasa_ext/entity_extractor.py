"""Rasa NLU component: nationality, country, profession, date/deadline and reference entities.

Rule-based over spaCy's blank pipelines (entities/): no model, no training. Placed after the
language detector, whose `language.code` picks the word lists. Dates resolve against today in
the office's time zone (`timezone`, from the site file's staff hours).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.languages import SUPPORTED_LANGUAGES
from bot.rasa_ext.entities.finder import EntityFinder
from bot.rasa_ext.language_detector import LANGUAGE_KEY

EXTRACTOR = "WillkommenEntities"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class EntityExtractorComponent(GraphComponent, EntityExtractorMixin):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"languages": list(SUPPORTED_LANGUAGES), "timezone": "Europe/Berlin"}

    def __init__(self, config: dict[str, Any]) -> None:
        self._finder = EntityFinder.load(config["languages"])
        self._finder.warm_up()
        self._zone = ZoneInfo(str(config["timezone"]))

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> EntityExtractorComponent:
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        today = dt.datetime.now(self._zone).date()
        for message in messages:
            language = (message.get(LANGUAGE_KEY) or {}).get("code")
            found = self._finder.find(message.get(TEXT) or "", language, today)
            if found:
                entities = [*(message.get(ENTITIES) or []), *(f.as_rasa(EXTRACTOR) for f in found)]
                message.set(ENTITIES, entities, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
