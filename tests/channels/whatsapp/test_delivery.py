"""Sending to WhatsApp: the 24-hour window, status reports in any order, and the Cloud API's errors."""

import asyncio
import datetime as dt

from sqlalchemy import select, update

from bot.conversations.models import Conversation, Delivery, Message
from bot.tools import fake_whatsapp as fake_api
from bot.tools import whatsapp_webhooks as wa
from tests.channels.whatsapp.conftest import notify, says, sent
from tests.support.waiting import eventually, outbox_settled

STAFF = {"Authorization": "Bearer change-me-staff-token"}
STAFF_TEXTS = ("Erste Antwort", "Zweite Antwort")


async def staff_reply(client, text: str) -> dict:
    [ticket] = (await client.get("/api/v1/staff/tickets", headers=STAFF)).json()["tickets"]
    response = await client.post(f"/api/v1/staff/tickets/{ticket['number']}/reply",
                                 json={"staff": "Anna", "text": text}, headers=STAFF)
    assert response.status_code == 200, response.text
    return response.json()["message"]


async def deliveries(app) -> list[tuple[str, str, str | None]]:
    """(text, status, error) of every reply, in order."""
    async with app.state.services.sessions() as session:
        rows = await session.execute(select(Message.text, Delivery.status, Delivery.error)
                                     .join(Delivery, Delivery.message_id == Message.id).order_by(Message.seq))
        return [tuple(row) for row in rows]


async def last_wrote(app, hours_ago: float) -> None:
    async with app.state.services.sessions() as session:
        await session.execute(update(Conversation).values(
            last_person_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours_ago)))
        await session.commit()


async def status_of(app, text: str) -> str:
    return next(status for t, status, _ in await deliveries(app) if t == text)


async def until_held(app, text: str) -> None:
    """Wait until the outbox holds this reply for the person (the 24-hour window is closed)."""

    async def held() -> bool:
        return await status_of(app, text) == "held"

    await eventually(held)


async def test_a_staff_reply_within_the_window_is_sent_as_it_is(whatsapp_client, whatsapp_app, fake_whatsapp) -> None:
    await says(whatsapp_client, wa.text("Ich brauche Hilfe"))
    await sent(fake_whatsapp)
    await last_wrote(whatsapp_app, 23)
    await staff_reply(whatsapp_client, "Guten Tag, hier ist Anna.")
    replies = await sent(fake_whatsapp, 2)
    assert replies[-1]["text"]["body"] == "Guten Tag, hier ist Anna."


async def test_a_late_staff_reply_waits_the_person_is_invited_once_and_gets_it_when_they_write(
        whatsapp_client, whatsapp_app, fake_whatsapp) -> None:
    await says(whatsapp_client, wa.text("Ich brauche Hilfe"))
    await sent(fake_whatsapp)
    await outbox_settled(whatsapp_app)
    await last_wrote(whatsapp_app, 25)
    await staff_reply(whatsapp_client, "Erste Antwort")
    await staff_reply(whatsapp_client, "Zweite Antwort")
    invitation = (await sent(fake_whatsapp, 2))[-1]
    assert invitation["type"] == "template"
    assert invitation["template"] == {"name": "willkommen_reply_waiting", "language": {"code": "de"}}

    async def both_held() -> bool:
        return [s for t, s, _ in await deliveries(whatsapp_app) if t in STAFF_TEXTS] == ["held", "held"]

    await eventually(both_held)
    await asyncio.sleep(1.5)  # the outbox polls every second: nothing more goes out while they wait
    assert len(fake_whatsapp.sent()) == 2

    await says(whatsapp_client, wa.text("Hallo, ich bin da"))
    bodies = [b.get("text", {}).get("body") for b in await sent(fake_whatsapp, 5)]
    assert bodies[2:4] == ["Erste Antwort", "Zweite Antwort"]  # in order, before the answer to the new message
    await outbox_settled(whatsapp_app)
    assert [s for t, s, _ in await deliveries(whatsapp_app) if t in STAFF_TEXTS] == ["sent", "sent"]


