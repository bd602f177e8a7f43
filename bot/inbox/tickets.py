"""Handoff tickets for staff: the queue, claiming and assigning, replying, notes, resolving, reopening.

Every action is written to the audit log in the same transaction and announced on the staff
event channel, so every open inbox updates without a reload. `office=None` means "all offices"
(admins and the token API); an agent passes their office and never sees another office's tickets.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversations.envelopes import Button, Envelope
from bot.conversations.models import Conversation, Message, Ticket, as_utc, utcnow
from bot.conversations.service import STAFF_CHANNEL, ConversationService, message_event, staff_event
from bot.inbox.models import AuditEntry, Office, TicketNote
from bot.knowledge.answers import answer_envelope
from bot.knowledge.schema import Entry
from bot.languages import DEFAULT_LANGUAGE

NUMBER = re.compile(r"^\s*(?:W-?)?0*(\d{1,9})\s*$", re.IGNORECASE)
STATUSES = ("waiting", "assigned", "resolved", "open", "mine")


class TicketNotFound(Exception):
    pass


class TicketConflict(Exception):
    """The action does not fit the ticket's state; the message says why, for the caseworker."""


@dataclass(frozen=True)
class LastWords:
    text: str
    at: dt.datetime
    unanswered: bool  # the person wrote after the last staff reply


@dataclass(frozen=True)
class QueueFilter:
    status: str = "open"  # waiting | assigned | resolved | open (waiting or assigned) | mine
    office: str | None = None
    language: str | None = None
    topic: str | None = None


