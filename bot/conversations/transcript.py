"""A conversation's messages in the database: appending in order, reading back as `ChatMessage`s.

Replies to a messenger conversation get their outbox row (`Delivery`) in the same transaction.

Sequence numbers come from one atomic UPDATE ... RETURNING on the conversation row, so writers
that run at the same time (the pipeline, staff replies, a second worker) never take the same
number, on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversations.events import OUTBOX_CHANNEL, EventBroker
from bot.conversations.inbound import WEB
from bot.conversations.messages import ChatMessage, Envelope, ReplyDetails
from bot.conversations.models import Conversation, Delivery, Message, as_utc, utcnow

ENVELOPE_EXTRAS = tuple(ReplyDetails.model_fields)  # stored as JSON beside the columns


async def allocate_seqs(session: AsyncSession, conversation_id: str, count: int = 1) -> int:
    """The first of `count` new sequence numbers of the conversation (inside the caller's transaction)."""
    first = await session.scalar(
        update(Conversation).where(Conversation.id == conversation_id)
        .values(next_seq=Conversation.next_seq + count, updated_at=utcnow())
        .returning(Conversation.next_seq))
    if first is None:
        raise LookupError(conversation_id)
    return int(first) - count


def person_message(conversation_id: str, seq: int, *, text: str, payload: str | None, language: str | None,
                   channel: str, external_id: str, unsupported: str | None = None) -> Message:
    """`unsupported`: what the person sent instead of text (photo, voice, ...); `text` then describes it."""
    return Message(id=str(uuid.uuid4()), conversation_id=conversation_id, seq=seq, role="person", kind=None,
                   text=text, payload=payload, language=language, channel=channel, external_id=external_id,
                   envelope={"unsupported": unsupported} if unsupported else None)


async def append_replies(session: AsyncSession, conversation: Conversation, envelopes: list[Envelope],
                         reply_to: int | None = None) -> list[Message]:
    """Store envelopes in order (not committed), with their outbox rows for a messenger conversation.

    A bot reply sets the conversation's language."""
    if not envelopes:
        return []
    first = await allocate_seqs(session, conversation.id, len(envelopes))
    messages = []
    for offset, envelope in enumerate(envelopes):
        if envelope.role == "bot":
            conversation.language = envelope.language
        message = Message(id=str(uuid.uuid4()), conversation_id=conversation.id, seq=first + offset,
                          role=envelope.role, kind=envelope.kind, text=envelope.text, payload=None,
                          language=envelope.language, reply_to=reply_to,
                          envelope=envelope.model_dump(mode="json", include=set(ENVELOPE_EXTRAS)))
        session.add(message)
        messages.append(message)
    await session.flush()
    if conversation.channel != WEB:
        session.add_all([Delivery(message_id=m.id, conversation_id=conversation.id, channel=conversation.channel,
                                  attempts=0, external_ids=[]) for m in messages])
        await session.flush()
    return messages


def publish(events: EventBroker, messages: list[Message]) -> None:
    """After the commit: every message to the conversation's listeners, and a nudge to the outbox."""
    for message in messages:
        events.publish(message.conversation_id, as_event(message))
    if messages:
        events.publish(OUTBOX_CHANNEL, {})


def chat_message(message: Message) -> ChatMessage:
    extras: dict[str, Any] = {key: value for key, value in (message.envelope or {}).items() if key in ENVELOPE_EXTRAS}
    return ChatMessage(seq=message.seq, id=message.id, role=message.role,
                       kind=message.kind, text=message.text,
                       language=message.language, payload=message.payload, reply_to=message.reply_to,
                       created_at=as_utc(message.created_at or utcnow()), **extras)


def as_event(message: Message) -> dict[str, Any]:
    """What live listeners get: the same object, as JSON."""
    return chat_message(message).model_dump(mode="json")


async def history(session: AsyncSession, conversation_id: str, after: int = 0) -> list[Message]:
    rows = await session.scalars(
        select(Message).where(Message.conversation_id == conversation_id, Message.seq > after).order_by(Message.seq))
    return list(rows)


async def replies_to(session: AsyncSession, conversation_id: str, seq: int) -> list[Message]:
    rows = await session.scalars(
        select(Message).where(Message.conversation_id == conversation_id, Message.reply_to == seq)
        .order_by(Message.seq))
    return list(rows)


async def last_answer(session: AsyncSession, conversation_id: str) -> dict[str, Any] | None:
    """The envelope extras of the conversation's latest answer (for a hand-off's best guess)."""
    envelope: dict[str, Any] | None = await session.scalar(
        select(Message.envelope).where(Message.conversation_id == conversation_id, Message.kind == "answer")
        .order_by(Message.seq.desc()).limit(1))
    return envelope
