"""Reading tickets for staff: the queue, who wrote last, one ticket, its transcript, notes and history.

`office=None` means "all offices" (admins and the token API); an agent passes their office and
never sees another office's tickets.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversations import transcript
from bot.conversations.messages import ChatMessage
from bot.conversations.models import Conversation, Delivery, Message, Ticket, as_utc, utcnow
from bot.conversations.states import TicketStatus
from bot.inbox.models import AuditEntry, TicketNote
from bot.inbox.queue import MAX_PAGE_SIZE, PAGE_SIZE, QueueFilter, QueuePage, read_page
from bot.inbox.queue_counts import QueueCounts, queue_counts

NUMBER = re.compile(r"^\s*(?:W-?)?0*(\d{1,9})\s*$", re.IGNORECASE)


class TicketNotFound(Exception):
    pass


@dataclass(frozen=True)
class LastWords:
    text: str
    at: dt.datetime
    unanswered: bool  # the person wrote after the last staff reply


class TicketReader:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def queue(self, wanted: QueueFilter, *, visible_office: str | None = None,
                    me: str | None = None, limit: int = MAX_PAGE_SIZE) -> list[Ticket]:
        """The first `limit` tickets of a view: urgent first, then the longest waiting (resolved: the latest first)."""
        return (await self.queue_page(wanted, visible_office=visible_office, me=me, limit=limit)).tickets

    async def queue_page(self, wanted: QueueFilter, *, visible_office: str | None = None, me: str | None = None,
                         after: str | None = None, before: str | None = None, limit: int = PAGE_SIZE) -> QueuePage:
        """One page of a view (`queue.py`: keyset pages)."""
        return await read_page(self.session, wanted, visible_office=visible_office, me=me, after=after,
                               before=before, limit=limit)

    async def queue_counts(self, wanted: QueueFilter, *, visible_office: str | None = None,
                           me: str | None = None) -> QueueCounts:
        """How many tickets the view holds, and per value of each filter (`queue_counts.py`)."""
        return await queue_counts(self.session, wanted, visible_office=visible_office, me=me)

    async def last_words(self, tickets: list[Ticket]) -> dict[str, LastWords]:
        """Per conversation: the person's latest message, and whether staff have answered it yet."""
        ids = {t.conversation_id for t in tickets}
        if not ids:
            return {}
        # one query: the latest seq of the person and of staff per conversation, with the person's message
        latest = (select(Message.conversation_id, Message.role, func.max(Message.seq).label("seq"))
                  .where(Message.conversation_id.in_(ids), Message.role.in_(("person", "staff")))
                  .group_by(Message.conversation_id, Message.role).subquery())
        rows = (await self.session.execute(
            select(latest.c.conversation_id, latest.c.role, latest.c.seq, Message.text, Message.created_at)
            .outerjoin(Message, and_(latest.c.role == "person", Message.conversation_id == latest.c.conversation_id,
                                     Message.seq == latest.c.seq)))).all()
        staff = {cid: seq for cid, role, seq, _, _ in rows if role == "staff"}
        return {cid: LastWords(text=text, at=at, unanswered=seq > staff.get(cid, 0))
                for cid, role, seq, text, at in rows if role == "person" and text is not None}

    async def count_waiting(self, visible_office: str | None = None) -> int:
        query = select(func.count()).select_from(Ticket).where(Ticket.status == TicketStatus.WAITING)
        if visible_office:
            query = query.where(Ticket.office == visible_office)
        return await self.session.scalar(query) or 0

    async def get(self, number: str, office: str | None = None) -> Ticket:
        """The ticket `W-000012` (also `12` or `w12`); another office's ticket does not exist for an agent."""
        match = NUMBER.match(number or "")
        ticket = await self.session.get(Ticket, int(match.group(1))) if match else None
        if ticket is None or (office is not None and ticket.office != office):
            raise TicketNotFound(number)
        return ticket

    async def transcript(self, ticket: Ticket) -> list[ChatMessage]:
        return [transcript.chat_message(m) for m in await transcript.history(self.session, ticket.conversation_id)]

    async def deliveries(self, ticket: Ticket) -> dict[str, Delivery]:
        """What happened to each reply sent to a messenger, by message id (empty for the web chat)."""
        rows = await self.session.scalars(select(Delivery).where(Delivery.conversation_id == ticket.conversation_id))
        return {d.message_id: d for d in rows}

    async def channels(self, tickets: list[Ticket]) -> dict[str, Conversation]:
        """The conversations of a queue page: channel and the messenger's name of the person."""
        ids = {t.conversation_id for t in tickets}
        if not ids:
            return {}
        return {c.id: c for c in await self.session.scalars(select(Conversation).where(Conversation.id.in_(ids)))}

    async def conversation(self, ticket: Ticket) -> Conversation:
        conversation = await self.session.get(Conversation, ticket.conversation_id)
        assert conversation is not None  # a ticket's conversation is never deleted alone (cascade)
        return conversation

    async def notes(self, ticket: Ticket) -> list[TicketNote]:
        return list(await self.session.scalars(
            select(TicketNote).where(TicketNote.ticket_id == ticket.id).order_by(TicketNote.id)))

    async def history(self, ticket: Ticket) -> list[AuditEntry]:
        return list(await self.session.scalars(
            select(AuditEntry).where(AuditEntry.ticket_id == ticket.id).order_by(AuditEntry.id)))


def ticket_summary(ticket: Ticket, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    created = as_utc(ticket.created_at)
    return {"number": ticket.number, "conversation_id": ticket.conversation_id, "status": ticket.status,
            "reason": ticket.reason, "urgent": ticket.urgent, "language": ticket.language, "topic": ticket.topic,
            "office": ticket.office, "guesses": ticket.guesses, "facts": ticket.facts or {},
            "assignee": ticket.assignee,
            "created_at": created.isoformat(),
            "waiting_seconds": int((now - created).total_seconds()) if ticket.status == "waiting" else None}
