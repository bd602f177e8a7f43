"""Everything held about a person's conversations, in both databases: found, exported, erased, purged.

- `find`: conversations by ticket number, conversation id, or channel identity (a web conversation's
  id, a Telegram chat id, a WhatsApp number or business-scoped user id);
- `export`: one JSON-ready document with the conversations, their messages, deliveries, tickets,
  notes, the audit entries on those tickets and Rasa's tracker events (GDPR Art. 15);
- `erase`: deletes all of it from the gateway's database and Rasa's tracker store (Art. 17); the
  audit log keeps only non-personal facts (who did what when, never what was said);
- `purge`: erases every conversation whose last message is older than the retention period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversations import transcript
from bot.conversations.models import Conversation, Delivery, Message, SentPart, Ticket, utcnow
from bot.inbox.models import AuditEntry, TicketNote
from bot.privacy.tracker import TrackerStore

TICKET_NUMBER = "W-"


@dataclass(frozen=True)
class Erased:
    conversations: int
    messages: int
    tickets: int
    tracker_events: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


async def find(session: AsyncSession, *, ticket: str | None = None, conversation: str | None = None,
               channel: str | None = None, sender: str | None = None) -> list[str]:
    """The ids of the conversations that match, oldest first."""
    query = select(Conversation.id).order_by(Conversation.created_at)
    if ticket:
        number = ticket.strip().upper().removeprefix(TICKET_NUMBER)
        if not number.isdigit():
            return []
        query = query.join(Ticket, Ticket.conversation_id == Conversation.id).where(Ticket.id == int(number))
    elif conversation:
        query = query.where(Conversation.id == conversation.strip())
    elif channel and sender:
        who = sender.strip().removeprefix("+")
        query = query.where(Conversation.channel == channel, or_(
            Conversation.sender == who, Conversation.sender == f"user:{who}"))
    else:
        return []
    return list(dict.fromkeys(await session.scalars(query)))


async def export(session: AsyncSession, tracker: TrackerStore, conversation_ids: list[str]) -> dict[str, Any]:
    document: dict[str, Any] = {"exported_at": utcnow().isoformat(), "conversations": []}
    for conversation_id in conversation_ids:
        conversation = await session.get(Conversation, conversation_id)
        if conversation is None:
            continue
        messages = await transcript.history(session, conversation_id)
        deliveries = {d.message_id: d for d in await session.scalars(
            select(Delivery).where(Delivery.conversation_id == conversation_id))}
        tickets = list(await session.scalars(select(Ticket).where(Ticket.conversation_id == conversation_id)))
        document["conversations"].append({
            "conversation": _columns(conversation, exclude={"token_hash"}),
            "messages": [{**transcript.chat_message(m).model_dump(mode="json"), "channel": m.channel,
                          "delivery": _columns(deliveries[m.id]) if m.id in deliveries else None}
                         for m in messages],
            "tickets": [{**_columns(t), "number": t.number, "notes": [_columns(n) for n in await session.scalars(
                select(TicketNote).where(TicketNote.ticket_id == t.id).order_by(TicketNote.id))],
                "audit": [_columns(a) for a in await session.scalars(
                    select(AuditEntry).where(AuditEntry.ticket_id == t.id).order_by(AuditEntry.id))]}
                for t in tickets],
            "rasa_tracker_events": await tracker.events(conversation_id),
        })
    return document


async def erase(session: AsyncSession, tracker: TrackerStore, conversation_ids: list[str], *, actor: str,
                action: str = "data_erased") -> Erased:
    """Delete the conversations and everything that hangs on them, in both databases; audited (counts only).
    Commits the session."""
    if not conversation_ids:
        return Erased(0, 0, 0, 0)
    # the gateway's database first: a crash before the tracker leaves that to the next purge
    ticket_ids = list(await session.scalars(select(Ticket.id).where(Ticket.conversation_id.in_(conversation_ids))))
    message_ids = select(Message.id).where(Message.conversation_id.in_(conversation_ids))
    await session.execute(delete(SentPart).where(SentPart.message_id.in_(message_ids)))
    await session.execute(delete(Delivery).where(Delivery.conversation_id.in_(conversation_ids)))
    if ticket_ids:
        await session.execute(delete(TicketNote).where(TicketNote.ticket_id.in_(ticket_ids)))
        await session.execute(update(AuditEntry).where(AuditEntry.ticket_id.in_(ticket_ids)).values(ticket_id=None))
    messages = await session.scalar(select(func.count()).select_from(Message).where(
        Message.conversation_id.in_(conversation_ids)))
    conversations = await session.scalar(select(func.count()).select_from(Conversation).where(
        Conversation.id.in_(conversation_ids)))
    await session.execute(delete(Message).where(Message.conversation_id.in_(conversation_ids)))
    await session.execute(delete(Ticket).where(Ticket.id.in_(ticket_ids)))
    await session.execute(delete(Conversation).where(Conversation.id.in_(conversation_ids)))
    await session.commit()
    erased = Erased(conversations or 0, messages or 0, len(ticket_ids), await tracker.delete(conversation_ids))
    await audit(session, actor, action, erased.as_dict())
    return erased


async def audit(session: AsyncSession, actor: str, action: str, details: dict[str, Any]) -> None:
    """A privacy action in the audit log: who, what, when and how much; never whose data or what it said."""
    session.add(AuditEntry(actor=actor, action=action, details=details))
    await session.commit()


async def purge(sessions: async_sessionmaker[AsyncSession], tracker: TrackerStore, retention_days: int,
                now: dt.datetime | None = None) -> Erased:
    """Erase every conversation with no message for `retention_days`, and the tracker store's old events of
    conversations the gateway no longer has (left over when an erasure was interrupted between the two)."""
    cutoff = (now or utcnow()) - dt.timedelta(days=retention_days)
    async with sessions() as session:
        old = list(await session.scalars(select(Conversation.id).where(Conversation.updated_at < cutoff)))
        erased = await erase(session, tracker, old, actor="system", action="retention_purge")
        quiet = await tracker.senders_quiet_since(cutoff.timestamp())
        known = set(await session.scalars(select(Conversation.id).where(Conversation.id.in_(quiet or [""]))))
    orphans = [sender for sender in quiet if sender not in known]
    if not orphans:
        return erased
    return Erased(erased.conversations, erased.messages, erased.tickets,
                  erased.tracker_events + await tracker.delete(orphans))


def _columns(row: Any, exclude: frozenset[str] | set[str] = frozenset()) -> dict[str, Any]:
    values = {column.key: getattr(row, column.key) for column in row.__table__.columns if column.key not in exclude}
    return {key: value.isoformat() if isinstance(value, dt.datetime) else value for key, value in values.items()}
