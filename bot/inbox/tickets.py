"""Handoff tickets for staff: the queue, claiming, replying in the conversation, resolving."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversations.envelopes import Button, Envelope
from bot.conversations.models import Conversation, Message, Ticket, utcnow
from bot.conversations.service import ConversationService, message_event
from bot.languages import DEFAULT_LANGUAGE

NUMBER = re.compile(r"^W-(\d{6,})$")


class TicketNotFound(Exception):
    pass


class TicketConflict(Exception):
    """The action does not fit the ticket's state; the message says why, for the caseworker."""


class TicketService:
    def __init__(self, session: AsyncSession, conversations: ConversationService) -> None:
        self.session = session
        self.conversations = conversations

    async def queue(self, status: str | None = None) -> list[Ticket]:
        """Urgent first, then the longest waiting. `open` = waiting or assigned."""
        query = select(Ticket)
        if status == "open":
            query = query.where(Ticket.status.in_(("waiting", "assigned")))
        elif status is not None:
            query = query.where(Ticket.status == status)
        query = query.order_by(case((Ticket.urgent, 0), else_=1), Ticket.created_at, Ticket.id)
        return list(await self.session.scalars(query))

    async def get(self, number: str) -> Ticket:
        match = NUMBER.match(number)
        ticket = await self.session.get(Ticket, int(match.group(1))) if match else None
        if ticket is None:
            raise TicketNotFound(number)
        return ticket

    async def transcript(self, ticket: Ticket) -> list[dict[str, Any]]:
        messages = await self.session.scalars(
            select(Message).where(Message.conversation_id == ticket.conversation_id).order_by(Message.seq))
        return [message_event(m) for m in messages]

    async def claim(self, number: str, staff: str) -> Ticket:
        ticket = await self.get(number)
        if ticket.status == "resolved":
            raise TicketConflict(f"{number} is resolved; reopen it before claiming")
        if ticket.status == "assigned" and ticket.assignee != staff:
            raise TicketConflict(f"{number} is already handled by {ticket.assignee}")
        conversation = await self._conversation(ticket)
        ticket.status, ticket.assignee, ticket.claimed_at = "assigned", staff, utcnow()
        conversation.state = "assigned"
        await self.session.commit()
        return ticket

    async def reply(self, number: str, staff: str, text: str) -> Message:
        ticket = await self.get(number)
        if ticket.status == "resolved":
            raise TicketConflict(f"{number} is resolved: the person is talking to the assistant again. "
                                 "Reopen the ticket to write to them.")
        text = text.strip()
        if not text:
            raise TicketConflict("the reply is empty")
        if ticket.status == "waiting":  # answering claims the ticket
            await self.claim(number, staff)
        conversation = await self._conversation(ticket)
        envelope = Envelope(role="staff", kind="info", text=text, language=conversation.language or DEFAULT_LANGUAGE,
                            ticket=ticket.number)
        [message] = await self.conversations.add_envelopes(conversation, [envelope])
        return message

    async def resolve(self, number: str, staff: str) -> Ticket:
        ticket = await self.get(number)
        if ticket.status == "resolved":
            raise TicketConflict(f"{number} is already resolved")
        conversation = await self._conversation(ticket)
        ticket.status, ticket.resolved_at = "resolved", utcnow()
        ticket.assignee = ticket.assignee or staff
        conversation.state = "bot"
        back = self.conversations.system_envelope("resolved_back", conversation)
        rate = self.conversations.system_envelope("rate_help", conversation)
        rate.buttons = [Button(title="👍", payload="/feedback_positive"),
                        Button(title="👎", payload="/feedback_negative")]
        await self.conversations.add_envelopes(conversation, [back, rate])
        return ticket

    async def _conversation(self, ticket: Ticket) -> Conversation:
        conversation = await self.session.get(Conversation, ticket.conversation_id)
        assert conversation is not None  # a ticket's conversation is never deleted alone (cascade)
        return conversation


def ticket_summary(ticket: Ticket, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    created = ticket.created_at if ticket.created_at.tzinfo else ticket.created_at.replace(tzinfo=dt.UTC)
    return {"number": ticket.number, "conversation_id": ticket.conversation_id, "status": ticket.status,
            "reason": ticket.reason, "urgent": ticket.urgent, "language": ticket.language, "topic": ticket.topic,
            "guesses": ticket.guesses, "assignee": ticket.assignee, "created_at": created.isoformat(),
            "waiting_seconds": int((now - created).total_seconds()) if ticket.status == "waiting" else None}
