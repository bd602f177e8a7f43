"""What the person said about themselves changes the answer: free movement first for EU, EEA and
Swiss citizens, the competent body for a profession, a question when it is ambiguous, and a
person at once for one's own file number or a deadline that is close or passed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from actions.facts import Case, profession_labels
from actions.handoff import ActionHandoffToStaff
from actions.knowledge import ActionAnswerQuestion
from actions.smalltalk import ActionGreet
from tests.actions.conftest import envelopes, make_tracker


def entity(name: str, value: str) -> dict[str, Any]:
    return {"entity": name, "value": value, "extractor": "WillkommenEntities"}


def chosen(kb_id: str, language: str, **slots: Any) -> Any:
    """A button for an entry pressed, with what the slots hold from earlier turns."""
    return make_tracker(f'/ask_question{{"kb_id": "{kb_id}"}}', "ask_question", slot_language=language,
                        entities=[entity("kb_id", kb_id)], slots=slots)


async def test_an_eu_citizen_asking_about_a_permit_gets_free_movement_first(dispatcher, services) -> None:
    tracker = chosen("residence-permit-extension", "de", nationality="IT")
    await ActionAnswerQuestion(services).run(dispatcher, tracker, {})
    answer = envelopes(dispatcher)[0]["envelope"]
    assert answer["kb_id"] == "eu-free-movement"
    assert answer["text"].startswith("Als EU-Bürgerin oder EU-Bürger")


async def test_eea_and_swiss_citizens_are_told_which_rule_applies(dispatcher, services) -> None:
    await ActionAnswerQuestion(services).run(dispatcher, chosen("eu-blue-card", "en", nationality="NO"), {})
    await ActionAnswerQuestion(services).run(dispatcher, chosen("eu-blue-card", "en", nationality="CH"), {})
    norway, swiss = (e["envelope"] for e in envelopes(dispatcher) if e["envelope"]["kind"] == "answer")
    assert "Iceland, Liechtenstein or Norway" in norway["text"] and norway["kb_id"] == "eu-free-movement"
    assert "Swiss citizen" in swiss["text"]


async def test_third_country_and_german_citizens_get_the_entry_itself(dispatcher, services) -> None:
    for nationality in ("SY", "DE", "GB"):
        await ActionAnswerQuestion(services).run(dispatcher, chosen("eu-blue-card", "en", nationality=nationality), {})
    answers = [e["envelope"] for e in envelopes(dispatcher) if e["envelope"]["kind"] == "answer"]
    assert [a["kb_id"] for a in answers] == ["eu-blue-card"] * 3


async def test_naturalisation_is_answered_as_asked_even_for_an_eu_citizen(dispatcher, services) -> None:
    await ActionAnswerQuestion(services).run(dispatcher, chosen("naturalisation", "en", nationality="IT"), {})
    assert envelopes(dispatcher)[0]["envelope"]["kb_id"] == "naturalisation"


async def test_an_ambiguous_nationality_is_asked_about_with_a_button_per_reading(dispatcher, services) -> None:
    await ActionAnswerQuestion(services).run(dispatcher, chosen("eu-blue-card", "en", nationality="KR|KP"), {})
    [ask] = envelopes(dispatcher)
    buttons = ask["envelope"]["buttons"]
    assert ask["envelope"]["kind"] == "clarify" and ask["envelope"]["text"].startswith("Which citizenship")
    assert [b["payload"] for b in buttons[:2]] == ['/ask_question{"kb_id": "eu-blue-card", "nationality": "KR"}',
                                                   '/ask_question{"kb_id": "eu-blue-card", "nationality": "KP"}']
    assert [b["title"] for b in buttons[:2]] == ["Südkorea", "Nordkorea"]


async def test_recognition_names_the_body_competent_for_the_profession(dispatcher, services) -> None:
    tracker = chosen("where-to-apply-recognition", "en", profession="nurse")
    await ActionAnswerQuestion(services).run(dispatcher, tracker, {})
    answer, referral = (e["envelope"] for e in envelopes(dispatcher))
    assert answer["kind"] == "answer"
    assert referral["kind"] == "referral"
    assert referral["text"].startswith(f"For your profession ({profession_labels('en')['nurse']}), "
                                       "Landesamt für Gesundheitsfachberufe Musterland")
    assert "+49 30 23125 710" in referral["text"]


async def test_without_a_profession_the_entry_refers_as_before(dispatcher, services) -> None:
    await ActionAnswerQuestion(services).run(dispatcher, chosen("where-to-apply-recognition", "en"), {})
    referral = envelopes(dispatcher)[1]["envelope"]
    assert "Anerkennung in Deutschland" in referral["text"]


async def test_an_ambiguous_profession_is_asked_about(dispatcher, services) -> None:
    tracker = chosen("where-to-apply-recognition", "de", profession="physiotherapist|psychotherapist")
    await ActionAnswerQuestion(services).run(dispatcher, tracker, {})
    [ask] = envelopes(dispatcher)
    labels = profession_labels("de")
    titles = [b["title"] for b in ask["envelope"]["buttons"][:2]]
    assert titles == [labels["physiotherapist"], labels["psychotherapist"]]


async def test_a_file_number_makes_a_personal_case_with_the_number_on_the_ticket(dispatcher, services) -> None:
    tracker = make_tracker("What is the status of my application ABH-2024-12345?", "ask_question", slot_language="en",
                           entities=[entity("reference", "ABH-2024-12345")],
                           slots={"reference": "ABH-2024-12345", "nationality": "SY"})
    await ActionAnswerQuestion(services).run(dispatcher, tracker, {})
    payloads = envelopes(dispatcher)
    handoff = payloads[-1]["handoff"]
    assert handoff["reason"] == "personal_case"
    assert handoff["facts"]["reference"] == "ABH-2024-12345"
    assert handoff["facts"]["nationality_status"] == "third"
    assert payloads[-2]["envelope"]["text"].startswith("Questions about your own file")


async def test_a_passed_deadline_hands_off_urgently_with_the_date(dispatcher, services) -> None:
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    tracker = make_tracker("Mein Aufenthaltstitel ist seit gestern abgelaufen", "ask_question", slot_language="de",
                           entities=[entity("deadline", yesterday)], slots={"deadline": yesterday})
    await ActionAnswerQuestion(services).run(dispatcher, tracker, {})
    handoff = envelopes(dispatcher)[-1]["handoff"]
    assert (handoff["reason"], handoff["urgent"], handoff["facts"]["deadline"]) == ("deadline", True, yesterday)


async def test_a_far_deadline_changes_nothing_but_is_on_a_later_ticket(dispatcher, services) -> None:
    later = (dt.date.today() + dt.timedelta(days=60)).isoformat()
    tracker = make_tracker("I want to talk to someone", "request_human", slot_language="en",
                           slots={"deadline": later, "profession": "nurse"})
    await ActionHandoffToStaff(services).run(dispatcher, tracker, {})
    handoff = envelopes(dispatcher)[0]["handoff"]
    assert handoff["urgent"] is False
    assert handoff["facts"] == {"nationality": None, "nationality_status": None, "country": None,
                                "profession": "nurse", "competent_body": "landesamt_gesundheitsberufe",
                                "deadline": later, "reference": None,
                                    "personal_case": None, "detected_language": None}


def test_a_deadline_within_14_days_or_passed_is_urgent() -> None:
    today = dt.date(2026, 12, 4)
    def case(deadline: dt.date | None) -> Case:
        return Case(None, None, None, deadline, None)
    assert case(dt.date(2026, 12, 18)).urgent(today) and case(dt.date(2020, 1, 1)).urgent(today)
    assert not case(dt.date(2026, 12, 19)).urgent(today) and not case(None).urgent(today)


async def test_a_file_number_hands_off_whatever_the_intent(dispatcher, services) -> None:
    tracker = make_tracker("hello, W-004711", "greet", slot_language="en",
                           entities=[entity("reference", "W-004711")], slots={"reference": "W-004711"})
    await ActionGreet(services).run(dispatcher, tracker, {})
    assert envelopes(dispatcher)[-1]["handoff"]["facts"]["reference"] == "W-004711"
