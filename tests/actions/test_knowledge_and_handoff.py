import pytest
from rasa_sdk.events import SlotSet

from actions.handoff import ActionHandoffToStaff
from actions.knowledge import ActionAnswerQuestion, KnowledgeService
from bot import i18n
from bot.knowledge.index import DEFAULT_INDEX_DIR, build_index
from bot.knowledge.loader import load
from bot.nlu.query_vector import PARSE_KEY, pack
from tests.actions.conftest import button_choice, detected, envelopes, make_tracker
from tests.conftest import ROOT


@pytest.fixture(scope="module", autouse=True)
def index(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The real knowledge base, indexed into the default location the action server uses."""
    kb = load(ROOT / "knowledge_base", ROOT / "knowledge_base" / "site" / "musterstadt.yml")
    build_index(kb)
    KnowledgeService._instance = None


async def test_a_paraphrased_question_gets_the_curated_answer_with_sources(dispatcher) -> None:
    question = "Meine Aufenthaltserlaubnis läuft nächsten Monat ab. Wie verlängere ich sie?"
    tracker = make_tracker(question, "ask_question", language=detected("de", 9))
    events = await ActionAnswerQuestion().run(dispatcher, tracker, {})
    payload, referral = envelopes(dispatcher)
    envelope = payload["envelope"]
    kb = KnowledgeService.get().kb
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


async def test_the_nlu_vector_in_the_parse_data_saves_a_second_embedding(dispatcher) -> None:
    """Rasa's featurizer sends the question's e5 vector along; retrieval uses it as it is."""
    retriever = KnowledgeService.get().retriever
    question = "Wie melde ich meine neue Wohnung beim Bürgerbüro an?"
    vector = retriever.embedder.embed([question])[0]
    # the text says nothing; the vector carries the question, so an answer proves the vector was used
    tracker = make_tracker("…", "ask_question", language=detected("de", 9))
    tracker.latest_message[PARSE_KEY] = pack(vector, retriever.embedder.name)
    await ActionAnswerQuestion().run(dispatcher, tracker, {})
    assert retriever.decide(question).action == "answer"
    assert envelopes(dispatcher)[0]["envelope"]["kb_id"] == "registration-anmeldung"


async def test_the_welcome_center_itself_needs_no_referral(dispatcher) -> None:
    await ActionAnswerQuestion().run(dispatcher, button_choice("welcome-center-services", "en"), {})
    assert [p["envelope"]["kind"] for p in envelopes(dispatcher)] == ["answer"]


async def test_a_second_unclear_question_in_a_row_goes_to_a_person(dispatcher) -> None:
    service = KnowledgeService.get()
    question = next(q for q in ("Ich habe eine Frage zu meinem Antrag", "Frage wegen Aufenthalt und Arbeit",
                                "was muss ich machen wegen der Papiere", "Dokumente und Termin")
                    if service.retriever.decide(q).action == "clarify")
    first = await ActionAnswerQuestion().run(dispatcher, make_tracker(question, "ask_question", slot_language="de"), {})
    assert envelopes(dispatcher)[0]["envelope"]["kind"] == "clarify" and SlotSet("clarifying", True) in first
    dispatcher.messages.clear()
    tracker = make_tracker(question, "ask_question", slot_language="de")
    tracker.slots["clarifying"] = True
    events = await ActionAnswerQuestion().run(dispatcher, tracker, {})
    [payload] = envelopes(dispatcher)
    assert payload["envelope"]["kind"] == "handoff" and payload["handoff"]["reason"] == "no_answer"
    assert SlotSet("clarifying", False) in events


async def test_a_button_choice_answers_that_entry_without_retrieval(dispatcher) -> None:
    await ActionAnswerQuestion().run(dispatcher, button_choice("eu-blue-card", "uk"), {})
    payload, referral = envelopes(dispatcher)
    assert payload["envelope"]["kb_id"] == "eu-blue-card"
    assert payload["envelope"]["language"] == "uk"
    assert payload["envelope"]["confidence"] is None
    assert referral["envelope"]["kind"] == "referral" and referral["envelope"]["language"] == "uk"


async def test_a_personal_case_is_answered_and_handed_off(dispatcher) -> None:
    await ActionAnswerQuestion().run(dispatcher, button_choice("application-status", "en"), {})
    answer, handoff = envelopes(dispatcher)
    assert answer["envelope"]["kind"] == "answer"
    assert handoff["envelope"]["kind"] == "handoff"
    assert handoff["handoff"] == {"reason": "personal_case", "urgent": False, "guesses": []}


async def test_nonsense_is_handed_off_with_the_best_guesses(dispatcher) -> None:
    tracker = make_tracker("qwertz uiop asdf ghjk", "ask_question", slot_language="de")
    await ActionAnswerQuestion().run(dispatcher, tracker, {})
    [payload] = envelopes(dispatcher)
    assert payload["envelope"]["kind"] == "handoff"
    assert payload["envelope"]["text"] == i18n.text("handoff_created", "de", ticket="{ticket}")
    assert payload["handoff"]["reason"] == "no_answer"
    assert len(payload["handoff"]["guesses"]) == 3


async def test_request_for_a_person_asks_the_gateway_for_a_ticket(dispatcher) -> None:
    tracker = make_tracker("أريد التحدث مع موظف", "request_human", language=detected("ar", 4))
    events = await ActionHandoffToStaff().run(dispatcher, tracker, {})
    assert [e["value"] for e in events] == ["ar"]
    assert envelopes(dispatcher) == [{
        "envelope": {"kind": "handoff", "text": i18n.text("handoff_created", "ar", ticket="{ticket}"),
                     "language": "ar", "topic": None, "kb_id": None, "confidence": None, "sources": [],
                     "buttons": [], "ticket": None},
        "handoff": {"reason": "requested", "urgent": False, "guesses": []}}]


def test_edited_content_is_picked_up_without_a_restart(tmp_path) -> None:
    import shutil

    root = tmp_path / "kb"
    shutil.copytree(ROOT / "knowledge_base", root)
    shutil.copytree(DEFAULT_INDEX_DIR, tmp_path / "index")  # its embedding cache keeps this fast
    service = KnowledgeService(root, root / "site" / "musterstadt.yml", tmp_path / "index")
    path = root / "residence" / "eu-blue-card.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("title: ", "title: NEU ", 1), encoding="utf-8")
    service.refresh()
    assert service.kb.entries["eu-blue-card"].title.startswith("NEU ")
    assert service.retriever.manifest["embedded_now"] == 0  # a title change needs no new embeddings

    path.write_text("id: [broken", encoding="utf-8")  # invalid content: the last good one stays
    service.refresh()
    assert service.kb.entries["eu-blue-card"].title.startswith("NEU ")
