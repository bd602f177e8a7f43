"""The conversation core with the real Rasa: order under concurrency, one schema, typed text is text."""

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from bot.rasa_ext.text_guard import TEXT_GUARD
from bot.tools.devstack import Stack
from tests.e2e.conftest import Person

pytestmark = pytest.mark.e2e
AT_ONCE = 20
# a question the knowledge base answers, then greetings: none of them should need a person
QUESTION = "Wie verlängere ich meinen Aufenthaltstitel?"
GREETINGS = ["Hallo", "Guten Tag", "Guten Morgen", "Hallo zusammen", "Moin", "Servus"]


def tracker(stack: Stack, conversation_id: str) -> dict:
    return httpx.get(f"http://127.0.0.1:{stack.config.rasa_port}/conversations/{conversation_id}/tracker",
                     params={"token": stack.env()["RASA_TOKEN"]}, timeout=10).json()


def history(person: Person) -> list[dict]:
    response = person.gateway.get(f"/api/v1/conversations/{person.id}/messages", headers=person.headers)
    return response.json()["messages"]


def test_twenty_messages_at_once_are_answered_in_order_and_rasa_agrees(person: Person, stack: Stack) -> None:
    texts = [QUESTION] + [GREETINGS[i % len(GREETINGS)] + "!" * (i // len(GREETINGS)) for i in range(AT_ONCE - 1)]
    with httpx.Client(base_url=stack.config.gateway_url, timeout=120) as client, ThreadPoolExecutor(AT_ONCE) as pool:
        responses = list(pool.map(lambda text: client.post(f"/api/v1/conversations/{person.id}/messages",
                                                           json={"text": text}, headers=person.headers), texts))
    assert [r.status_code for r in responses] == [200] * AT_ONCE, [r.text[:200] for r in responses]
    assert all(r.json()["messages"] for r in responses)  # every message got an answer

    messages = history(person)
    assert [m["seq"] for m in messages] == list(range(1, len(messages) + 1))
    said = [m for m in messages if m["role"] == "person"]
    assert sorted(m["text"] for m in said) == sorted(texts)
    replies = [m for m in messages if m["role"] != "person"]
    assert [m["reply_to"] for m in replies] == sorted(m["reply_to"] for m in replies)  # one turn after another
    assert {m["reply_to"] for m in replies} == {m["seq"] for m in said}

    # once the bot hands over (a second unclear question, say), staff are in charge and Rasa is not
    # asked again: the later messages get the system's "passed on"
    with_bot = [p for p in said if any(m["role"] == "bot" for m in replies if m["reply_to"] == p["seq"])]
    assert with_bot == said[:len(with_bot)] and len(with_bot) == AT_ONCE, len(with_bot)
    assert all([m["role"] for m in replies if m["reply_to"] == p["seq"]] == ["system"] for p in said[len(with_bot):])
    # Rasa saw the same messages in the same order, and said what the gateway stored after each one
    events = tracker(stack, person.id)["events"]
    assert [e["text"] for e in events if e["event"] == "user"] == [m["text"] for m in with_bot]
    bot_turns: list[list[str]] = []
    for event in events:
        if event["event"] == "user":
            bot_turns.append([])
        elif event["event"] == "bot" and bot_turns and "envelope" in (event.get("data") or {}).get("custom", {}):
            bot_turns[-1].append(event["data"]["custom"]["envelope"]["text"])
    stored_turns = [[m["text"] for m in replies if m["reply_to"] == p["seq"] and m["kind"] != "handoff"]
                    for p in with_bot]
    assert bot_turns == stored_turns


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
