"""Counts for the admin page: handoffs and feedback per language and per topic."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversations.models import Conversation, Message, Ticket

FEEDBACK = {"/feedback_positive": "positive", "/feedback_negative": "negative"}


@dataclass
class Row:
    handoffs: int = 0
    urgent: int = 0
    open: int = 0
    resolved: int = 0
    positive: int = 0
    negative: int = 0


@dataclass
class HandoffStats:
    by_language: dict[str, Row] = field(default_factory=dict)
    by_topic: dict[str, Row] = field(default_factory=dict)


async def handoff_stats(session: AsyncSession) -> HandoffStats:
    stats = HandoffStats()

    def row(table: dict[str, Row], key: str | None) -> Row:
        return table.setdefault(key or "–", Row())

    for ticket in await session.scalars(select(Ticket)):
        for table, key in ((stats.by_language, ticket.language), (stats.by_topic, ticket.topic)):
            item = row(table, key)
            item.handoffs += 1
            item.urgent += ticket.urgent
            item.resolved += ticket.status == "resolved"
            item.open += ticket.status != "resolved"

    # feedback counts for the topic of the answer it follows, in the conversation's language
    messages = await session.execute(
        select(Message.conversation_id, Message.role, Message.kind, Message.payload, Message.envelope,
               Conversation.language)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(or_(Message.kind == "answer", Message.payload.in_(FEEDBACK)))
        .order_by(Message.conversation_id, Message.seq))
    last_topic: dict[str, str | None] = {}
    votes: Counter[tuple[str, str | None, str | None]] = Counter()
    for conversation_id, role, kind, payload, envelope, language in messages:
        if role != "person" and kind == "answer":
            last_topic[conversation_id] = (envelope or {}).get("topic")
        elif payload in FEEDBACK:
            votes[(FEEDBACK[payload], language, last_topic.get(conversation_id))] += 1
    for (vote, language, topic), count in votes.items():
        for table, key in ((stats.by_language, language), (stats.by_topic, topic)):
            setattr(row(table, key), vote, getattr(row(table, key), vote) + count)
    stats.by_language = dict(sorted(stats.by_language.items()))
    stats.by_topic = dict(sorted(stats.by_topic.items()))
    return stats
