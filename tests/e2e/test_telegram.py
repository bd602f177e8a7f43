"""Telegram through the real stack: an update in, Rasa and the action server, the reply at the fake Bot API."""

import itertools
from typing import Any

import httpx
import pytest

from bot import i18n
from bot.tools.devstack import Stack
from bot.tools.fake_telegram import FakeTelegram
from tests.e2e.conftest import TELEGRAM_SECRET

pytestmark = pytest.mark.e2e
_ids = itertools.count(5000)


class TelegramPerson:
    """Someone writing to the city's bot: updates as Telegram would post them to the webhook."""

    def __init__(self, stack: Stack, fake: FakeTelegram, language: str = "de") -> None:
        self.stack, self.fake, self.language = stack, fake, language
        self.chat = next(_ids)
        self.message_ids = itertools.count(1)

    def post(self, update: dict[str, Any], secret: str | None = TELEGRAM_SECRET) -> httpx.Response:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        return httpx.post(f"{self.stack.config.gateway_url}/channels/telegram/webhook", json=update, headers=headers,
                          timeout=30)

    def user(self) -> dict[str, Any]:
        return {"id": self.chat, "is_bot": False, "first_name": "Olena", "language_code": self.language}

    def says(self, text: str) -> dict[str, Any]:
        update = {"update_id": next(_ids), "message": {"message_id": next(self.message_ids), "date": 1764770000,
                                                       "text": text, "chat": {"id": self.chat, "type": "private"},
                                                       "from": self.user()}}
        assert self.post(update).status_code == 200
        return update

    def taps(self, callback_data: str, message_id: int) -> None:
        update = {"update_id": next(_ids), "callback_query": {
            "id": f"q{next(_ids)}", "chat_instance": "c", "data": callback_data, "from": self.user(),
            "message": {"message_id": message_id, "date": 1, "chat": {"id": self.chat, "type": "private"},
                        "text": "…"}}}
        assert self.post(update).status_code == 200

    def replies(self, count: int, timeout: float = 60) -> list[dict[str, Any]]:
        calls = self.fake.wait_for("sendMessage", lambda c: str(c["params"]["chat_id"]) == str(self.chat), timeout,
                                   count)
        return [c["params"] for c in calls]


def test_the_webhook_was_registered(stack: Stack, fake_telegram: FakeTelegram) -> None:
    assert fake_telegram.calls("setWebhook")[-1]["params"]["url"].endswith("/channels/telegram/webhook")
    assert httpx.get(f"{stack.config.gateway_url}/health").json()["channels"]["telegram"] is True


def test_a_question_gets_the_sourced_answer_with_buttons(stack: Stack, fake_telegram: FakeTelegram) -> None:
    person = TelegramPerson(stack, fake_telegram)
    person.says("Wie verlängere ich meinen Aufenthaltstitel?")
    intro, answer, referral = person.replies(3)
    assert intro["text"].startswith(i18n.text("greeting", "de")[:30])
    assert answer["parse_mode"] == "HTML" and '<a href="https://' in answer["text"]
    buttons = [b for row in answer["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["text"] for b in buttons] == [i18n.text("button_yes", "de"), i18n.text("button_no", "de"),
                                            i18n.text("talk_to_person", "de")]
    assert all(len(b["callback_data"]) <= 64 and "/" not in b["callback_data"] for b in buttons)
    assert "Ausländerbehörde Musterstadt" in referral["text"]


def test_tap_for_a_person_then_a_staff_reply_reaches_the_chat(stack: Stack, fake_telegram: FakeTelegram) -> None:
    person = TelegramPerson(stack, fake_telegram, language="uk")
    person.says("Привіт")
    [greeting] = person.replies(1)
    [[to_person]] = greeting["reply_markup"]["inline_keyboard"]
    person.taps(to_person["callback_data"], 1000)  # the fake numbers each chat's messages from 1000
    handoff = person.replies(2)[-1]
    assert "W-" in handoff["text"]
    number = "W-" + handoff["text"].split("W-")[1][:6]
    staff = {"Authorization": f"Bearer {stack.env()['STAFF_API_TOKEN']}"}
    reply = httpx.post(f"{stack.config.gateway_url}/api/v1/staff/tickets/{number}/reply",
                       json={"staff": "Anna", "text": "Добрий день, це Анна з Welcome Center."}, headers=staff)
    assert reply.status_code == 200, reply.text
    assert person.replies(3)[-1]["text"] == "Добрий день, це Анна з Welcome Center."
    fake_telegram.wait_for("answerCallbackQuery")
    fake_telegram.wait_for("editMessageReplyMarkup", lambda c: str(c["params"]["chat_id"]) == str(person.chat))


def test_a_redelivered_update_is_answered_once(stack: Stack, fake_telegram: FakeTelegram) -> None:
    person = TelegramPerson(stack, fake_telegram)
    update = person.says("Guten Tag")
    person.replies(1)
    assert person.post(update).status_code == 200
    person.says("Danke")  # the next message's reply proves the redelivery was handled before it
    replies = person.replies(2)
    assert len(fake_telegram.sent_messages(person.chat)) == len(replies) == 2


def test_a_wrong_secret_is_refused(stack: Stack, fake_telegram: FakeTelegram) -> None:
    person = TelegramPerson(stack, fake_telegram)
    update = {"update_id": 1, "message": {"message_id": 1, "date": 1, "text": "Hallo",
                                          "chat": {"id": person.chat, "type": "private"}}}
    assert person.post(update, secret="wrong").status_code == 403
    assert person.post(update, secret=None).status_code == 403
