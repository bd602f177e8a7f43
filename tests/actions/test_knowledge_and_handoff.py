from rasa_sdk.events import SlotSet

from actions.emergency import ActionEmergency
from actions.handoff import ActionHandoffToStaff
from actions.knowledge import ActionAnswerQuestion
from actions.services import ActionServices, ActionSettings, KnowledgeService
from bot import i18n
from bot.paths import KB_INDEX, ROOT
from bot.rasa_ext.query_vector import PARSE_KEY, pack
from tests.actions.conftest import button_choice, detected, envelopes, make_tracker


async def test_a_paraphrased_question_gets_the_curated_answer_with_sources(dispatcher, services) -> None:
    question = "Meine Aufenthaltserlaubnis läuft nächsten Monat ab. Wie verlängere ich sie?"
    tracker = make_tracker(question, "ask_question", language=detected("de", 9))
    events = await ActionAnswerQuestion(services).run(dispatcher, tracker, {})
    payload, referral = envelopes(dispatcher)
    envelope = payload["envelope"]
    kb = services.knowledge.wait().kb
    entry = kb.entries["residence-permit-extension"]
    assert events == [SlotSet("language", "de"), SlotSet("clarifying", False),
                      SlotSet("last_answer", "residence-permit-extension"), SlotSet("out_of_scope_turns", 0.0)]
    assert envelope["kind"] == "answer"
    assert envelope["kb_id"] == "residence-permit-extension"
    assert envelope["text"] == entry.answers["de"]
    assert envelope["topic"] == "residence"
    assert envelope["sources"] == [{"title": s.title, "url": str(s.url), "reviewed": entry.reviewed.isoformat()}
                                   for s in entry.sources]
    assert [b["payload"] for b in envelope["buttons"]] == ["/feedback_positive", "/feedback_negative",
                                                           "/request_human"]
    # the immigration office is competent: a warm referral with its contacts, and still a person
    office = kb.site.contacts["auslaenderbehoerde"]
    assert referral["envelope"]["kind"] == "referral"
    text = referral["envelope"]["text"]
    assert text.startswith(i18n.text("referral_intro", "de", body=office.name))
    assert office.phone in text and office.address in text
    assert i18n.text("referral_bring", "de") in text
    assert text.endswith(i18n.text("referral_offer_person", "de"))
    assert [b["payload"] for b in referral["envelope"]["buttons"]] == ["/request_human"]


async def test_the_nlu_vector_in_the_parse_data_saves_a_second_embedding(dispatcher, services) -> None:
    """Rasa's featurizer sends the question's e5 vector along; retrieval uses it as it is."""
    retriever = services.knowledge.wait().retriever
    question = "Wie melde ich meine neue Wohnung beim Bürgerbüro an?"
    vector = retriever.embedder.embed([question])[0]
    # the text says nothing; the vector carries the question, so an answer proves the vector was used
    tracker = make_tracker("qwertz uiop asdf ghjk", "ask_question", language=detected("de", 9))
    tracker.latest_message[PARSE_KEY] = pack(vector, retriever.embedder.name)
    assert retriever.decide("qwertz uiop asdf ghjk").action == "handoff"  # the text alone matches nothing
    await ActionAnswerQuestion(services).run(dispatcher, tracker, {})
    [first, *_] = envelopes(dispatcher)
    # an answer, or with the scores alone (no calibration data) a choice whose first option is the entry
    offered = first["envelope"]["kb_id"] or first["envelope"]["buttons"][0]["payload"]
    assert first["envelope"]["kind"] in ("answer", "clarify") and "registration-anmeldung" in offered


async def test_the_welcome_center_itself_needs_no_referral(dispatcher, services) -> None:
    await ActionAnswerQuestion(services).run(dispatcher, button_choice("welcome-center-services", "en"), {})
    assert [p["envelope"]["kind"] for p in envelopes(dispatcher)] == ["answer"]


async def test_a_second_unclear_question_in_a_row_goes_to_a_person(dispatcher, services) -> None:
    loaded = services.knowledge.wait()

    def unclear(question: str) -> bool:  # two entries compete, and the likelier one needs no person anyway
        decision = loaded.retriever.decide(question)
        return decision.action == "clarify" and loaded.kb.entries[decision.candidates[0].entry_id].handoff is None
    question = next(q for q in ("Frage wegen Aufenthalt und Arbeit", "Ich habe eine Frage zu meinem Antrag",
                                "was muss ich machen wegen der Papiere", "Dokumente und Termin", "Papiere und Arbeit",
                                "Frage zur Wohnung und Arbeit") if unclear(q))
    tracker = make_tracker(question, "ask_question", slot_language="de")
    first = await ActionAnswerQuestion(services).run(dispatcher, tracker, {})
    assert envelopes(dispatcher)[0]["envelope"]["kind"] == "clarify" and SlotSet("clarifying", True) in first
    dispatcher.messages.clear()
    tracker = make_tracker(question, "ask_question", slot_language="de")
    tracker.slots["clarifying"] = True
    events = await ActionAnswerQuestion(services).run(dispatcher, tracker, {})
    [payload] = envelopes(dispatcher)
    assert set(payload) == {"handoff"} and payload["handoff"]["reason"] == "no_answer"
    assert SlotSet("clarifying", False) in events


