"""WhatsApp through the real stack: a notification in, Rasa and the action server, the reply at the fake Graph API."""

import itertools
from typing import Any

import httpx
import pytest

from bot import i18n
from bot.tools import fake_whatsapp as fake_api
from bot.tools import whatsapp_webhooks as wa
from bot.tools.devstack import Stack
from bot.tools.fake_whatsapp import FakeWhatsApp
from tests.e2e.conftest import WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN

pytestmark = pytest.mark.e2e
_numbers = itertools.count(4917000000100)


class WhatsAppPerson:
    """Someone writing to the city's WhatsApp number: notifications as Meta would post them."""

    def __init__(self, stack: Stack, fake: FakeWhatsApp, name: str = "Amina") -> None:
        self.stack, self.fake, self.name = stack, fake, name
        self.wa_id = str(next(_numbers))

    def post(self, body: dict[str, Any], secret: str = WHATSAPP_APP_SECRET) -> httpx.Response:
        raw, headers = wa.signed(body, secret)
        return httpx.post(f"{self.stack.config.gateway_url}/channels/whatsapp/webhook", content=raw, headers=headers,
                          timeout=30)

    def sends(self, *messages: dict[str, Any]) -> dict[str, Any]:
        body = wa.payload(wa.messages_value(wa.contact(self.wa_id, self.name), *messages))
        response = self.post(body)
        assert response.status_code == 200, response.text
        return body

    def says(self, text: str, **fields: Any) -> dict[str, Any]:
        return self.sends(wa.text(text, from_=self.wa_id, **fields))

    def taps(self, reply_id: str, title: str) -> None:
        self.sends(wa.button_reply(reply_id, title, from_=self.wa_id))

    def reply_containing(self, text: str, timeout: float = 60) -> dict[str, Any]:
        [record] = self.fake.wait_for(lambda r: r["body"].get("to") == self.wa_id and text in body_text(r["body"]),
                                      timeout)
        return record["body"]

    def replies(self, count: int, timeout: float = 60) -> list[dict[str, Any]]:
        records = self.fake.wait_for(lambda r: r["body"].get("to") == self.wa_id, timeout, count)
        return [r["body"] for r in records]


def body_text(message: dict[str, Any]) -> str:
    if message["type"] == "text":
        return message["text"]["body"]
    return message["interactive"]["body"]["text"] if message["type"] == "interactive" else ""


def options(message: dict[str, Any]) -> list[dict[str, str]]:
    action = message["interactive"]["action"]
    return [b["reply"] for b in action.get("buttons", [])] + [
        row for section in action.get("sections", []) for row in section["rows"]]


def test_the_verification_handshake_and_the_health_check(stack: Stack) -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": WHATSAPP_VERIFY_TOKEN, "hub.challenge": "8472"}
    url = f"{stack.config.gateway_url}/channels/whatsapp/webhook"
    assert httpx.get(url, params=params).text == "8472"
    assert httpx.get(url, params={**params, "hub.verify_token": "x"}).status_code == 403
    assert httpx.get(f"{stack.config.gateway_url}/health").json()["channels"]["whatsapp"] is True


def test_a_question_gets_the_sourced_answer_with_its_options(stack: Stack, fake_whatsapp: FakeWhatsApp) -> None:
    person = WhatsAppPerson(stack, fake_whatsapp)
    person.says("Wie verlängere ich meinen Aufenthaltstitel?")
    intro, answer, with_options, referral = person.replies(4)  # the answer is over 1,024: text, then the options
    assert body_text(intro).startswith(i18n.text("greeting", "de")[:30])
    assert answer["type"] == "text" and body_text(answer).startswith("Beantragen Sie die Verlängerung")
    assert "🔗" in body_text(with_options) and "https://" in body_text(with_options)  # plain links, no HTML
    assert "<a " not in body_text(answer) + body_text(with_options)
    assert [o["title"][:20] for o in options(with_options)][:2] == [i18n.text("button_yes", "de"),
                                                                    i18n.text("button_no", "de")]
    assert all(o["id"].count(":") == 1 and "/" not in o["id"] for o in options(with_options))
    assert "Ausländerbehörde Musterstadt" in body_text(referral)


def test_tap_for_a_person_then_a_late_staff_reply_waits_for_the_person(
        stack: Stack, fake_whatsapp: FakeWhatsApp) -> None:
    person = WhatsAppPerson(stack, fake_whatsapp, name="Olena")
    person.says("Привіт")
    [greeting] = person.replies(1)
    [to_person] = [o for o in options(greeting) if o["title"].startswith(i18n.text("talk_to_person", "uk")[:10])]
    person.taps(to_person["id"], to_person["title"])
    handoff = person.replies(2)[-1]
    number = "W-" + body_text(handoff).split("W-")[1][:6]
    staff = {"Authorization": f"Bearer {stack.env()['STAFF_API_TOKEN']}"}
    fake_whatsapp.fail_next(**fake_api.WINDOW_CLOSED)  # Meta: more than 24 hours since the person wrote
    reply = httpx.post(f"{stack.config.gateway_url}/api/v1/staff/tickets/{number}/reply",
                       json={"staff": "Anna", "text": "Добрий день, це Анна з Welcome Center."}, headers=staff)
    assert reply.status_code == 200, reply.text
    invitation = person.replies(3)[-1]
    assert invitation["template"] == {"name": "willkommen_reply_waiting", "language": {"code": "uk"}}
    person.says("Я тут")
    assert body_text(person.replies(4)[3]) == "Добрий день, це Анна з Welcome Center."


def test_the_same_wamid_twice_is_answered_once_and_bad_signatures_store_nothing(
        stack: Stack, fake_whatsapp: FakeWhatsApp) -> None:
    person = WhatsAppPerson(stack, fake_whatsapp)
    body = person.says("Guten Tag", wamid=f"wamid.E2E{person.wa_id}")
    person.replies(1)
    assert person.post(body).status_code == 200
    forged = wa.payload(wa.messages_value(wa.contact(person.wa_id), wa.text("Notfall!", from_=person.wa_id)))
    assert person.post(forged, secret="not-the-app-secret").status_code == 403
    person.says("Danke")  # the next message's reply proves the earlier deliveries were handled before it
    replies = person.replies(2)
    assert len(fake_whatsapp.sent(person.wa_id)) == len(replies) == 2


def test_statuses_list_replies_and_odd_bodies_never_fail(stack: Stack, fake_whatsapp: FakeWhatsApp) -> None:
    person = WhatsAppPerson(stack, fake_whatsapp)
    person.sends(wa.sticker(from_=person.wa_id))
    [only_text] = person.replies(1)
    wamid = next(r["wamid"] for r in fake_whatsapp.calls() if r["body"].get("to") == person.wa_id)
    for report in ("read", "sent", "delivered"):
        assert person.post(wa.payload(wa.statuses_value(wa.status(wamid, report, person.wa_id)))).status_code == 200
    [row] = options(only_text)
    person.sends(wa.list_reply(row["id"], row["title"], from_=person.wa_id))
    assert person.reply_containing("W-")  # the person button: a handoff (after the greeting of a new session)
    for raw in (b"{}", b"[]", b"null", b'{"object": "whatsapp_business_account", "entry": [{"changes": 5}]}'):
        response = httpx.post(f"{stack.config.gateway_url}/channels/whatsapp/webhook", content=raw,
                              headers={"X-Hub-Signature-256": wa.sign(raw, WHATSAPP_APP_SECRET)})
        assert response.status_code in (200, 400), raw
