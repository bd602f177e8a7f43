"""The message pipeline under concurrency, on SQLite and PostgreSQL, with real commits.

Rasa is down here (its port is closed): the first message of a conversation opens a technical
ticket and every later one is passed on to staff with an acknowledgement. That is enough to see
order, storage and de-duplication; tests/e2e repeats the 20-at-once test with the real Rasa.
"""

import asyncio

import httpx
from sqlalchemy import func, select

from bot import i18n
from bot.conversations.inbound import Inbound
from bot.conversations.models import Message, Ticket
from tests.support.app import new_conversation

AT_ONCE = 20


async def post(client: httpx.AsyncClient, conversation_id: str, headers: dict, **body: object) -> httpx.Response:
    return await client.post(f"/api/v1/conversations/{conversation_id}/messages", json=body, headers=headers)


async def stored(app, conversation_id: str) -> list[Message]:
    async with app.state.services.sessions() as session:
        return list(await session.scalars(select(Message).where(Message.conversation_id == conversation_id)
                                          .order_by(Message.seq)))


async def test_twenty_messages_at_once_are_all_stored_and_answered_in_order(live_client, live_app) -> None:
    conversation_id, headers = await new_conversation(live_client, language="de")
    texts = [f"Nachricht {i}" for i in range(AT_ONCE)]
    responses = await asyncio.gather(*(post(live_client, conversation_id, headers, text=t) for t in texts))
    assert [r.status_code for r in responses] == [200] * AT_ONCE, [r.text for r in responses if r.status_code != 200]

    messages = await stored(live_app, conversation_id)
    person = [m for m in messages if m.role == "person"]
    assert sorted(m.text for m in person) == sorted(texts) and all(m.handled_at for m in person)
    assert [m.seq for m in messages] == list(range(1, len(messages) + 1))  # no gaps, no duplicates
    replies = [m for m in messages if m.role != "person"]
    # handled one at a time in arrival (seq) order: replies follow the order of what they answer
    assert [m.reply_to for m in replies] == sorted(m.reply_to for m in replies)
    assert sorted({m.reply_to for m in replies}) == [m.seq for m in person]
    first, *rest = person
    assert [m.kind for m in replies if m.reply_to == first.seq] == ["handoff"]
    assert all([m.text for m in replies if m.reply_to == p.seq] == [i18n.text("queued_ack", "de")] for p in rest)
    # every response carries its own message and exactly its replies
    for response in responses:
        body = response.json()
        assert [m["reply_to"] for m in body["messages"]] == [body["received"]["seq"]] * len(body["messages"])
    assert len(live_app.state.services.locks) == 0  # released on every path, nothing accumulates
    async with live_app.state.services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Ticket)) == 1


async def test_a_retried_post_returns_the_first_result_and_is_not_answered_twice(live_client, live_app) -> None:
    conversation_id, headers = await new_conversation(live_client, language="en")
    first = await post(live_client, conversation_id, headers, text="Hello?", client_message_id="tab-1:7")
    again = await post(live_client, conversation_id, headers, text="Hello?", client_message_id="tab-1:7")
    assert first.status_code == again.status_code == 200
    assert again.json()["duplicate"] is True and first.json()["duplicate"] is False
    assert again.json()["received"] == first.json()["received"]
    assert again.json()["messages"] == first.json()["messages"]
    assert [m.role for m in await stored(live_app, conversation_id)] == ["person", "system"]


async def test_the_same_message_delivered_twice_at_the_same_moment_is_stored_once(live_client, live_app) -> None:
    conversation_id, headers = await new_conversation(live_client, language="en")
    responses = await asyncio.gather(*(post(live_client, conversation_id, headers, text="Hi", client_message_id="x1")
                                       for _ in range(5)))
    assert [r.status_code for r in responses] == [200] * 5
    assert len({r.json()["received"]["seq"] for r in responses}) == 1
    assert sum(not r.json()["duplicate"] for r in responses) == 1
    assert [m.role for m in await stored(live_app, conversation_id)] == ["person", "system"]


async def test_a_client_id_reused_for_another_text_is_a_conflict(live_client) -> None:
    conversation_id, headers = await new_conversation(live_client, language="en")
    await post(live_client, conversation_id, headers, text="Hello", client_message_id="same")
    response = await post(live_client, conversation_id, headers, text="Something else", client_message_id="same")
    assert response.status_code == 409
    assert response.json()["detail"]["code"] == "client_message_id_reused"


async def test_a_message_stored_but_never_answered_is_answered_when_it_is_sent_again(live_client, live_app) -> None:
    """A gateway that died between storing and answering: the client's retry finishes the turn."""
    conversation_id, headers = await new_conversation(live_client, language="de")
    services = live_app.state.services
    store = services.conversations._store  # the first half of receive(), as a crash would leave it
    inbound = Inbound(channel="web", external_id=f"{conversation_id}/c-1", sender=conversation_id, text="Hallo")
    message, _ = await store(inbound, "Hallo", None)
    assert message.handled_at is None
    response = await post(live_client, conversation_id, headers, text="Hallo", client_message_id="c-1")
    assert response.json()["duplicate"] is True
    assert [m["kind"] for m in response.json()["messages"]] == ["handoff"]
    assert [m.handled_at is not None for m in await stored(live_app, conversation_id) if m.role == "person"] == [True]


async def test_conversations_do_not_wait_for_each_other(live_client, live_app) -> None:
    pairs = [await new_conversation(live_client, language="en") for _ in range(5)]
    responses = await asyncio.gather(*(post(live_client, cid, headers, text="help") for cid, headers in pairs))
    assert [r.json()["messages"][0]["kind"] for r in responses] == ["handoff"] * 5
    assert len(live_app.state.services.locks) == 0
