"""Staff JSON API on tickets. Rasa is down in these tests, so every message opens a technical ticket."""

from sqlalchemy import select

from bot import i18n
from bot.conversations.models import Conversation, Ticket
from tests.support.app import new_conversation

STAFF = {"Authorization": "Bearer change-me-staff-token"}


async def open_ticket(client, language: str = "ar") -> tuple[str, dict, str]:
    conversation_id, headers = await new_conversation(client, language=language)
    response = await client.post(f"/api/v1/conversations/{conversation_id}/messages", json={"text": "مساعدة"},
                                 headers=headers)
    return conversation_id, headers, response.json()["messages"][0]["ticket"]


async def test_staff_api_needs_the_staff_token(client) -> None:
    assert (await client.get("/api/v1/staff/tickets")).status_code == 401
    assert (await client.get("/api/v1/staff/tickets", headers={"Authorization": "Bearer nope"})).status_code == 401


async def test_queue_lists_the_waiting_ticket_with_what_staff_need(client) -> None:
    conversation_id, _, number = await open_ticket(client)
    response = await client.get("/api/v1/staff/tickets", params={"status": "waiting"}, headers=STAFF)
    [ticket] = response.json()["tickets"]
    assert ticket["number"] == number and ticket["conversation_id"] == conversation_id
    assert (ticket["status"], ticket["reason"], ticket["language"], ticket["urgent"]) == (
        "waiting", "technical", "ar", False)
    assert ticket["waiting_seconds"] >= 0


async def test_urgent_tickets_come_first(client, app) -> None:
    await open_ticket(client)
    _, _, urgent_number = await open_ticket(client)
    async with app.state.services.sessions() as session:
        ticket = await session.get(Ticket, int(urgent_number[2:]))
        ticket.urgent = True
        await session.commit()
    response = await client.get("/api/v1/staff/tickets", headers=STAFF)
    assert [t["number"] for t in response.json()["tickets"]][0] == urgent_number


async def test_claim_reply_resolve(client, app) -> None:
    conversation_id, headers, number = await open_ticket(client)
    claimed = await client.post(f"/api/v1/staff/tickets/{number}/claim", json={"staff": "Anna"}, headers=STAFF)
    assert claimed.json()["ticket"]["status"] == "assigned" and claimed.json()["ticket"]["assignee"] == "Anna"

    other = await client.post(f"/api/v1/staff/tickets/{number}/claim", json={"staff": "Ben"}, headers=STAFF)
    assert other.status_code == 409 and "wird schon von Anna bearbeitet" in other.json()["detail"]["message"]

    # while staff handle it, the person's messages wait for them with a short acknowledgement
    queued = await client.post(f"/api/v1/conversations/{conversation_id}/messages", json={"text": "شكرا"},
                               headers=headers)
    assert queued.json()["messages"][0]["text"] == i18n.text("queued_ack", "ar")

    reply = await client.post(f"/api/v1/staff/tickets/{number}/reply",
                              json={"staff": "Anna", "text": "مرحبا، أنا آنا من فريق الترحيب"}, headers=STAFF)
    assert reply.status_code == 200
    sent = reply.json()["message"]
    assert (sent["role"], sent["language"], sent["ticket"]) == ("staff", "ar", number) and sent["seq"] > 0

    resolved = await client.post(f"/api/v1/staff/tickets/{number}/resolve", json={"staff": "Anna"}, headers=STAFF)
    assert resolved.json()["ticket"]["status"] == "resolved"
    async with app.state.services.sessions() as session:
        assert (await session.get(Conversation, conversation_id)).state == "bot"

    history = (await client.get(f"/api/v1/conversations/{conversation_id}/messages", headers=headers)).json()
    roles = [(m["role"], m["text"]) for m in history["messages"]]
    assert roles[-3] == ("staff", "مرحبا، أنا آنا من فريق الترحيب")
    assert roles[-2] == ("system", i18n.text("resolved_back", "ar"))
    assert roles[-1] == ("system", i18n.text("rate_help", "ar"))
    assert [b["payload"] for b in history["messages"][-1]["buttons"]] == [
        "/feedback_positive", "/feedback_negative"]


async def test_reply_to_a_resolved_conversation_is_refused_clearly(client) -> None:
    _, _, number = await open_ticket(client)
    await client.post(f"/api/v1/staff/tickets/{number}/resolve", json={"staff": "Anna"}, headers=STAFF)
    response = await client.post(f"/api/v1/staff/tickets/{number}/reply", json={"staff": "Anna", "text": "Hallo"},
                                 headers=STAFF)
    assert response.status_code == 409
    message = response.json()["detail"]["message"]
    assert response.json()["detail"]["code"] == "ticket_conflict" and "abgeschlossen" in message and "erneut" in message


async def test_unknown_ticket_is_404(client) -> None:
    for number in ("W-999999", "not-a-ticket"):
        response = await client.post(f"/api/v1/staff/tickets/{number}/claim", json={"staff": "Anna"}, headers=STAFF)
        assert response.status_code == 404


async def test_tickets_are_listed_by_status(client, app) -> None:
    _, _, first = await open_ticket(client)
    _, _, second = await open_ticket(client)
    await client.post(f"/api/v1/staff/tickets/{second}/resolve", json={"staff": "Anna"}, headers=STAFF)
    open_numbers = [t["number"] for t in (await client.get("/api/v1/staff/tickets", headers=STAFF)).json()["tickets"]]
    resolved = (await client.get("/api/v1/staff/tickets", params={"status": "resolved"}, headers=STAFF)).json()
    assert first in open_numbers and second not in open_numbers
    assert [t["number"] for t in resolved["tickets"]] == [second]
    async with app.state.services.sessions() as session:
        assert len((await session.scalars(select(Ticket))).all()) == 2
