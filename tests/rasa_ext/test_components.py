"""The NLU components as Rasa runs them: on Rasa's Message objects, inside Rasa's environment."""

import pytest

pytest.importorskip("rasa", reason="runs under Rasa's Python 3.10 environment (.venv-rasa)")

from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT  # noqa: E402
from rasa.shared.nlu.training_data.message import Message  # noqa: E402

from bot.rasa_ext.emergency_detector import EMERGENCY_INTENT, EmergencyDetectorComponent  # noqa: E402
from bot.rasa_ext.language_detector import LANGUAGE_KEY, LanguageDetectorComponent  # noqa: E402


def message(text: str, intent: str = "ask_question") -> Message:
    return Message(data={TEXT: text, INTENT: {"name": intent, "confidence": 0.7},
                         INTENT_RANKING_KEY: [{"name": intent, "confidence": 0.7}]})


def test_an_emergency_phrase_overrides_the_classifier() -> None:
    [result] = EmergencyDetectorComponent().process([message("Mein Mann schlägt mich")])
    assert result.get(INTENT) == {"name": EMERGENCY_INTENT, "confidence": 1.0}
    assert result.get("emergency") == {"category": "violence", "language": "de"}
    assert result.get(INTENT_RANKING_KEY)[0]["name"] == EMERGENCY_INTENT


def test_an_ordinary_question_keeps_its_intent() -> None:
    [result] = EmergencyDetectorComponent().process([message("Wie melde ich meine Wohnung an?")])
    assert result.get(INTENT)["name"] == "ask_question" and result.get("emergency") is None


def test_every_parse_gets_the_language() -> None:
    component = LanguageDetectorComponent(LanguageDetectorComponent.get_default_config())
    [german, arabic] = component.process([message("Guten Tag, ich brauche Hilfe"), message("مرحبا")])
    assert german.get(LANGUAGE_KEY)["code"] == "de" and arabic.get(LANGUAGE_KEY)["code"] == "ar"
