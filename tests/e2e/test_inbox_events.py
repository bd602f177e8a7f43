"""The staff event stream against the real stack: a ticket is routed by the topic of the answer
before the handoff, and an agent's stream carries only their own office's tickets."""

from __future__ import annotations

import json
import threading

import httpx
import pytest

from bot.tools.devstack import Stack
from tests.e2e.conftest import Person
from tests.e2e.staff import create_agent, logged_in

pytestmark = pytest.mark.e2e
def test_an_agent_hears_only_their_offices_tickets(stack: Stack, gateway: httpx.Client) -> None:
    agent = logged_in(stack, create_agent(stack, "auslaenderbehoerde"))
    events: list[dict] = []
    connected = threading.Event()

    def listen() -> None:
        try:
            with agent.stream("GET", "/inbox/events", timeout=httpx.Timeout(30, read=25)) as stream:
                for line in stream.iter_lines():
                    connected.set()
                    if line.startswith("data: "):
                        events.append(json.loads(line[6:]))
                    if any(e["change"] == "created" for e in events):
                        return
        except httpx.HTTPError:  # the stack went away: the assertions below say what was missing
            return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert connected.wait(10)

    welcome = Person(gateway)  # no answer before: the Welcome Center's ticket
    assert welcome.says("Ich möchte mit einem Menschen sprechen")[-1]["kind"] == "handoff"
    residence = Person(gateway)
    replies = residence.says("Wer bekommt eine Blaue Karte EU?")
    answer = next(r for r in replies if r["kind"] == "answer")
    assert answer["topic"] == "residence", answer
    handoff = residence.says("Ich möchte mit einem Menschen sprechen")[-1]
    assert handoff["kind"] == "handoff"

    listener.join(20)
    created = [e for e in events if e["change"] == "created"]
    assert [(e["ticket"], e["office"]) for e in created] == [(handoff["ticket"], "auslaenderbehoerde")]
    assert all(e["office"] == "auslaenderbehoerde" for e in events)