async def test_the_window_error_from_the_api_holds_the_reply_and_invites(
        whatsapp_client, whatsapp_app, fake_whatsapp) -> None:
    await says(whatsapp_client, wa.text("Ich brauche Hilfe"))
    await sent(fake_whatsapp)
    fake_whatsapp.fail_next(**fake_api.WINDOW_CLOSED)  # our clock says open, Meta says closed
    await staff_reply(whatsapp_client, "Antwort")
    assert (await sent(fake_whatsapp, 2))[-1]["type"] == "template"
    await until_held(whatsapp_app, "Antwort")
    await says(whatsapp_client, wa.text("Da bin ich"))
    assert (await sent(fake_whatsapp, 3))[2]["text"]["body"] == "Antwort"


async def test_statuses_in_any_order_end_in_the_furthest_state_and_failures_show_their_code(
        whatsapp_client, whatsapp_app, fake_whatsapp) -> None:
    await says(whatsapp_client, wa.text("Hallo"))
    await sent(fake_whatsapp)
    await outbox_settled(whatsapp_app)
    [record] = fake_whatsapp.calls()
    wamid = record["wamid"]
    for report in ("read", "delivered", "sent", "delivered"):  # out of order and twice
        await notify(whatsapp_client, wa.payload(wa.statuses_value(wa.status(wamid, report))))
    assert [s for _, s, _ in await deliveries(whatsapp_app)] == ["read"]

    await staff_reply(whatsapp_client, "Antwort")
    [_, second] = await sent(fake_whatsapp, 2)
    await outbox_settled(whatsapp_app)
    wamid = fake_whatsapp.calls()[-1]["wamid"]
    await notify(whatsapp_client, wa.payload(wa.statuses_value(
        wa.failed_status(wamid, code=131049, title="Message not delivered to maintain healthy ecosystem"))))
    await notify(whatsapp_client, wa.payload(wa.statuses_value(wa.status(wamid, "delivered"))))
    [_, (text, status, error)] = await deliveries(whatsapp_app)
    assert (text, status) == ("Antwort", "failed") and error.startswith("131049 ")


async def test_a_failed_status_for_a_closed_window_sends_the_reply_again_after_the_person_writes(
        whatsapp_client, whatsapp_app, fake_whatsapp) -> None:
    await says(whatsapp_client, wa.text("Ich brauche Hilfe"))
    await sent(fake_whatsapp)
    await staff_reply(whatsapp_client, "Antwort")
    await sent(fake_whatsapp, 2)
    await outbox_settled(whatsapp_app)
    wamid = fake_whatsapp.calls()[-1]["wamid"]
    await notify(whatsapp_client, wa.payload(wa.statuses_value(wa.failed_status(wamid))))  # 131047, later
    assert (await sent(fake_whatsapp, 3))[-1]["type"] == "template"
    await until_held(whatsapp_app, "Antwort")
    await says(whatsapp_client, wa.text("Hier"))
    assert (await sent(fake_whatsapp, 4))[3]["text"]["body"] == "Antwort"


async def test_rate_limits_and_server_errors_retry_and_an_unreachable_number_is_marked(
        whatsapp_client, whatsapp_app, fake_whatsapp) -> None:
    fake_whatsapp.fail_next(**fake_api.RATE_LIMITED, retry_after=1)
    fake_whatsapp.fail_next(**fake_api.SERVER_ERROR)
    await says(whatsapp_client, wa.text("Hallo"))
    records = await asyncio.to_thread(fake_whatsapp.wait_for, None, 15.0, 1)
    assert len(records) == 1 and [c["status"] for c in fake_whatsapp.calls()] == [429, 500, 200]

    fake_whatsapp.fail_next(**fake_api.UNDELIVERABLE)
    await says(whatsapp_client, wa.text("Noch eine Frage"))

    async def marked() -> bool:
        async with whatsapp_app.state.services.sessions() as session:
            return (await session.scalar(select(Conversation))).unreachable_at is not None

    await eventually(marked)
    assert [s for _, s, _ in await deliveries(whatsapp_app)] == ["sent", "unreachable"]
