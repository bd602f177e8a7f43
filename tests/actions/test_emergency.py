from actions.emergency import ActionEmergency
from bot import i18n
from tests.actions.conftest import detected, envelopes, make_tracker


def emergency_tracker(text: str, category: str | None, language: str):  # type: ignore[no-untyped-def]
    tracker = make_tracker(text, "emergency", language=detected(language, 6))
    if category:
        tracker.latest_message["emergency"] = {"category": category, "language": language}
    return tracker


async def test_violence_in_arabic_shows_police_and_womens_helpline_then_urgent_handoff(dispatcher, services) -> None:
    await ActionEmergency(services).run(dispatcher, emergency_tracker("زوجي يضربني", "violence", "ar"), {})
    notice, handoff = envelopes(dispatcher)
    assert (notice["envelope"]["kind"], notice["envelope"]["language"]) == ("emergency", "ar")
    lines = notice["envelope"]["text"].splitlines()
    assert lines[0] == i18n.text("emergency_intro", "ar")
    assert lines[1].startswith("☎ 110 ") and lines[2].startswith("☎ 116 016 ") and lines[3].startswith("☎ 112 ")
    assert lines[-1] == i18n.text("emergency_handoff", "ar")
    assert handoff == {"handoff": {"reason": "emergency", "urgent": True, "language": "ar", "topic": None,
                                   "guesses": []}}


async def test_suicidal_thoughts_show_crisis_lines(dispatcher, services) -> None:
    await ActionEmergency(services).run(dispatcher, emergency_tracker("Я більше не хочу жити", "suicide", "uk"), {})
    text = envelopes(dispatcher)[0]["envelope"]["text"]
    assert "☎ 112 " in text and "☎ 0800 111 0 111 " in text and "☎ 0800 111 0 222 " in text


async def test_no_place_to_sleep_tonight_shows_the_shelter_office(dispatcher, services) -> None:
    await ActionEmergency(services).run(dispatcher, emergency_tracker("Ich habe heute Nacht keinen Schlafplatz",
                                                              "homeless_tonight", "de"), {})
    text = envelopes(dispatcher)[0]["envelope"]["text"]
    assert "Sozialamt Musterstadt" in text and "+49 30 23125 600" in text


async def test_medical_emergency_shows_112_first(dispatcher, services) -> None:
    await ActionEmergency(services).run(dispatcher, emergency_tracker("My child can't breathe", "medical", "en"), {})
    assert envelopes(dispatcher)[0]["envelope"]["text"].splitlines()[1].startswith("☎ 112 ")


async def test_emergency_recognised_by_the_classifier_alone_shows_the_general_numbers(dispatcher, services) -> None:
    await ActionEmergency(services).run(dispatcher, emergency_tracker("help me please now", None, "en"), {})
    lines = envelopes(dispatcher)[0]["envelope"]["text"].splitlines()
    assert lines[1].startswith("☎ 110 ") and lines[2].startswith("☎ 112 ")


async def test_on_first_contact_the_numbers_come_before_the_introduction(dispatcher, services) -> None:
    tracker = emergency_tracker("I can't breathe", "medical", "en")
    tracker.slots["greeted"] = False
    await ActionEmergency(services).run(dispatcher, tracker, {})
    kinds = [p["envelope"]["kind"] if "envelope" in p else "handoff request" for p in envelopes(dispatcher)]
    assert kinds == ["emergency", "handoff request", "info"]
