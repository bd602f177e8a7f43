"""The Telegram webhook on the conversation core, against the fake Bot API (Rasa is down here).

Rasa's port is closed in these tests, so a first text opens a technical ticket; what the bot
answers with the real Rasa is tested end to end (tests/e2e/test_telegram.py).
"""

import asyncio

from sqlalchemy import func, select

from bot import i18n
from bot.conversations.models import Conversation, Delivery, Message
from bot.tools.fake_telegram import FakeTelegram
from tests.channels.telegram.conftest import CHAT, deliver, eventually, outbox_settled, text_update


async def count(app, model) -> int:
    async with app.state.services.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def sent(fake: FakeTelegram, n: int = 1, chat: int = CHAT) -> list[dict]:
    calls = await asyncio.to_thread(fake.wait_for, "sendMessage", lambda c: str(c["params"]["chat_id"]) == str(chat),
                                    10.0, n)
    return [c["params"] for c in calls]


async def test_the_webhook_is_registered_with_its_secret_and_update_types(telegram_app, fake_telegram) -> None:
    [call] = fake_telegram.calls("setWebhook")
    assert call["params"]["url"] == "https://gateway.musterstadt.test/channels/telegram/webhook"
    assert call["params"]["secret_token"] == "test-webhook-secret_1"
    assert "callback_query" in call["params"]["allowed_updates"] and "message" in call["params"]["allowed_updates"]


async def test_a_wrong_or_missing_secret_is_403_and_nothing_is_stored(telegram_client, telegram_app) -> None:
    for secret in (None, "wrong", "test-webhook-secret_"):
        response = await deliver(telegram_client, text_update(1, "Hallo"), secret=secret)
        assert response.status_code == 403 and response.json()["detail"]["code"] == "secret_invalid"
    assert await count(telegram_app, Message) == 0 and await count(telegram_app, Conversation) == 0


async def test_malformed_bodies_are_4xx_and_unknown_updates_200(telegram_client, telegram_app) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": "test-webhook-secret_1"}
    for body in (b"not json", b"[1, 2]", b'"text"', b"{}"):
        response = await telegram_client.post("/channels/telegram/webhook", content=body, headers=headers)
        assert response.status_code in (200, 400), (body, response.status_code)
    for update in ({"update_id": 5, "poll": {"id": "1"}}, {"update_id": 6, "my_chat_member": {}},
                   {"update_id": 7, "message": {"message_id": 1, "date": 1, "chat": {"id": 1, "type": "private"},
                                                "new_chat_members": []}}):
        assert (await deliver(telegram_client, update)).status_code in (200, 400)
    assert await count(telegram_app, Message) == 0


async def test_a_text_is_stored_before_the_200_and_answered_once_even_if_delivered_twice(
        telegram_client, telegram_app, fake_telegram) -> None:
    update = text_update(10, "Wie verlängere ich meinen Aufenthaltstitel?")
    first, again = await deliver(telegram_client, update), await deliver(telegram_client, update)
    assert first.status_code == again.status_code == 200
    [reply] = await sent(fake_telegram)
    assert reply["parse_mode"] == "HTML" and i18n.text("technical_problem", "de") in reply["text"]
    await deliver(telegram_client, update)  # once more, after it was answered
    await outbox_settled(telegram_app)
    async with telegram_app.state.services.sessions() as session:
        conversation = await session.scalar(select(Conversation))
        messages = list(await session.scalars(select(Message).order_by(Message.seq)))
        [delivery] = list(await session.scalars(select(Delivery)))
    assert (conversation.channel, conversation.sender, conversation.display_name) == (
        "telegram", str(CHAT), "Amira (@amira_k)")
    assert [m.role for m in messages] == ["person", "system"]
    assert (delivery.status, delivery.external_ids) == ("sent", [str(1000)])
    assert len(fake_telegram.sent_messages()) == 1


async def test_start_greets_in_the_persons_telegram_language(telegram_client, telegram_app, fake_telegram) -> None:
    await deliver(telegram_client, text_update(11, "/start kita", language="uk"))
    await sent(fake_telegram)
    async with telegram_app.state.services.sessions() as session:
        person = await session.scalar(select(Message).where(Message.role == "person"))
    assert (person.payload, person.text, person.language) == ("/greet", i18n.text("start_button", "uk"), "uk")


async def test_a_photo_gets_one_polite_reply_with_a_person_button_and_is_recorded(
        telegram_client, telegram_app, fake_telegram) -> None:
    update = text_update(12, "", language="ar")
    update["message"].pop("text")
    update["message"]["photo"] = [{"file_id": "f1", "file_unique_id": "u1", "width": 90, "height": 90}]
    update["message"]["caption"] = "ورقتي"
    await deliver(telegram_client, update)
    [reply] = await sent(fake_telegram)
    assert reply["text"].startswith("\u200f")  # Arabic reads right to left
    assert i18n.text("only_text", "ar") in reply["text"]
    [[button]] = reply["reply_markup"]["inline_keyboard"]
    assert button["text"] == i18n.text("talk_to_person", "ar") and button["callback_data"] == "2:0"
    async with telegram_app.state.services.sessions() as session:
        person = await session.scalar(select(Message).where(Message.role == "person"))
    assert person.text == "[photo] ورقتي"


