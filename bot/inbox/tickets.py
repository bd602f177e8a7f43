"""Handoff tickets for staff: claiming and assigning, replying, notes, resolving, reopening.

Every change of a ticket's status goes through the state machine (`bot/conversations/states.py`),
which moves the conversation along with it; an illegal one becomes a `TicketConflict` whose
message tells the caseworker why. Every action is written to the audit log in the same
transaction and announced on the staff event channel after the commit, so every open inbox
updates without a reload.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversations import states, transcript
from bot.conversations.events import STAFF_CHANNEL, EventBroker, staff_event
from bot.conversations.messages import Button, Envelope
from bot.conversations.models import Conversation, Message, Ticket, utcnow
from bot.conversations.service import system_envelope
from bot.conversations.states import TicketStatus, Transition
from bot.inbox.models import AuditEntry, Office, TicketNote
from bot.inbox.ticket_reads import TicketReader
from bot.knowledge.answers import answer_envelope
from bot.knowledge.schema import Entry
from bot.languages import DEFAULT_LANGUAGE

# why a transition does not fit the ticket's status, for the caseworker
CONFLICTS = {
    Transition.CLAIM: "{number} ist abgeschlossen; öffnen Sie es erneut, um es zu übernehmen.",
    Transition.RELEASE: "{number} ist niemandem zugewiesen.",
    Transition.MOVE: "{number} ist abgeschlossen.",
    Transition.RESOLVE: "{number} ist schon abgeschlossen.",
    Transition.REOPEN: "{number} ist nicht abgeschlossen.",
}
OTHER_TICKET_OPEN = "Zu diesem Gespräch ist schon ein anderes Ticket offen."
RESOLVED_NO_REPLY = ("{number} ist abgeschlossen: Die Person schreibt wieder mit dem automatischen Assistenten. "
                     "Öffnen Sie das Ticket erneut, um ihr zu schreiben.")


class TicketConflict(Exception):
    """The action does not fit the ticket's state; the message says why, for the caseworker."""


class TicketService(TicketReader):
    def __init__(self, session: AsyncSession, events: EventBroker) -> None:
        super().__init__(session)
        self.events = events

    async def claim(self, number: str, staff: str, office: str | None = None) -> Ticket:
        ticket = await self.get(number, office)
        if ticket.status == TicketStatus.ASSIGNED and ticket.assignee != staff:
            raise TicketConflict(f"{ticket.number} wird schon von {ticket.assignee} bearbeitet.")
        await self._assign(ticket, staff)
        self._audit(staff, "claimed", ticket)
        await self._commit(ticket, "claimed")
        return ticket

    async def assign(self, number: str, to: str, by: str, office: str | None = None) -> Ticket:
        ticket = await self.get(number, office)
        await self._assign(ticket, to)
        self._audit(by, "assigned", ticket, to=to)
        await self._commit(ticket, "assigned")
        return ticket

    async def unassign(self, number: str, by: str, office: str | None = None) -> Ticket:
        ticket = await self.get(number, office)
        previous = ticket.assignee
        await self._transition(ticket, Transition.RELEASE)
        ticket.assignee, ticket.claimed_at = None, None
        self._audit(by, "unassigned", ticket, previous=previous)
        await self._commit(ticket, "unassigned")
        return ticket

    async def move(self, number: str, to_office: str, by: str, office: str | None = None) -> Ticket:
        """To another office's queue; an open ticket waits there for that team (a resolved one just moves)."""
        ticket = await self.get(number, office)
        if await self.session.get(Office, to_office) is None:
            raise TicketConflict(f"Unbekannte Dienststelle {to_office}.")
        previous = ticket.office
        if ticket.status != TicketStatus.RESOLVED:
            await self._transition(ticket, Transition.MOVE)
            ticket.assignee, ticket.claimed_at = None, None
        ticket.office = to_office
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
        """Staff hand the conversation back to the bot, which asks the person for a rating."""
        ticket = await self.get(number, office)
        conversation = await self._transition(ticket, Transition.RESOLVE)
        ticket.resolved_at = utcnow()
        ticket.assignee = ticket.assignee or staff
        back = system_envelope("resolved_back", conversation.language)
        rate = system_envelope("rate_help", conversation.language)
        rate.buttons = [Button(title="👍", payload="/feedback_positive"),
                        Button(title="👎", payload="/feedback_negative")]
        self._audit(staff, "resolved", ticket)
        await self._store_and_commit(ticket, conversation, [back, rate], "resolved")
        return ticket

    async def reopen(self, number: str, staff: str, display_name: str, office: str | None = None) -> Ticket:
        """Back to staff: assigned to whoever reopens it; the person is told a person answers again."""
        ticket = await self.get(number, office)
        conversation = await self._transition(ticket, Transition.REOPEN)
        ticket.resolved_at, ticket.assignee, ticket.claimed_at = None, staff, utcnow()
        self._audit(staff, "reopened", ticket)
        joined = system_envelope("staff_joined", conversation.language, name=display_name)
        await self._store_and_commit(ticket, conversation, [joined], "reopened")
        return ticket

    # --- helpers ---
    async def _transition(self, ticket: Ticket, transition: Transition) -> Conversation:
        conversation = await self.conversation(ticket)
        try:
            states.apply(transition, conversation, ticket)
        except states.IllegalTransition as exc:
            allowed = (transition, exc.ticket_status) in states.TICKET_TRANSITIONS
            raise TicketConflict(OTHER_TICKET_OPEN if allowed else
                                 CONFLICTS[transition].format(number=ticket.number)) from None
        return conversation

    async def _writable(self, number: str, staff: str, office: str | None) -> Ticket:
        ticket = await self.get(number, office)
        if ticket.status == TicketStatus.RESOLVED:
            raise TicketConflict(RESOLVED_NO_REPLY.format(number=ticket.number))
        if ticket.status == TicketStatus.ASSIGNED and ticket.assignee != staff:
            raise TicketConflict(f"{ticket.number} wird von {ticket.assignee} bearbeitet; "
                                 "übernehmen Sie es erst (zuweisen), um zu antworten.")
        if ticket.status == TicketStatus.WAITING:  # answering claims the ticket
            await self._assign(ticket, staff)
            self._audit(staff, "claimed", ticket)
        return ticket

    async def _assign(self, ticket: Ticket, staff: str) -> None:
        await self._transition(ticket, Transition.CLAIM)
        ticket.assignee, ticket.claimed_at = staff, utcnow()

    async def _send(self, ticket: Ticket, conversation: Conversation, envelope: Envelope, staff: str,
                    action: str, **details: Any) -> Message:
        self._audit(staff, action, ticket, **details)
        [message] = await self._store_and_commit(ticket, conversation, [envelope], "replied")
        return message

    async def _store_and_commit(self, ticket: Ticket, conversation: Conversation, envelopes: list[Envelope],
                                change: str) -> list[Message]:
        messages = await transcript.append_replies(self.session, conversation, envelopes)
        await self._commit(ticket, change)
        transcript.publish(self.events, messages)
        return messages

    def _audit(self, actor: str, action: str, ticket: Ticket, **details: Any) -> None:
        self.session.add(AuditEntry(actor=actor, action=action, ticket_id=ticket.id, details=details))

    async def _commit(self, ticket: Ticket, change: str) -> None:
        await self.session.commit()
        self.events.publish(STAFF_CHANNEL, staff_event(ticket, change))


def _language(ticket: Ticket, conversation: Conversation) -> str:
    """The language staff replies go out in: the conversation's, else the ticket's."""
    return conversation.language or ticket.language or DEFAULT_LANGUAGE
