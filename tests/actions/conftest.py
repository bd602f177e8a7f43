from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.services import ActionServices, ActionSettings, start_services
from tests.support.knowledge import KNOWLEDGE, SITE, built_index


def make_tracker(text: str, intent: str, *, language: dict[str, Any] | None = None, slot_language: str | None = None,
                 entities: list[dict[str, Any]] | None = None, metadata: dict[str, Any] | None = None,
                 greeted: bool = True, slots: dict[str, Any] | None = None) -> Tracker:
    """A tracker as the action server receives it from Rasa after one user message.

    `greeted=False` is the first contact: the bot has not introduced itself yet."""
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.99}, "entities": entities or [],
              "metadata": metadata or {}}
    if language is not None:
        latest["language"] = language
    return Tracker(sender_id="test-conversation",
                   slots={"language": slot_language, "greeted": greeted, **(slots or {})},
                   latest_message=latest,
                   events=[], paused=False, followup_action=None, active_loop={},
                   latest_action_name="action_listen")


def button_choice(kb_id: str, language: str) -> Tracker:
    """The person pressed the button of a knowledge-base entry (offered in a clarification)."""
    return make_tracker(f'/ask_question{{"kb_id": "{kb_id}"}}', "ask_question", slot_language=language,
                        entities=[{"entity": "kb_id", "value": kb_id}])


def detected(code: str, words: int = 1) -> dict[str, Any]:
    return {"code": code, "confidence": 0.95, "method": "lexicon", "reliable": True, "words": words}


def envelopes(dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
    """The custom payloads sent, failing if anything else was sent."""
    for message in dispatcher.messages:
        assert message["text"] is None and message["buttons"] == [], message
    return [message["custom"] for message in dispatcher.messages]


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture(scope="session")
def services() -> ActionServices:
    """What the action server builds at start, with the real knowledge base, loaded."""
    settings = ActionSettings(knowledge_dir=KNOWLEDGE, site_file=SITE, kb_index_dir=built_index())
    services = start_services(settings, load_index=False)
    services.knowledge.start().join()
    return services