async def test_a_button_choice_answers_that_entry_without_retrieval(dispatcher, services) -> None:
    await ActionAnswerQuestion(services).run(dispatcher, button_choice("eu-blue-card", "uk"), {})
    payload, referral = envelopes(dispatcher)
    assert payload["envelope"]["kb_id"] == "eu-blue-card"
    assert payload["envelope"]["language"] == "uk"
    assert payload["envelope"]["confidence"] is None
    assert referral["envelope"]["kind"] == "referral" and referral["envelope"]["language"] == "uk"


async def test_a_personal_case_is_answered_and_handed_off(dispatcher, services) -> None:
    await ActionAnswerQuestion(services).run(dispatcher, button_choice("application-status", "en"), {})
    answer, handoff = envelopes(dispatcher)
    assert answer["envelope"]["kind"] == "answer"
    assert handoff == {"handoff": {"reason": "personal_case", "urgent": False, "language": "en",
                                   "topic": "residence", "guesses": []}}


async def test_nonsense_is_handed_off_with_the_best_guesses(dispatcher, services) -> None:
    tracker = make_tracker("qwertz uiop asdf ghjk", "ask_question", slot_language="de")
    await ActionAnswerQuestion(services).run(dispatcher, tracker, {})
    [payload] = envelopes(dispatcher)
    assert set(payload) == {"handoff"}  # a request: the gateway writes what the person reads
    assert (payload["handoff"]["reason"], payload["handoff"]["language"]) == ("no_answer", "de")
    assert len(payload["handoff"]["guesses"]) == 3


async def test_request_for_a_person_asks_the_gateway_for_a_ticket(dispatcher, services) -> None:
    tracker = make_tracker("أريد التحدث مع موظف", "request_human", language=detected("ar", 4))
    events = await ActionHandoffToStaff(services).run(dispatcher, tracker, {})
    assert [e["value"] for e in events] == ["ar"]
    assert envelopes(dispatcher) == [
        {"handoff": {"reason": "requested", "urgent": False, "language": "ar", "topic": None, "guesses": []}}]


def test_edited_content_is_picked_up_without_a_restart(tmp_path, services) -> None:
    import shutil

    root = tmp_path / "kb"
    shutil.copytree(ROOT / "knowledge_base", root)
    shutil.copytree(KB_INDEX, tmp_path / "index")  # its embedding cache keeps this fast
    service = KnowledgeService(ActionSettings(knowledge_dir=root, site_file=root / "site" / "musterstadt.yml",
                                              kb_index_dir=tmp_path / "index"))
    service.start().join()
    path = root / "residence" / "eu-blue-card.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("title: ", "title: NEU ", 1), encoding="utf-8")
    service.CHECK_EVERY = 0.0
    loaded = service.wait()
    assert loaded is not None and loaded.kb.entries["eu-blue-card"].title.startswith("NEU ")
    assert loaded.retriever.manifest["embedded_now"] == 0  # a title change needs no new embeddings

    path.write_text("id: [broken", encoding="utf-8")  # invalid content: the last good one stays
    loaded = service.wait()
    assert loaded is not None and loaded.kb.entries["eu-blue-card"].title.startswith("NEU ")


def still_loading(services: ActionServices) -> ActionServices:
    """The same site, and a knowledge index that never becomes ready (it is never started)."""
    return ActionServices(services.site, KnowledgeService(ActionSettings(kb_index_dir=KB_INDEX,
                                                                        index_wait_seconds=0.01)),
                          services.countries, services.personal)


async def test_a_question_while_the_index_loads_goes_to_a_person(dispatcher, services) -> None:
    tracker = make_tracker("Wie melde ich meine Wohnung an?", "ask_question", slot_language="de")
    await ActionAnswerQuestion(still_loading(services)).run(dispatcher, tracker, {})
    assert envelopes(dispatcher) == [
        {"handoff": {"reason": "technical", "urgent": False, "language": "de", "topic": None, "guesses": []}}]


async def test_an_emergency_is_answered_while_the_index_loads(dispatcher, services) -> None:
    tracker = make_tracker("Mein Mann schlägt mich", "emergency", slot_language="de")
    tracker.latest_message["emergency"] = {"category": "violence", "language": "de"}
    await ActionEmergency(still_loading(services)).run(dispatcher, tracker, {})
    notice, handoff = envelopes(dispatcher)
    assert notice["envelope"]["kind"] == "emergency" and "☎ 110 " in notice["envelope"]["text"]
    assert handoff["handoff"]["reason"] == "emergency" and handoff["handoff"]["urgent"] is True
