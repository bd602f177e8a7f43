"""The fake WhatsApp Cloud API (bot/tools/fake_whatsapp.py) and the webhook builders (bot/tools/whatsapp_webhooks.py).

Tests of the WhatsApp channel against the fake mean something only if the fake answers as Meta does:
these tests pin its token check, its validation of the bodies at Meta's limits (just inside passes, just
outside is refused), its Graph error shapes and queued failures, and the shapes of the webhook builders.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bot.channels.whatsapp.notifications import parse
from bot.tools import whatsapp_webhooks as wh
from bot.tools.fake_whatsapp import ACCESS_TOKEN, RATE_LIMITED, FakeWhatsApp

TO = "4915112345678"


@pytest.fixture(scope="module")
def server() -> Iterator[FakeWhatsApp]:
    with FakeWhatsApp() as fake:
        yield fake


@pytest.fixture
def fake(server: FakeWhatsApp) -> FakeWhatsApp:
    server.reset()
    return server


def post(fake: FakeWhatsApp, body: Any, token: str | None = ACCESS_TOKEN, url: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return httpx.post(url or fake.messages_url, json=body, headers=headers, timeout=5)


def message(kind: str, content: dict[str, Any], to: str | None = TO, **top: Any) -> dict[str, Any]:
    addressee = {"to": to} if to is not None else {}
    return {"messaging_product": "whatsapp", "recipient_type": "individual", **addressee, "type": kind, kind: content,
            **top}


def buttons(*titles: str, body: str = "Hilft Ihnen das?") -> dict[str, Any]:
    return message("interactive", {"type": "button", "body": {"text": body}, "action": {"buttons": [
        {"type": "reply", "reply": {"id": f"7:{i}", "title": title}} for i, title in enumerate(titles)]}})


def rows(*items: dict[str, Any]) -> dict[str, Any]:
    return message("interactive", {"type": "list", "body": {"text": "Bitte wählen Sie:"},
                                   "action": {"button": "Themen", "sections": [{"rows": list(items)}]}})


def row(i: int, title: str = "Anmeldung", **extra: Any) -> dict[str, Any]:
    return {"id": f"7:{i}", "title": title, **extra}


TEXT = message("text", {"body": "Hallo!", "preview_url": False})
VALID = {
    "button title of 20 characters": buttons("Ja", "x" * 20),
    "three buttons": buttons("A", "B", "C"),
    "ten list rows": rows(*(row(i, f"Thema {i}") for i in range(10))),
    "row title of 24, description of 72": rows(row(0, "x" * 24, description="y" * 72)),
    "interactive body of 1024": buttons("Ja", body="ä" * 1024),
    "text of 4096": message("text", {"body": "ü" * 4096}),
    "template": message("template", {"name": "window_reopen", "language": {"code": "de"}, "components": []}),
    "reaction to a business-scoped user": message("reaction", {"message_id": "wamid.X", "emoji": "👍"}, to=None,
                                                  recipient="DE.1234567890"),
}
INVALID = {
    "button title of 21 characters": buttons("Ja", "x" * 21),
    "four buttons": buttons("A", "B", "C", "D"),
    "equal button titles": buttons("Ja", "Ja"),
    "eleven list rows": rows(*(row(i, f"Thema {i}") for i in range(11))),
    "list row title of 25 characters": rows(row(0, "x" * 25)),
    "row description of 73 characters": rows(row(0, description="y" * 73)),
    "interactive body of 1025 characters": buttons("Ja", body="ä" * 1025),
    "text of 4097 characters": message("text", {"body": "ü" * 4097}),
    "missing to": message("text", {"body": "Hallo!"}, to=None),
    "both to and recipient": {**TEXT, "recipient": "DE.1234567890"},
    "to with a plus": {**TEXT, "to": "+" + TO},
    "an image (not a type we send)": message("image", {"id": "1234567890"}),
    "another messaging product": {**TEXT, "messaging_product": "sms"},
}


def test_a_valid_text_send_is_recorded_and_answered_with_a_wamid(fake: FakeWhatsApp) -> None:
    response = post(fake, TEXT)

    assert response.status_code == 200
    answer = response.json()
    [sent] = answer["messages"]
    assert sent["id"].startswith("wamid.") and "message_status" not in sent
    assert answer["messaging_product"] == "whatsapp"
    assert answer["contacts"] == [{"input": TO, "wa_id": TO}]
    [call] = fake.calls()
    assert (call["path"], call["body"], call["status"], call["wamid"], call["authorized"]) == (
        "/v24.0/100200300/messages", TEXT, 200, sent["id"], True)
    assert fake.sent(TO) == [TEXT] and fake.sent("4917600000000") == []


@pytest.mark.parametrize("token", ["wrong-token", None])
def test_a_wrong_or_missing_token_is_refused_with_401_and_code_190(fake: FakeWhatsApp, token: str | None) -> None:
    response = post(fake, TEXT, token=token)

    assert response.status_code == 401
    error = response.json()["error"]
    assert (error["code"], error["type"]) == (190, "OAuthException") and error["fbtrace_id"]
    [call] = fake.calls()
    assert (call["status"], call["wamid"], call["authorized"]) == (401, None, False)
    assert fake.sent() == []


@pytest.mark.parametrize("body", VALID.values(), ids=VALID.keys())
def test_bodies_at_metas_limits_are_accepted(fake: FakeWhatsApp, body: dict[str, Any]) -> None:
    response = post(fake, body)

    assert response.status_code == 200, response.text
    assert fake.sent() == [body]
    if body["type"] == "template":
        assert response.json()["messages"][0]["message_status"] == "accepted"


@pytest.mark.parametrize("body", INVALID.values(), ids=INVALID.keys())
def test_bodies_beyond_metas_limits_are_refused_with_400(fake: FakeWhatsApp, body: dict[str, Any]) -> None:
    response = post(fake, body)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] in (100, 131009)
    assert error["error_data"]["details"] and error["error_data"]["messaging_product"] == "whatsapp"
    [call] = fake.calls()
    assert (call["status"], call["wamid"], call["authorized"]) == (400, None, True)
    assert fake.sent() == []


def test_an_unknown_number_or_version_and_marking_as_read(fake: FakeWhatsApp) -> None:
    unknown_number = post(fake, TEXT, url=f"{fake.base_url}/v24.0/999/messages")
    unknown_version = post(fake, TEXT, url=f"{fake.base_url}/v19.0/100200300/messages")
    read = post(fake, {"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.X"})

    assert [(r.status_code, r.json().get("error", {}).get("code")) for r in (unknown_number, unknown_version)] == [
        (400, 100), (400, 100)]
    assert (read.status_code, read.json()) == (200, {"success": True})
    assert [call["status"] for call in fake.calls()] == [400, 400, 200]
    assert fake.sent() == []  # marking as read is no send


def test_fail_next_answers_queued_failures_in_order_then_succeeds(fake: FakeWhatsApp) -> None:
    fake.fail_next(**RATE_LIMITED, retry_after=2)
    fake.fail_next()  # the default: 400, 131047 (the 24-hour window is closed)

    unauthorized = post(fake, TEXT, token="wrong-token")  # uses no failure
    limited, closed, sent = post(fake, TEXT), post(fake, TEXT), post(fake, TEXT)

    assert unauthorized.status_code == 401
    assert (limited.status_code, limited.headers["retry-after"]) == (429, "2")
    assert limited.json()["error"]["code"] == 130429
    assert limited.json()["error"]["error_data"] == {"messaging_product": "whatsapp",
                                                     "details": RATE_LIMITED["details"]}
    assert (closed.status_code, closed.json()["error"]["code"]) == (400, 131047)
    assert closed.json()["error"]["message"] == "Re-engagement message" and "retry-after" not in closed.headers
    assert sent.status_code == 200
    assert [(call["status"], call["wamid"] is not None) for call in fake.calls()] == [
        (401, False), (429, False), (400, False), (200, True)]


def test_wait_for_returns_once_a_send_from_another_thread_arrives(fake: FakeWhatsApp) -> None:
    sender = threading.Thread(target=lambda: [post(fake, message("text", {"body": word})) for word in ("eins", "zwei")])
    sender.start()

    [call] = fake.wait_for(lambda call: call["body"]["text"]["body"] == "zwei", timeout=5)

    sender.join()
    assert call["status"] == 200 and call["wamid"].startswith("wamid.")
    assert [call["body"]["text"]["body"] for call in fake.wait_for(count=2, timeout=1)] == ["eins", "zwei"]


def test_wait_for_raises_timeout_error_listing_what_was_recorded(fake: FakeWhatsApp) -> None:
    post(fake, TEXT, token="wrong-token")

    with pytest.raises(TimeoutError, match=r"(?s)expected 1 successful send.*found 0.*401 /v24\.0.*Hallo!"):
        fake.wait_for(timeout=0.1)


def test_webhook_bodies_are_signed_over_their_exact_bytes() -> None:
    body = wh.payload(wh.messages_value(wh.contact(), wh.text("Grüß Gott")))

    raw, headers = wh.signed(body, "app-secret")

    expected = "sha256=" + hmac.new(b"app-secret", raw, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Hub-Signature-256"], expected)
    assert hmac.compare_digest(wh.sign(raw, "app-secret"), expected)
    assert not hmac.compare_digest(wh.sign(raw, "another-secret"), expected)
    assert json.loads(raw) == body


def test_a_payload_with_two_entries_of_two_messages_keeps_their_order() -> None:
    omar = wh.contact("4917612345678", "Omar", user_id="DE.1234567890", username="omar")
    first, second = wh.text("eins"), wh.button_reply("7:0", "Ja", context="wamid.OURS")
    third = wh.list_reply("7:1", "Anmeldung", from_=None, from_user_id="DE.1234567890")
    fourth = wh.image(caption="Mein Pass", from_="4917612345678")

    body = wh.payload_many([[wh.messages_value(wh.contact(), first, second)],
                            [wh.messages_value(omar, third, fourth)]])

    assert body["object"] == "whatsapp_business_account"
    assert [len(entry["changes"]) for entry in body["entry"]] == [1, 1]
    value = body["entry"][0]["changes"][0]["value"]
    assert value["metadata"] == {"display_phone_number": "4930123456", "phone_number_id": "100200300"}
    assert [m["id"] for m in wh.flatten(body)] == [m["id"] for m in (first, second, third, fourth)]
    assert len({m["id"] for m in wh.flatten(body)}) == 4 and first["timestamp"].isdigit()
    assert second["context"] == {"from": "4930123456", "id": "wamid.OURS"}
    assert "from" not in third and third["from_user_id"] == "DE.1234567890"
    assert omar == {"profile": {"name": "Omar", "username": "omar"}, "wa_id": "4917612345678",
                    "user_id": "DE.1234567890"}
    items = parse(body)  # the channel reads them as they were meant, in order
    assert items is not None and len(items) == 4


def test_status_objects_carry_metas_fields() -> None:
    sent = wh.status("wamid.A", "sent", timestamp=1767225600)
    read = wh.status("wamid.A", "read")
    failed = wh.failed_status("wamid.B", code=131026, title="Message undeliverable")
    window = wh.failed_status("wamid.C")

    assert {key: sent[key] for key in ("id", "status", "timestamp", "recipient_id")} == {
        "id": "wamid.A", "status": "sent", "timestamp": "1767225600", "recipient_id": "4915112345678"}
    assert sent["conversation"]["origin"] == {"type": "service"} and sent["pricing"]["category"] == "service"
    assert "conversation" not in read and "errors" not in read
    [error] = failed["errors"]
    assert (failed["status"], error["code"], error["title"]) == ("failed", 131026, "Message undeliverable")
    assert error["message"] and error["error_data"]["details"]
    assert window["errors"][0]["code"] == 131047 and window["errors"][0]["title"] == "Re-engagement message"
    body = wh.payload(wh.statuses_value(sent, failed))
    assert [s["status"] for s in wh.flatten(body, "statuses")] == ["sent", "failed"]
    with pytest.raises(ValueError, match="queued"):
        wh.status("wamid.A", "queued")
