"""The fake Telegram Bot API (tests/support/fake_telegram.py), driven by the real python-telegram-bot client.

If PTB can talk to the fake as it talks to api.telegram.org, tests of our Telegram channel against the fake
mean something: these tests prove the protocol (URLs, form encoding, answers, errors, long polling).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import Conflict, EndPointNotFound, Forbidden, RetryAfter

from bot.tools.fake_telegram import FakeTelegram

TOKEN = "123:abc"
USER = {"id": 42, "is_bot": False, "first_name": "Ayşe", "last_name": "Yılmaz", "language_code": "tr"}
CHAT = {"id": 42, "type": "private", "first_name": "Ayşe", "last_name": "Yılmaz"}
BOT_USER = {"id": 123, "is_bot": True, "first_name": "Musterstadt Bot", "username": "musterstadt_bot"}
TEXT_UPDATE: dict[str, Any] = {
    "update_id": 815000001,
    "message": {"message_id": 17, "from": USER, "chat": CHAT, "date": 1767225600,
                "text": "Merhaba, kayıt için ne lazım?"},
}
CALLBACK_UPDATE: dict[str, Any] = {
    "update_id": 815000002,
    "callback_query": {
        "id": "4382bfdwdsb323b2d9",
        "from": USER,
        "chat_instance": "-6815307446384953522",
        "data": "k1",
        "message": {
            "message_id": 1000, "from": BOT_USER, "chat": CHAT, "date": 1767225601, "text": "Hilft Ihnen das?",
            "reply_markup": {"inline_keyboard": [[{"text": "Ja", "callback_data": "k1"}]]},
        },
    },
}


@pytest.fixture(scope="module")
def server() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake


@pytest.fixture
def fake(server: FakeTelegram) -> FakeTelegram:
    server.reset()
    return server


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    bot = Bot(token=TOKEN, base_url=fake.api_base_url, base_file_url=fake.file_base_url)
    await bot.initialize()  # calls getMe
    try:
        yield bot
    finally:
        await bot.shutdown()


async def test_get_me_answers_the_bot_user(bot: Bot, fake: FakeTelegram) -> None:
    me = await bot.get_me()

    assert (me.username, me.id, me.is_bot, me.first_name) == ("musterstadt_bot", 123, True, "Musterstadt Bot")
    assert bot.username == "musterstadt_bot"  # from initialize()
    assert [call["token"] for call in fake.calls("getMe")] == [TOKEN, TOKEN]


async def test_send_message_is_recorded_decoded_and_answered_with_a_message(bot: Bot, fake: FakeTelegram) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="k1")]])

    message = await bot.send_message(chat_id=42, text="<b>Hallo</b>", parse_mode="HTML", reply_markup=keyboard)

    assert isinstance(message, Message)
    assert isinstance(message.message_id, int)
    assert message.message_id == 1000
    assert (message.chat.id, message.text, message.from_user and message.from_user.username) == (
        42, "<b>Hallo</b>", "musterstadt_bot")
    assert message.reply_markup == keyboard
    [params] = fake.sent_messages(chat_id=42)
    assert params["chat_id"] == 42  # PTB sent "42": decoded to the number, as Telegram reads it
    assert params["text"] == "<b>Hallo</b>"
    assert params["parse_mode"] == "HTML"
    assert params["reply_markup"] == {"inline_keyboard": [[{"text": "Ja", "callback_data": "k1"}]]}


async def test_message_ids_count_up_per_chat(bot: Bot, fake: FakeTelegram) -> None:
    ids = [(await bot.send_message(chat_id=chat, text="1")).message_id for chat in (42, 42, 7)]

    assert ids == [1000, 1001, 1000]
    assert fake.sent_messages(chat_id=42)[0]["text"] == "1"  # a text stays a string, even "1"


async def test_edits_callback_answers_and_chat_actions(bot: Bot, fake: FakeTelegram) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="k1")]])
    sent = await bot.send_message(chat_id=42, text="Hilft Ihnen das?", reply_markup=keyboard)

    edited = await bot.edit_message_reply_markup(chat_id=42, message_id=sent.message_id, reply_markup=None)
    assert isinstance(edited, Message)
    assert (edited.message_id, edited.text, edited.reply_markup) == (sent.message_id, "Hilft Ihnen das?", None)
    retexted = await bot.edit_message_text("Danke!", chat_id=42, message_id=sent.message_id)
    assert isinstance(retexted, Message)
    assert retexted.text == "Danke!"
    assert await bot.answer_callback_query("4382bfdwdsb323b2d9", text="Gern") is True
    assert await bot.send_chat_action(chat_id=42, action="typing") is True
    assert fake.calls("answerCallbackQuery")[0]["params"]["callback_query_id"] == "4382bfdwdsb323b2d9"


async def test_flood_control_raises_retry_after_and_the_next_call_succeeds(
        bot: Bot, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB >= 22.2 warns (PTBDeprecationWarning) on reading RetryAfter.retry_after as int seconds, and
    # RetryAfter.__init__ reads it itself; with PTB_TIMEDELTA=true it is a timedelta and nothing warns
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 2", retry_after=2)

    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(chat_id=42, text="eins")

    assert raised.value.retry_after == timedelta(seconds=2)
    message = await bot.send_message(chat_id=42, text="zwei")
    assert message.message_id == 1000  # the refused call sent nothing
    assert [(call["params"]["text"], call["failed"]) for call in fake.calls("sendMessage")] == [
        ("eins", True), ("zwei", False)]
    assert [params["text"] for params in fake.sent_messages()] == ["zwei"]


async def test_blocked_bot_raises_forbidden(bot: Bot, fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user", times=2)

    for _ in range(2):
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await bot.send_message(chat_id=42, text="Hallo")

    assert (await bot.send_message(chat_id=42, text="Hallo")).message_id == 1000


async def test_unknown_method_is_not_found(bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendHologram", api_kwargs={"chat_id": 42})


async def test_set_webhook_is_recorded_and_reported(bot: Bot, fake: FakeTelegram) -> None:
    url = "https://welcome.musterstadt.example/telegram/webhook"

    assert await bot.set_webhook(url, secret_token="s3cret", allowed_updates=["message", "callback_query"]) is True

    [call] = fake.calls("setWebhook")
    assert call["params"]["url"] == url
    assert call["params"]["secret_token"] == "s3cret"
    assert call["params"]["allowed_updates"] == ["message", "callback_query"]
    info = await bot.get_webhook_info()
    assert (info.url, info.allowed_updates) == (url, ("message", "callback_query"))
    with pytest.raises(Conflict):  # as on Telegram: no getUpdates while a webhook is set
        await bot.get_updates(timeout=0)
    assert await bot.delete_webhook() is True
    assert (await bot.get_webhook_info()).url == ""


async def test_get_updates_returns_pushed_updates_and_confirms_them_with_offset(bot: Bot, fake: FakeTelegram) -> None:
    fake.push_update(CALLBACK_UPDATE)  # out of order: served by update_id
    fake.push_update(TEXT_UPDATE)

    updates = await bot.get_updates(offset=TEXT_UPDATE["update_id"], timeout=1)

    assert [update.update_id for update in updates] == [815000001, 815000002]
    text, callback = updates
    assert isinstance(text, Update)
    assert text.message is not None and text.message.text == "Merhaba, kayıt için ne lazım?"
    assert text.effective_user is not None and text.effective_user.language_code == "tr"
    assert callback.callback_query is not None and callback.callback_query.data == "k1"
    assert isinstance(callback.callback_query.message, Message)
    assert callback.callback_query.message.message_id == 1000
    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=1) == ()
    assert await bot.get_updates(timeout=0) == ()  # confirmed updates are gone
    assert [call["params"].get("offset") for call in fake.calls("getUpdates")] == [815000001, 815000003, None]


async def test_long_poll_returns_as_soon_as_an_update_arrives(bot: Bot, fake: FakeTelegram) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=1))
    await asyncio.sleep(0.1)
    fake.push_update(TEXT_UPDATE)

    updates = await poll

    assert [update.update_id for update in updates] == [815000001]
    assert time.monotonic() - started < 0.9  # woken by the update, not by the end of the poll


async def test_wait_for_returns_matching_calls(bot: Bot, fake: FakeTelegram) -> None:
    waiting = asyncio.create_task(asyncio.to_thread(
        fake.wait_for, "sendMessage", lambda call: call["params"]["text"] == "zwei", timeout=5))
    await bot.send_message(chat_id=42, text="eins")
    await bot.send_message(chat_id=42, text="zwei")

    [call] = await waiting

    assert (call["method"], call["token"], call["params"]["chat_id"]) == ("sendMessage", TOKEN, 42)


async def test_wait_for_times_out_with_a_summary_of_the_calls(bot: Bot, fake: FakeTelegram) -> None:
    await bot.send_message(chat_id=42, text="Hallo")

    with pytest.raises(AssertionError, match=r"(?s)2 successful sendMessage.*found 1.*getMe.*Hallo"):
        fake.wait_for("sendMessage", timeout=0.2, count=2)
    with pytest.raises(AssertionError, match="found 0"):
        fake.wait_for("sendMessage", lambda call: call["params"]["chat_id"] == 7, timeout=0.1)


async def test_query_string_and_json_bodies_are_read_too(fake: FakeTelegram) -> None:
    # not what PTB sends, but what Telegram accepts: the fake must not depend on PTB's encoding
    async with httpx.AsyncClient(base_url=f"{fake.api_base_url}{TOKEN}") as client:
        by_query = await client.get("/sendMessage", params={"chat_id": "42", "text": "1"})
        by_json = await client.post("/sendMessage", json={"chat_id": 42, "text": "zwei", "reply_markup": {
            "inline_keyboard": [[{"text": "Ja", "callback_data": "k1"}]]}})
        unknown = await client.post("/sendHologram")

    assert by_query.status_code == by_json.status_code == 200
    assert by_json.json()["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "k1"
    assert [(params["chat_id"], params["text"]) for params in fake.sent_messages(42)] == [(42, "1"), (42, "zwei")]
    assert (unknown.status_code, unknown.json()) == (404, {
        "ok": False, "error_code": 404, "description": "Not Found: method not found"})
    assert fake.calls("sendHologram")[0]["failed"] is True