async def test_a_button_tap_is_acknowledged_its_keyboard_removed_and_its_payload_used(
        telegram_client, telegram_app, fake_telegram) -> None:
    photo = text_update(13, "")
    photo["message"].pop("text")
    photo["message"]["sticker"] = {"file_id": "s", "file_unique_id": "s", "width": 1, "height": 1,
                                   "is_animated": False, "is_video": False, "type": "regular"}
    await deliver(telegram_client, photo)
    [reply] = await sent(fake_telegram)
    tap = {"update_id": 14, "callback_query": {
        "id": "cbq-1", "chat_instance": "x", "data": reply["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
        "from": {"id": CHAT, "is_bot": False, "first_name": "Amira", "language_code": "de"},
        "message": {"message_id": 1000, "date": 1764770000, "chat": {"id": CHAT, "type": "private"}, "text": "…"}}}
    assert (await deliver(telegram_client, tap)).status_code == 200
    await asyncio.to_thread(fake_telegram.wait_for, "answerCallbackQuery")
    await asyncio.to_thread(fake_telegram.wait_for, "editMessageReplyMarkup")
    await sent(fake_telegram, 2)
    async with telegram_app.state.services.sessions() as session:
        pressed = await session.scalar(select(Message).where(Message.role == "person", Message.seq == 3))
    assert (pressed.payload, pressed.text) == ("/request_human", i18n.text("talk_to_person", "de"))


async def test_a_tap_on_a_button_never_offered_is_acknowledged_and_ignored(
        telegram_client, telegram_app, fake_telegram) -> None:
    await deliver(telegram_client, text_update(15, "Hallo"))
    await sent(fake_telegram)
    for data in ("1:0", "99:0", "2:7", "/emergency", "x:y"):
        tap = {"update_id": 16, "callback_query": {
            "id": f"cb-{data}", "chat_instance": "x", "data": data, "from": {"id": CHAT, "is_bot": False,
                                                                             "first_name": "A"},
            "message": {"message_id": 1000, "date": 1, "chat": {"id": CHAT, "type": "private"}, "text": "…"}}}
        assert (await deliver(telegram_client, tap)).status_code == 200
    await asyncio.to_thread(fake_telegram.wait_for, "answerCallbackQuery", None, 10.0, 5)
    assert await count(telegram_app, Message) == 2  # only "Hallo" and its reply


async def test_a_staff_reply_reaches_the_chat(telegram_client, telegram_app, fake_telegram) -> None:
    await deliver(telegram_client, text_update(17, "Ich brauche Hilfe", language="de"))
    await sent(fake_telegram)
    staff = {"Authorization": "Bearer change-me-staff-token"}
    [ticket] = (await telegram_client.get("/api/v1/staff/tickets", headers=staff)).json()["tickets"]
    await telegram_client.post(f"/api/v1/staff/tickets/{ticket['number']}/reply",
                               json={"staff": "Anna", "text": "Guten Tag, <b>hier</b> ist Anna & Team."}, headers=staff)
    replies = await sent(fake_telegram, 2)
    assert replies[-1]["text"] == "Guten Tag, &lt;b&gt;hier&lt;/b&gt; ist Anna &amp; Team."  # escaped


async def test_flood_control_waits_and_a_blocked_bot_marks_the_person_unreachable(
        telegram_client, telegram_app, fake_telegram) -> None:
    fake_telegram.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    await deliver(telegram_client, text_update(18, "Hallo"))
    await sent(fake_telegram)  # after the pause, once
    assert [c["failed"] for c in fake_telegram.calls("sendMessage")] == [True, False]

    fake_telegram.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user", times=5)
    await deliver(telegram_client, text_update(19, "Noch eine Frage", message_id=2))

    async def marked_unreachable() -> bool:
        async with telegram_app.state.services.sessions() as session:
            return (await session.scalar(select(Conversation))).unreachable_at is not None

    await eventually(marked_unreachable)
    assert [c["failed"] for c in fake_telegram.calls("sendMessage")] == [True, False, True]  # tried once, not forever
    async with telegram_app.state.services.sessions() as session:
        statuses = sorted(d.status for d in await session.scalars(select(Delivery)))
    assert statuses == ["sent", "unreachable"]


async def test_the_inbox_shows_the_channel_the_telegram_name_and_what_was_delivered(
        telegram_client, telegram_app, fake_telegram) -> None:
    from bot.inbox.accounts import Accounts
    from tests.inbox.support import PASSWORD, login

    async with telegram_app.state.services.sessions() as session:
        await Accounts(session).create_user(username="chef", display_name="Chefin", password=PASSWORD, role="admin",
                                            office=None, actor="test")
    await deliver(telegram_client, text_update(20, "Hallo"))
    await sent(fake_telegram)
    await outbox_settled(telegram_app)
    await login(telegram_client, "chef")
    queue = await telegram_client.get("/inbox/?status=open", headers={"Accept": "text/html"})
    assert "Telegram" in queue.text and "Amira (@amira_k)" in queue.text
    staff = {"Authorization": "Bearer change-me-staff-token"}
    [ticket] = (await telegram_client.get("/api/v1/staff/tickets", headers=staff)).json()["tickets"]
    page = await telegram_client.get(f"/inbox/tickets/{ticket['number']}", headers={"Accept": "text/html"})
    assert 'class="delivery sent"' in page.text and "Amira (@amira_k)" in page.text


async def test_a_redelivery_after_a_restart_is_not_answered_again(settings, knowledge_base, fake_telegram) -> None:
    from tests.channels.telegram.conftest import telegram_settings
    from tests.support.app import running_app

    update = text_update(30, "Guten Tag")
    for restart in range(2):  # the same update before and after a restart of the gateway
        empty_after = settings.database_url if restart else None
        async with running_app(telegram_settings(settings, fake_telegram), knowledge_base, empty_after) as (_, client):
            assert (await deliver(client, update)).status_code == 200
            await sent(fake_telegram)
    assert len(fake_telegram.sent_messages(CHAT)) == 1
