from rasa_sdk.events import SlotSet

from actions.language import ActionSwitchLanguage, requested_language
from actions.smalltalk import ActionFeedback, ActionGreet, ActionOutOfScope, ActionSmalltalk
from bot import i18n
from tests.actions.conftest import detected, envelopes, make_tracker

PERSON = {"title": None, "payload": "/request_human"}


def person(language: str) -> dict:
    return {**PERSON, "title": i18n.text("talk_to_person", language)}


async def test_greeting_in_german_discloses_the_bot_and_offers_a_person(dispatcher, services) -> None:
    tracker = make_tracker("Hallo", "greet", language=detected("de"), greeted=False)
    events = await ActionGreet(services).run(dispatcher, tracker, {})
    assert events == [SlotSet("greeted", True), SlotSet("language", "de")]
    text = "\n\n".join(i18n.text(k, "de") for k in ("greeting", "privacy_notice", "ask_anything"))
    assert envelopes(dispatcher) == [{"envelope": {
        "kind": "info", "text": text, "language": "de", "topic": None, "kb_id": None, "confidence": None,
        "sources": [], "buttons": [person("de")], "ticket": None}}]


async def test_greeting_in_arabic_answers_in_arabic(dispatcher, services) -> None:
    tracker = make_tracker("مرحبا", "greet", language=detected("ar"), greeted=False)
    events = await ActionGreet(services).run(dispatcher, tracker, {})
    assert events == [SlotSet("greeted", True), SlotSet("language", "ar")]
    [payload] = envelopes(dispatcher)
    assert payload["envelope"]["language"] == "ar"
    assert payload["envelope"]["text"].startswith(i18n.text("greeting", "ar"))


async def test_a_first_message_that_is_a_question_still_gets_the_introduction(dispatcher, services) -> None:
    tracker = make_tracker("Is there a bot challenge?", "bot_challenge", language=detected("en", 5), greeted=False)
    events = await ActionSmalltalk(services).run(dispatcher, tracker, {})
    first, second = envelopes(dispatcher)
    assert first["envelope"]["text"].startswith(i18n.text("greeting", "en"))
    assert i18n.text("privacy_notice", "en") in first["envelope"]["text"]
    assert second["envelope"]["text"] == i18n.text("bot_challenge", "en")
    assert events[0] == SlotSet("greeted", True)


async def test_a_later_greeting_introduces_again(dispatcher, services) -> None:
    await ActionGreet(services).run(dispatcher, make_tracker("Hallo nochmal", "greet", slot_language="de"), {})
    [payload] = envelopes(dispatcher)
    assert payload["envelope"]["text"].startswith(i18n.text("greeting", "de"))


async def test_conversation_language_is_kept_for_a_short_word(dispatcher, services) -> None:
    tracker = make_tracker("thanks", "thank", language=detected("en"), slot_language="de")
    events = await ActionSmalltalk(services).run(dispatcher, tracker, {})
    assert events == []  # the slot stays German
    assert envelopes(dispatcher)[0]["envelope"]["text"] == i18n.text("thanks_reply", "de")
    assert envelopes(dispatcher)[0]["envelope"]["kind"] == "smalltalk"


async def test_bot_challenge_offers_a_person(dispatcher, services) -> None:
    tracker = make_tracker("bist du ein bot?", "bot_challenge", slot_language="de")
    await ActionSmalltalk(services).run(dispatcher, tracker, {})
    [payload] = envelopes(dispatcher)
    assert payload["envelope"]["text"] == i18n.text("bot_challenge", "de")
    assert payload["envelope"]["buttons"] == [person("de")]


async def test_negative_feedback_offers_a_person(dispatcher, services) -> None:
    tracker = make_tracker("das hilft nicht", "feedback_negative", slot_language="de")
    events = await ActionFeedback(services).run(dispatcher, tracker, {})
    [payload] = envelopes(dispatcher)
    assert payload["envelope"]["kind"] == "handoff_offer"
    assert payload["envelope"]["buttons"] == [person("de")]
    assert events == [SlotSet("negative_feedback", 1.0)]


async def test_second_negative_feedback_hands_off(dispatcher, services) -> None:
    tracker = make_tracker("wieder falsch", "feedback_negative", slot_language="de")
    tracker.slots["negative_feedback"] = 1.0
    events = await ActionFeedback(services).run(dispatcher, tracker, {})
    [payload] = envelopes(dispatcher)
    assert set(payload) == {"handoff"} and payload["handoff"]["reason"] == "negative_feedback"
    assert events == [SlotSet("negative_feedback", 0.0)]


async def test_out_of_scope_says_what_the_bot_can_do(dispatcher, services) -> None:
    tracker = make_tracker("tell me a joke", "out_of_scope", slot_language="en")
    events = await ActionOutOfScope(services).run(dispatcher, tracker, {})
    [payload] = envelopes(dispatcher)
    assert payload["envelope"]["kind"] == "out_of_scope"
    assert payload["envelope"]["text"] == i18n.text("out_of_scope", "en")
    assert payload["envelope"]["buttons"] == [person("en")]
    assert events == [SlotSet("out_of_scope_turns", 1.0)]


async def test_second_out_of_scope_turn_hands_off(dispatcher, services) -> None:
    tracker = make_tracker("and another joke", "out_of_scope", slot_language="en")
    tracker.slots["out_of_scope_turns"] = 1.0
    await ActionOutOfScope(services).run(dispatcher, tracker, {})
    [payload] = envelopes(dispatcher)
    assert set(payload) == {"handoff"} and payload["handoff"]["reason"] == "out_of_scope"


async def test_switch_language_by_name(dispatcher, services) -> None:
    tracker = make_tracker("Können wir auf Englisch weitermachen?", "switch_language",
                           language=detected("de", words=5), slot_language="de")
    events = await ActionSwitchLanguage(services).run(dispatcher, tracker, {})
    assert events == [SlotSet("language", "en")]
    [payload] = envelopes(dispatcher)
    assert payload["envelope"]["language"] == "en"
    assert payload["envelope"]["text"] == i18n.text("language_switched", "en", language="English")


async def test_switch_language_by_button(dispatcher, services) -> None:
    tracker = make_tracker('/switch_language{"language_choice": "fa"}', "switch_language", slot_language="de",
                           entities=[{"entity": "language_choice", "value": "fa"}])
    events = await ActionSwitchLanguage(services).run(dispatcher, tracker, {})
    assert events == [SlotSet("language", "fa"), SlotSet("language", "fa")]
    assert envelopes(dispatcher)[0]["envelope"]["language"] == "fa"


async def test_switch_language_without_a_name_asks_with_buttons(dispatcher, services) -> None:
    tracker = make_tracker("andere Sprache bitte", "switch_language", language=detected("de", 3), slot_language="de")
    assert await ActionSwitchLanguage(services).run(dispatcher, tracker, {}) == []
    [payload] = envelopes(dispatcher)
    assert payload["envelope"]["text"] == i18n.text("language_prompt", "de")
    assert [b["payload"] for b in payload["envelope"]["buttons"]][:2] == [
        '/switch_language{"language_choice": "de"}', '/switch_language{"language_choice": "en"}']


def test_requested_language_in_several_languages() -> None:
    assert requested_language("auf Deutsch bitte") == "de"
    assert requested_language("Türkçe konuşabilir miyiz?") == "tr"
    assert requested_language("можно по-русски? на русском") == "ru"
    assert requested_language("لطفا فارسی بنویسید") == "fa"
    assert requested_language("no language named here") is None
    assert requested_language("English or French?") is None  # two named: ask
