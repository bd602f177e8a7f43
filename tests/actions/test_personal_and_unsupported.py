"""Personal and high-stakes cases go to a person with the general entry as reading; the knowledge
base is asked even when the NLU says small talk or out of scope; a language we do not support is
answered in English, with one line on the supported ones, and named on the ticket."""

from __future__ import annotations

import pytest

from actions.handoff import ActionHandoffToStaff
from actions.knowledge import ActionAnswerQuestion
from actions.replies import READING_BY_CATEGORY
from actions.smalltalk import ActionOutOfScope, ActionSmalltalk
from tests.actions.conftest import envelopes, make_tracker

PORTUGUESE = {"code": None, "confidence": 0.0, "method": "unsupported", "reliable": False, "words": 8,
              "unsupported": "pt", "unsupported_name": "Portuguese"}


@pytest.mark.parametrize(("text", "category", "urgent"), [
    ("Mein Antrag auf Verlängerung wurde abgelehnt, was jetzt?", "refusal", False),
    ("I got a letter about my deportation", "deportation", True),
    ("my residence permit expired yesterday", "expired_permit", True),
    ("Someone stole my passport and my residence card", "lost_documents", False),
])
async def test_a_personal_case_hands_off_with_the_general_entry_to_read(dispatcher, services, text, category,
                                                                        urgent) -> None:
    await ActionAnswerQuestion(services).run(dispatcher, make_tracker(text, "ask_question", slot_language="en"), {})
    sent = envelopes(dispatcher)
    handoff = sent[-1]["handoff"]
    assert handoff["reason"] == "personal_case" and handoff["urgent"] is urgent
    assert handoff["facts"]["personal_case"] == category
    kinds = [p["envelope"]["kind"] for p in sent[:-1]]
    assert kinds[0] == "info" and "answer" in kinds  # the line that says so, then something to read
    assert all(p["envelope"]["kind"] != "clarify" for p in sent[:-1])


async def test_a_personal_case_classed_as_small_talk_still_goes_to_a_person(dispatcher, services) -> None:
    tracker = make_tracker("Danke. Meine Aufenthaltserlaubnis ist gestern abgelaufen", "thank", slot_language="de")
    await ActionSmalltalk(services).run(dispatcher, tracker, {})
    sent = envelopes(dispatcher)
    assert sent[-1]["handoff"]["urgent"] is True
    read = [p["envelope"]["kb_id"] for p in sent[:-1] if p["envelope"]["kind"] == "answer"]
    assert read == [READING_BY_CATEGORY["expired_permit"]]


async def test_a_general_question_on_the_same_topic_is_answered_not_handed_off(dispatcher, services) -> None:
    tracker = make_tracker("How do I extend my residence permit?", "ask_question", slot_language="en")
    await ActionAnswerQuestion(services).run(dispatcher, tracker, {})
    assert all("handoff" not in p for p in envelopes(dispatcher))


@pytest.mark.parametrize("intent", ["out_of_scope", "thank"])
async def test_the_knowledge_base_answers_what_the_nlu_misread(dispatcher, services, intent) -> None:
    text = "Wie melde ich meine Wohnung in Musterstadt an? Was brauche ich für die Anmeldung?"
    assert services.knowledge.wait().retriever.decide(text).action == "answer"
    action = ActionOutOfScope(services) if intent == "out_of_scope" else ActionSmalltalk(services)
    await action.run(dispatcher, make_tracker(text, intent, slot_language="de"), {})
    [answer, *_] = envelopes(dispatcher)
    assert answer["envelope"]["kind"] == "answer" and answer["envelope"]["kb_id"] == "registration-anmeldung"


async def test_real_small_talk_stays_small_talk(dispatcher, services) -> None:
    await ActionSmalltalk(services).run(dispatcher, make_tracker("thanks a lot", "thank", slot_language="en"), {})
    assert [p["envelope"]["kind"] for p in envelopes(dispatcher)] == ["smalltalk"]


