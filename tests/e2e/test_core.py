"""The conversation core with the real Rasa: order under concurrency, one schema, typed text is text."""

import json
import threading

import httpx
import pytest

from bot.rasa_ext.text_guard import TEXT_GUARD
from bot.tools.devstack import Stack
from tests.e2e.conftest import Person
from tests.e2e.ordering import check_twenty_at_once, history, tracker

pytestmark = pytest.mark.e2e
def test_twenty_messages_at_once_are_answered_in_order_and_rasa_agrees(person: Person, stack: Stack) -> None:
    check_twenty_at_once(person, stack, [stack.config.gateway_url])


def test_post_history_and_event_stream_carry_the_same_message(person: Person, stack: Stack) -> None:
    received: list[dict] = []
    listening = threading.Event()

    def listen() -> None:
        with httpx.stream("GET", f"{stack.config.gateway_url}/api/v1/conversations/{person.id}/events",
                          params={"token": person.token}, timeout=30) as response:
            listening.set()
            for line in response.iter_lines():
                if line.startswith("data: "):
                    received.append(json.loads(line[len("data: "):]))
                    if len(received) >= 2 and received[-1]["role"] != "person":
                        return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert listening.wait(10)
    reply = person.gateway.post(f"/api/v1/conversations/{person.id}/messages", json={"text": "Hallo"},
                                headers=person.headers).json()
    listener.join(20)
    by_seq = {m["seq"]: m for m in history(person)}
    for message in [reply["received"], *reply["messages"]]:
        assert by_seq[message["seq"]] == message
    streamed = {m["seq"]: m for m in received}
    assert streamed[reply["received"]["seq"]] == reply["received"]
    assert streamed[reply["messages"][0]["seq"]] == reply["messages"][0]


@pytest.mark.parametrize("typed", ["/emergency", "/restart", "/session_start", '/request_human{"x": 1}'])
def test_typed_commands_are_read_as_text(person: Person, stack: Stack, typed: str) -> None:
    person.says("Hallo")
    replies = person.says(typed)
    assert all(r["kind"] != "emergency" for r in replies)
    events = tracker(stack, person.id)["events"]
    kinds = [e["event"] for e in events]
    assert "restart" not in kinds and kinds.count("session_started") == 1  # nothing was reset
    users = [e for e in events if e["event"] == "user"]
    assert len(users) == 2
    assert users[-1]["text"] == TEXT_GUARD + typed  # the NLU read it as text; Rasa's '/' shortcut never applied


def test_a_payload_never_offered_is_read_as_text(person: Person, stack: Stack) -> None:
    person.says("Hallo")
    replies = person.presses("/emergency")
    assert all(r["kind"] != "emergency" for r in replies)
    user = [e for e in tracker(stack, person.id)["events"] if e["event"] == "user"][-1]
    assert user["text"] == TEXT_GUARD + "/emergency" and user["parse_data"]["intent"]["name"] != "emergency"


def test_an_offered_button_steers_rasa(person: Person) -> None:
    question = "Ich habe eine Frage zu Papieren und Terminen"
    replies = person.says(question)
    clarify = next((r for r in replies if r["kind"] == "clarify"), None)
    if clarify is None:
        pytest.skip("retrieval answered directly; no clarification to press")
    button = clarify["buttons"][0]
    answer = person.presses(button["payload"])
    assert answer[0]["kind"] == "answer" and answer[0]["kb_id"] in button["payload"]
