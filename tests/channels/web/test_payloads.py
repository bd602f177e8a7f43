"""Only payloads the conversation was offered (or the short fixed list) steer the bot; the rest is text."""

import pytest
from sqlalchemy import select

from bot.conversations import transcript
from bot.conversations.messages import Button, Envelope
from bot.conversations.models import Conversation, Message
from tests.support.app import new_conversation


async def person_messages(app, conversation_id: str) -> list[Message]:
    async with app.state.services.sessions() as session:
        return list(await session.scalars(select(Message).where(
            Message.conversation_id == conversation_id, Message.role == "person").order_by(Message.seq)))


async def offer(app, conversation_id: str, *buttons: Button) -> None:
    async with app.state.services.sessions() as session:
        conversation = await session.get(Conversation, conversation_id)
        await transcript.append_replies(session, conversation, [Envelope(
            kind="clarify", text="Meinen Sie …", language="de", buttons=list(buttons))])
        await session.commit()


BLUE_CARD = '/ask_question{"kb_id": "eu-blue-card"}'


async def test_an_offered_button_is_a_payload_and_its_title_is_what_the_person_said(client, app) -> None:
    conversation_id, headers = await new_conversation(client, language="de")
    await offer(app, conversation_id, Button(title="Was ist die Blaue Karte?", payload=BLUE_CARD))
    response = await client.post(f"/api/v1/conversations/{conversation_id}/messages", json={"payload": BLUE_CARD},
                                 headers=headers)
    received = response.json()["received"]
    assert (received["payload"], received["text"]) == (BLUE_CARD, "Was ist die Blaue Karte?")


@pytest.mark.parametrize("payload", [BLUE_CARD, "/emergency", "/restart", "/session_start",
                                     '/switch_language{"language_choice": "xx"}', "/goodbye"])
async def test_a_payload_never_offered_is_treated_as_text(client, app, payload: str) -> None:
    conversation_id, headers = await new_conversation(client, language="de")
    response = await client.post(f"/api/v1/conversations/{conversation_id}/messages", json={"payload": payload},
                                 headers=headers)
    assert response.status_code == 200
    [message] = await person_messages(app, conversation_id)
    assert (message.payload, message.text) == (None, payload)


@pytest.mark.parametrize(("payload", "title"), [("/request_human", "Mit einem Menschen sprechen"),
                                                ("/feedback_positive", "👍"), ("/feedback_negative", "👎"),
                                                ('/switch_language{"language_choice": "ar"}', "العربية"),
                                                ("/greet", "Start")])
async def test_the_fixed_list_needs_no_offer(client, app, payload: str, title: str) -> None:
    conversation_id, headers = await new_conversation(client, language="de")
    await client.post(f"/api/v1/conversations/{conversation_id}/messages", json={"payload": payload}, headers=headers)
    [message] = await person_messages(app, conversation_id)
    assert (message.payload, message.text) == (payload, title)


async def test_an_offer_in_another_conversation_does_not_count(client, app) -> None:
    other, _ = await new_conversation(client, language="de")
    await offer(app, other, Button(title="Blaue Karte", payload=BLUE_CARD))
    conversation_id, headers = await new_conversation(client, language="de")
    await client.post(f"/api/v1/conversations/{conversation_id}/messages", json={"payload": BLUE_CARD},
                      headers=headers)
    [message] = await person_messages(app, conversation_id)
    assert message.payload is None