async def test_an_unsupported_language_gets_english_one_line_and_a_person(dispatcher, services) -> None:
    tracker = make_tracker("Olá, como posso registar a minha morada na cidade?", "ask_question",
                           language=PORTUGUESE, greeted=False)
    events = await ActionAnswerQuestion(services).run(dispatcher, tracker, {})
    sent = [p["envelope"] for p in envelopes(dispatcher) if "envelope" in p]
    assert {e["language"] for e in sent} == {"en"}
    notice = next(e for e in sent if "Fully supported languages" in e["text"])
    assert "Español" not in notice["text"] or "Deutsch" in notice["text"]
    assert any(b["payload"] == "/request_human" for b in notice["buttons"])
    assert {"event": "slot", "timestamp": None, "name": "unsupported_language", "value": "Portuguese (pt)"} in events
    dispatcher.messages.clear()  # later, on the ticket
    tracker = make_tracker("pessoa por favor", "request_human", slot_language="en",
                           slots={"unsupported_language": "Portuguese (pt)"}, language=PORTUGUESE)
    await ActionHandoffToStaff(services).run(dispatcher, tracker, {})
    assert envelopes(dispatcher)[-1]["handoff"]["facts"]["detected_language"] == "Portuguese (pt)"
    assert not any("Fully supported" in p.get("envelope", {}).get("text", "") for p in envelopes(dispatcher))


async def test_a_clarification_whose_likelier_entry_needs_a_person_hands_off(dispatcher, services) -> None:
    loaded = services.knowledge.wait()

    def doubtful_personal(question: str) -> bool:
        decision = loaded.retriever.decide(question)
        return (decision.action == "clarify" and services.personal.match(question) is None
                and loaded.kb.entries[decision.candidates[0].entry_id].handoff == "always")
    question = next(q for q in ("Ich habe eine Frage zu meinem Antrag", "Frage zu meinem Antrag bei der Behörde",
                                "question about my application", "Antrag Frage", "my file at the office")
                    if doubtful_personal(q))
    await ActionAnswerQuestion(services).run(dispatcher, make_tracker(question, "ask_question", slot_language="de"),
                                             {})
    sent = envelopes(dispatcher)
    assert sent[-1]["handoff"]["reason"] == "personal_case"
    assert [p["envelope"]["kind"] for p in sent[:-1]] == ["info", "answer"]  # no clarification


async def test_an_unsure_greeting_that_nothing_answers_asks_what_they_want(dispatcher, services) -> None:
    tracker = make_tracker("Hello, I am a nurse from India.", "nlu_fallback", slot_language="en")
    tracker.latest_message["intent_ranking"] = [{"name": "nlu_fallback", "confidence": 0.5},
                                                {"name": "greet", "confidence": 0.27},
                                                {"name": "ask_question", "confidence": 0.26}]
    assert services.knowledge.wait().retriever.decide(tracker.latest_message["text"]).action == "handoff"
    await ActionAnswerQuestion(services).run(dispatcher, tracker, {})
    [reply] = envelopes(dispatcher)
    assert reply["envelope"]["kind"] == "smalltalk" and reply["envelope"]["buttons"][0]["payload"] == "/request_human"
    dispatcher.messages.clear()  # the same words read as a question that nothing answers: a person
    tracker.latest_message["intent_ranking"][1]["name"] = "ask_question"
    await ActionAnswerQuestion(services).run(dispatcher, tracker, {})
    assert envelopes(dispatcher)[-1]["handoff"]["reason"] == "no_answer"


async def test_a_handoff_in_the_first_turn_names_the_unsupported_language(dispatcher, services) -> None:
    tracker = make_tracker("Olá, quero falar com uma pessoa", "request_human", language=PORTUGUESE, greeted=False)
    await ActionHandoffToStaff(services).run(dispatcher, tracker, {})
    assert envelopes(dispatcher)[-1]["handoff"]["facts"]["detected_language"] == "Portuguese (pt)"
