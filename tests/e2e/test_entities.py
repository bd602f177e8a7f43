"""The entity layer through the whole stack: Rasa's pipeline finds the entities, the slots keep them
across turns, the actions change the answer, and the ticket shows staff what was understood."""

import datetime as dt
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot import i18n
from bot.tools.devstack import Stack
from tests.e2e.conftest import Person

pytestmark = pytest.mark.e2e


def answered(person: Person, replies: list[dict], kb_id: str) -> list[dict]:
    """The replies, after pressing the button for `kb_id` when the bot asked which entry was meant."""
    if replies and replies[-1]["kind"] == "clarify":
        button = next((b for b in replies[-1]["buttons"] if f'"{kb_id}"' in b["payload"]), None)
        if button is not None:
            return person.presses(button["payload"])
    return replies


def ticket_of(gateway: httpx.Client, stack: Stack, number: str) -> dict:
    staff = {"Authorization": f"Bearer {stack.env()['STAFF_API_TOKEN']}"}
    return gateway.get(f"/api/v1/staff/tickets/{number}", headers=staff).json()["ticket"]


def test_rasa_finds_the_entities_and_keeps_them_in_slots(person: Person, stack: Stack) -> None:
    person.says("Ich bin Italienerin und arbeite als Krankenschwester.")
    tracker = httpx.get(f"http://127.0.0.1:{stack.config.rasa_port}/conversations/{person.id}/tracker",
                        params={"token": stack.env()["RASA_TOKEN"]}, timeout=10).json()
    user = next(e for e in tracker["events"] if e["event"] == "user")
    found = {(e["entity"], e["value"]) for e in user["parse_data"]["entities"]}
    assert {("nationality", "IT"), ("profession", "nurse")} <= found
    assert (tracker["slots"]["nationality"], tracker["slots"]["profession"]) == ("IT", "nurse")


def test_an_eu_citizen_said_earlier_gets_free_movement_for_a_permit_question(person: Person) -> None:
    person.says("Hallo, ich bin Italienerin.")
    replies = answered(person, person.says("Wie verlängere ich meinen Aufenthaltstitel?"), "residence-permit-extension")
    answer = next(r for r in replies if r["kind"] == "answer")
    assert answer["kb_id"] == "eu-free-movement"
    assert answer["text"].startswith(i18n.text("free_movement_eu", "de"))


def test_a_nurse_said_earlier_is_referred_to_the_nursing_authority(person: Person) -> None:
    first = person.says("Hello, I am a nurse from India.")
    assert not any(r["kind"] == "handoff" for r in first), [(r["kind"], r["text"][:60]) for r in first]
    replies = answered(person, person.says("Where do I apply for recognition of my foreign qualification?"),
                       "where-to-apply-recognition")
    referral = next((r for r in replies if r["kind"] == "referral"), None)
    assert referral is not None, [(r["kind"], r.get("kb_id"), r["text"][:80]) for r in replies]
    assert "Landesamt für Gesundheitsfachberufe Musterland" in referral["text"]


def test_a_file_number_hands_off_with_the_number_on_the_ticket(person: Person, gateway: httpx.Client,
                                                               stack: Stack) -> None:
    replies = person.says("Wie ist der Stand meines Antrags? Mein Aktenzeichen ist ABH-2024-12345.")
    handoff = next(r for r in replies if r["kind"] == "handoff")
    ticket = ticket_of(gateway, stack, handoff["ticket"])
    assert ticket["reason"] == "personal_case"
    assert ticket["facts"]["reference"] == "ABH-2024-12345"


def test_a_permit_expired_yesterday_is_an_urgent_ticket_with_the_date(person: Person, gateway: httpx.Client,
                                                                     stack: Stack) -> None:
    replies = person.says("Mein Aufenthaltstitel ist seit gestern abgelaufen. Was soll ich jetzt tun?")
    handoff = next(r for r in replies if r["kind"] == "handoff")
    ticket = ticket_of(gateway, stack, handoff["ticket"])
    yesterday = dt.datetime.now(ZoneInfo("Europe/Berlin")).date() - dt.timedelta(days=1)
    assert ticket["urgent"] is True and ticket["reason"] == "deadline"
    assert ticket["facts"]["deadline"] == yesterday.isoformat()
