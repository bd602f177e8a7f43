"""The core issue's ordering check, for one gateway or several: 20 messages of one conversation at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from bot.tools.devstack import Stack
from tests.e2e.conftest import Person

AT_ONCE = 20
# a question the knowledge base answers, then greetings: none of them should need a person
QUESTION = "Wie verlängere ich meinen Aufenthaltstitel?"
GREETINGS = ["Hallo", "Guten Tag", "Guten Morgen", "Hallo zusammen", "Moin", "Servus"]


def tracker(stack: Stack, conversation_id: str) -> dict:
    """Rasa's tracker of the conversation, through Rasa's port (the proxy's, in the scaled profile)."""
    return httpx.get(f"http://127.0.0.1:{stack.config.rasa_port}/conversations/{conversation_id}/tracker",
                     params={"token": stack.env()["RASA_TOKEN"]}, timeout=10).json()


def history(person: Person) -> list[dict]:
    response = person.gateway.get(f"/api/v1/conversations/{person.id}/messages", headers=person.headers)
    return list(response.json()["messages"])


def check_twenty_at_once(person: Person, stack: Stack, gateway_urls: list[str]) -> None:
    """Post 20 messages at once, spread over `gateway_urls` in turn; all are answered (no 5xx), one turn
    after another in the order they were stored, and Rasa's tracker agrees with what the gateway stored."""
    texts = [QUESTION] + [GREETINGS[i % len(GREETINGS)] + "!" * (i // len(GREETINGS)) for i in range(AT_ONCE - 1)]
    clients = [httpx.Client(base_url=url, timeout=120) for url in gateway_urls]
    try:
        with ThreadPoolExecutor(AT_ONCE) as pool:
            responses = list(pool.map(
                lambda i: clients[i % len(clients)].post(f"/api/v1/conversations/{person.id}/messages",
                                                         json={"text": texts[i]}, headers=person.headers),
                range(AT_ONCE)))
    finally:
        for client in clients:
            client.close()
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