class TicketService:
    def __init__(self, session: AsyncSession, conversations: ConversationService) -> None:
        self.session = session
        self.conversations = conversations

    # --- reading ---
    async def queue(self, wanted: QueueFilter, *, visible_office: str | None = None,
                    me: str | None = None, limit: int = 500) -> list[Ticket]:
        """Urgent first, then the longest waiting (resolved: the latest first)."""
        query = select(Ticket)
        if wanted.status == "open":
            query = query.where(Ticket.status.in_(("waiting", "assigned")))
        elif wanted.status == "mine":
            query = query.where(Ticket.status == "assigned", Ticket.assignee == me)
        else:
            query = query.where(Ticket.status == wanted.status)
        for column, value in ((Ticket.office, visible_office), (Ticket.office, wanted.office),
                              (Ticket.language, wanted.language), (Ticket.topic, wanted.topic)):
            if value:
                query = query.where(column == value)
        if wanted.status == "resolved":
            query = query.order_by(Ticket.resolved_at.desc(), Ticket.id.desc())
        else:
            query = query.order_by(case((Ticket.urgent, 0), else_=1), Ticket.created_at, Ticket.id)
        return list(await self.session.scalars(query.limit(limit)))

    async def last_words(self, tickets: list[Ticket]) -> dict[str, LastWords]:
        """Per conversation: the person's latest message, and whether staff have answered it yet."""
        ids = {t.conversation_id for t in tickets}
        if not ids:
            return {}
        latest = await self.session.execute(
            select(Message.conversation_id, Message.role, func.max(Message.seq))
            .where(Message.conversation_id.in_(ids), Message.role.in_(("person", "staff")))
            .group_by(Message.conversation_id, Message.role))
        seqs: dict[tuple[str, str], int] = {(cid, role): seq for cid, role, seq in latest}
        person = {(cid, seq) for (cid, role), seq in seqs.items() if role == "person"}
        texts = {m.conversation_id: m for m in await self.session.scalars(
            select(Message).where(Message.conversation_id.in_(ids), Message.role == "person",
                                  tuple_(Message.conversation_id, Message.seq).in_(person)))} if person else {}
        return {cid: LastWords(text=m.text, at=m.created_at,
                               unanswered=m.seq > seqs.get((cid, "staff"), 0)) for cid, m in texts.items()}

    async def count_waiting(self, visible_office: str | None = None) -> int:
        query = select(func.count()).select_from(Ticket).where(Ticket.status == "waiting")
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

    async def transcript(self, ticket: Ticket) -> list[dict[str, Any]]:
        messages = await self.session.scalars(
            select(Message).where(Message.conversation_id == ticket.conversation_id).order_by(Message.seq))
        return [message_event(m) for m in messages]

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

    # --- acting ---
    async def claim(self, number: str, staff: str, office: str | None = None) -> Ticket:
        ticket = await self.get(number, office)
        if ticket.status == "resolved":
            raise TicketConflict(f"{ticket.number} ist abgeschlossen; öffnen Sie es erneut, um es zu übernehmen.")
        if ticket.status == "assigned" and ticket.assignee != staff:
            raise TicketConflict(f"{ticket.number} wird schon von {ticket.assignee} bearbeitet.")
        await self._assign(ticket, staff)
        self._audit(staff, "claimed", ticket)
        await self._commit(ticket, "claimed")
        return ticket

    async def assign(self, number: str, to: str, by: str, office: str | None = None) -> Ticket:
        ticket = await self.get(number, office)
        if ticket.status == "resolved":
            raise TicketConflict(f"{ticket.number} ist abgeschlossen; öffnen Sie es erneut, bevor Sie es zuweisen.")
        await self._assign(ticket, to)
        self._audit(by, "assigned", ticket, to=to)
        await self._commit(ticket, "assigned")
        return ticket

    async def unassign(self, number: str, by: str, office: str | None = None) -> Ticket:
        ticket = await self.get(number, office)
        if ticket.status != "assigned":
            raise TicketConflict(f"{ticket.number} ist niemandem zugewiesen.")
        conversation = await self.conversation(ticket)
        previous = ticket.assignee
        ticket.status, ticket.assignee, ticket.claimed_at = "waiting", None, None
        conversation.state = "waiting"
        self._audit(by, "unassigned", ticket, previous=previous)
        await self._commit(ticket, "unassigned")
        return ticket

    async def move(self, number: str, to_office: str, by: str, office: str | None = None) -> Ticket:
        ticket = await self.get(number, office)
        if await self.session.get(Office, to_office) is None:
            raise TicketConflict(f"Unbekannte Dienststelle {to_office}.")
        previous = ticket.office
        ticket.office = to_office
        if ticket.status == "assigned":  # the other team picks it up
            ticket.status, ticket.assignee, ticket.claimed_at = "waiting", None, None
            (await self.conversation(ticket)).state = "waiting"
        self._audit(by, "moved", ticket, office=to_office, previous=previous)
        await self._commit(ticket, "moved")
        return ticket

    async def reply(self, number: str, staff: str, text: str, office: str | None = None) -> Message:
        ticket = await self._writable(number, staff, office)
        text = text.strip()
        if not text:
            raise TicketConflict("Die Antwort ist leer.")
        conversation = await self.conversation(ticket)
        envelope = Envelope(role="staff", kind="info", text=text, language=_language(ticket, conversation),
                            ticket=ticket.number)
        return await self._send(ticket, conversation, envelope, staff, "replied", chars=len(text))

    async def reply_with_entry(self, number: str, staff: str, entry: Entry, office: str | None = None) -> Message:
        """The curated answer in the person's language (German and English where none exists)."""
        ticket = await self._writable(number, staff, office)
        conversation = await self.conversation(ticket)
        envelope = answer_envelope(entry, _language(ticket, conversation), None)
        envelope.role, envelope.ticket, envelope.buttons = "staff", ticket.number, []
        return await self._send(ticket, conversation, envelope, staff, "replied_with_entry", kb_id=entry.id)

    async def reply_canned(self, number: str, staff: str, key: str, texts: dict[str, str],
                           office: str | None = None) -> Message:
        """A prepared reply, in the person's language (German where it has no translation)."""
        ticket = await self._writable(number, staff, office)
        conversation = await self.conversation(ticket)
        language = _language(ticket, conversation)
        if language not in texts:
            language = DEFAULT_LANGUAGE
        envelope = Envelope(role="staff", kind="info", text=texts[language], language=language, ticket=ticket.number)
        return await self._send(ticket, conversation, envelope, staff, "replied_canned", canned=key)

    async def add_note(self, number: str, author: str, text: str, office: str | None = None) -> TicketNote:
        ticket = await self.get(number, office)
        text = text.strip()
        if not text:
            raise TicketConflict("Die Notiz ist leer.")
        note = TicketNote(ticket_id=ticket.id, author=author, text=text)
        self.session.add(note)
        self._audit(author, "noted", ticket)
        await self._commit(ticket, "noted")
        return note

    async def resolve(self, number: str, staff: str, office: str | None = None) -> Ticket:
        ticket = await self.get(number, office)
        if ticket.status == "resolved":
            raise TicketConflict(f"{ticket.number} ist schon abgeschlossen.")
        conversation = await self.conversation(ticket)
        ticket.status, ticket.resolved_at = "resolved", utcnow()
        ticket.assignee = ticket.assignee or staff
        conversation.state = "bot"
        back = self.conversations.system_envelope("resolved_back", conversation)
        rate = self.conversations.system_envelope("rate_help", conversation)
        rate.buttons = [Button(title="👍", payload="/feedback_positive"),
                        Button(title="👎", payload="/feedback_negative")]
        self._audit(staff, "resolved", ticket)
        await self.conversations.add_envelopes(conversation, [back, rate])
        self._announce(ticket, "resolved")
        return ticket

    async def reopen(self, number: str, staff: str, display_name: str, office: str | None = None) -> Ticket:
        """Back to staff: assigned to whoever reopens it; the person is told a person answers again."""
        ticket = await self.get(number, office)
        if ticket.status != "resolved":
            raise TicketConflict(f"{ticket.number} ist nicht abgeschlossen.")
        conversation = await self.conversation(ticket)
        if conversation.state != "bot":
            raise TicketConflict("Zu diesem Gespräch ist schon ein anderes Ticket offen.")
        ticket.resolved_at = None
        await self._assign(ticket, staff)
        self._audit(staff, "reopened", ticket)
        joined = self.conversations.system_envelope("staff_joined", conversation, name=display_name)
        await self.conversations.add_envelopes(conversation, [joined])
        self._announce(ticket, "reopened")
        return ticket

    # --- helpers ---
    async def _writable(self, number: str, staff: str, office: str | None) -> Ticket:
        ticket = await self.get(number, office)
        if ticket.status == "resolved":
            raise TicketConflict(f"{ticket.number} ist abgeschlossen: Die Person schreibt wieder mit dem "
                                 "automatischen Assistenten. Öffnen Sie das Ticket erneut, um ihr zu schreiben.")
        if ticket.status == "assigned" and ticket.assignee != staff:
            raise TicketConflict(f"{ticket.number} wird von {ticket.assignee} bearbeitet; "
                                 "übernehmen Sie es erst (zuweisen), um zu antworten.")
        if ticket.status == "waiting":  # answering claims the ticket
            await self._assign(ticket, staff)
            self._audit(staff, "claimed", ticket)
        return ticket

    async def _assign(self, ticket: Ticket, staff: str) -> None:
        ticket.status, ticket.assignee, ticket.claimed_at = "assigned", staff, utcnow()
        (await self.conversation(ticket)).state = "assigned"

    async def _send(self, ticket: Ticket, conversation: Conversation, envelope: Envelope, staff: str,
                    action: str, **details: Any) -> Message:
        self._audit(staff, action, ticket, **details)
        [message] = await self.conversations.add_envelopes(conversation, [envelope])
        self._announce(ticket, "replied")
        return message

    def _audit(self, actor: str, action: str, ticket: Ticket, **details: Any) -> None:
        self.session.add(AuditEntry(actor=actor, action=action, ticket_id=ticket.id, details=details))

    async def _commit(self, ticket: Ticket, change: str) -> None:
        await self.session.commit()
        self._announce(ticket, change)

    def _announce(self, ticket: Ticket, change: str) -> None:
        self.conversations.events.publish(STAFF_CHANNEL, staff_event(ticket, change))


def _language(ticket: Ticket, conversation: Conversation) -> str:
    """The language staff replies go out in: the conversation's, else the ticket's."""
    return conversation.language or ticket.language or DEFAULT_LANGUAGE


def ticket_summary(ticket: Ticket, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    created = as_utc(ticket.created_at)
    return {"number": ticket.number, "conversation_id": ticket.conversation_id, "status": ticket.status,
            "reason": ticket.reason, "urgent": ticket.urgent, "language": ticket.language, "topic": ticket.topic,
            "office": ticket.office, "guesses": ticket.guesses, "assignee": ticket.assignee,
            "created_at": created.isoformat(),
            "waiting_seconds": int((now - created).total_seconds()) if ticket.status == "waiting" else None}
