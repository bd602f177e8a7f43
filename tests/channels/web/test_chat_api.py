from sqlalchemy import func, select

from bot import i18n
from bot.conversations.models import Conversation, Message, Ticket
from tests.support.app import new_conversation


async def test_create_conversation_returns_id_and_token(client) -> None:
    response = await client.post("/api/v1/conversations")
    assert response.status_code == 201
    data = response.json()
    assert set(data) == {"id", "token"} and len(data["token"]) >= 40


async def test_create_conversation_refuses_an_unknown_language(client) -> None:
    response = await client.post("/api/v1/conversations", json={"language": "xx"})
    assert response.status_code == 422


async def test_wrong_token_is_401(client) -> None:
    conversation_id, _ = await new_conversation(client)
    response = await client.post(f"/api/v1/conversations/{conversation_id}/messages", json={"text": "Hallo"},
                                 headers={"Authorization": "Bearer not-the-token"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_missing_token_is_401(client) -> None:
    conversation_id, _ = await new_conversation(client)
    response = await client.post(f"/api/v1/conversations/{conversation_id}/messages", json={"text": "Hallo"})
    assert response.status_code == 401


async def test_a_token_of_another_conversation_is_401(client) -> None:
    first, _ = await new_conversation(client)
    _, other_headers = await new_conversation(client)
    response = await client.post(f"/api/v1/conversations/{first}/messages", json={"text": "Hallo"},
                                 headers=other_headers)
    assert response.status_code == 401


async def test_unknown_conversation_is_404(client) -> None:
    _, headers = await new_conversation(client)
    response = await client.post("/api/v1/conversations/00000000-0000-0000-0000-000000000000/messages",
                                 json={"text": "Hallo"}, headers=headers)
    assert response.status_code == 404


async def test_empty_message_is_a_clear_422_and_nothing_is_stored(client, app) -> None:
    conversation_id, headers = await new_conversation(client)
    response = await client.post(f"/api/v1/conversations/{conversation_id}/messages", json={"text": "   "},
                                 headers=headers)
    assert response.status_code == 422
    assert response.json()["detail"] == {"code": "message_empty", "message": "The message is empty."}
    async with app.state.services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Message)) == 0


async def test_over_long_message_is_a_clear_422(client) -> None:
    conversation_id, headers = await new_conversation(client)
    response = await client.post(f"/api/v1/conversations/{conversation_id}/messages", json={"text": "a" * 2001},
                                 headers=headers)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail["code"] == "message_too_long" and detail["max"] == 2000 and detail["length"] == 2001


async def test_exactly_the_limit_is_accepted(client) -> None:
    conversation_id, headers = await new_conversation(client)
    response = await client.post(f"/api/v1/conversations/{conversation_id}/messages", json={"text": "a" * 2000},
                                 headers=headers)
    assert response.status_code == 200


async def test_text_and_payload_together_are_refused(client) -> None:
    conversation_id, headers = await new_conversation(client)
    response = await client.post(f"/api/v1/conversations/{conversation_id}/messages",
                                 json={"text": "hi", "payload": "/greet"}, headers=headers)
    assert response.status_code == 422
    assert "either 'text' or 'payload'" in response.text


async def test_when_rasa_is_down_the_message_is_kept_and_a_person_takes_over(client, app) -> None:
    conversation_id, headers = await new_conversation(client, language="ar")
    response = await client.post(f"/api/v1/conversations/{conversation_id}/messages",
                                 json={"text": "أريد تجديد الإقامة"}, headers=headers)
    assert response.status_code == 200
    [envelope] = response.json()["messages"]
    assert envelope["role"] == "system" and envelope["kind"] == "handoff" and envelope["language"] == "ar"
    assert envelope["ticket"] == "W-" + envelope["ticket"][2:] and len(envelope["ticket"]) == 8
    assert envelope["text"].startswith(i18n.text("technical_problem", "ar"))
    assert envelope["ticket"] in envelope["text"]

    async with app.state.services.sessions() as session:
        conversation = await session.get(Conversation, conversation_id)
        assert conversation.state == "waiting"
        messages = (await session.scalars(select(Message).order_by(Message.seq))).all()
        assert [(m.seq, m.role, m.text) for m in messages][0] == (1, "person", "أريد تجديد الإقامة")
        ticket = await session.scalar(select(Ticket))
        assert (ticket.reason, ticket.language, ticket.status) == ("technical", "ar", "waiting")

    # the next message waits for staff, in order, with a short acknowledgement
    response = await client.post(f"/api/v1/conversations/{conversation_id}/messages",
                                 json={"text": "هل من أحد؟"}, headers=headers)
    [ack] = response.json()["messages"]
    assert (ack["role"], ack["kind"], ack["text"]) == ("system", "info", i18n.text("queued_ack", "ar"))

    history = (await client.get(f"/api/v1/conversations/{conversation_id}/messages", headers=headers)).json()
    assert history["state"] == "waiting"
    assert [(m["seq"], m["role"]) for m in history["messages"]] == [
        (1, "person"), (2, "system"), (3, "person"), (4, "system")]
    assert history["messages"][2]["text"] == "هل من أحد؟"


async def test_health_is_503_when_rasa_and_actions_are_unreachable(client) -> None:
    response = await client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"] == {"rasa": "unavailable", "action_server": "unavailable"}  # status words, nothing more
    assert "127.0.0.1" not in response.text and "Error" not in response.text
