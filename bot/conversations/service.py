"""The message pipeline, the one path for every channel: store, then answer in order, then deliver.

`receive(inbound)`:
1. checks the message and stores it in a short transaction of its own, with the next sequence
   number; (channel, external_id) is unique, so a message delivered twice is stored once and
   the second delivery gets the first one's replies;
2. takes the conversation's lock (no transaction is open while it waits) and handles every
   message of the conversation that is not handled yet, oldest first: with the bot in charge it
   asks Rasa (outside any transaction), otherwise it passes the message on to staff; the replies,
   tickets and the "handled" mark are stored in one transaction;
3. publishes what was stored to live listeners (the event stream, the staff inbox).

Services raise domain errors; each channel maps them to its own responses.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import i18n
from bot.conversations import outbox, payloads, states, transcript
from bot.conversations.events import OUTBOX_CHANNEL, STAFF_CHANNEL, EventBroker, staff_event
from bot.conversations.handoffs import HandoffDesk
from bot.conversations.inbound import WEB, Inbound, InvalidMessage, checked
from bot.conversations.locks import ConversationLocks
from bot.conversations.messages import Button, ChatMessage, Envelope, Kind, person_button
from bot.conversations.models import Conversation, Message, Ticket, as_utc, utcnow
from bot.conversations.rasa_turn import RasaTurn, Reply
from bot.languages import DEFAULT_LANGUAGE
from bot.tokens import hash_token, new_token, token_matches

logger = logging.getLogger(__name__)
MAX_SEQ = 2**31 - 1  # the largest INTEGER on PostgreSQL


class ConversationNotFound(Exception):
    pass


class InvalidToken(Exception):
    pass


class DuplicateConflict(Exception):
    """The same message id arrived again with different content."""


def system_envelope(key: str, language: str | None, kind: Kind = "info", **params: object) -> Envelope:
    language = language or DEFAULT_LANGUAGE
    return Envelope(role="system", kind=kind, text=i18n.text(key, language, **params), language=language)


@dataclass(frozen=True)
class Outcome:
    received: ChatMessage  # the person's message as stored
    replies: list[ChatMessage]  # what answered it, in order
    duplicate: bool  # delivered before: nothing new was stored or answered


@dataclass(frozen=True)
class _Pending:
    seq: int
    text: str
    payload: str | None
    language: str | None
    details: dict[str, Any] | None  # {"unsupported": "photo"} for what the bot cannot read
    conversation_language: str | None
    state: str

    @property
    def unsupported(self) -> bool:
        return bool((self.details or {}).get("unsupported"))


class ConversationService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], turn: RasaTurn, events: EventBroker,
                 locks: ConversationLocks, desk: HandoffDesk, max_message_chars: int) -> None:
        self.sessions, self.turn, self.events, self.locks, self.desk = sessions, turn, events, locks, desk
        self.max_message_chars = max_message_chars

    # --- conversations ---
    async def create(self, language: str | None = None) -> tuple[str, str]:
        """A new web conversation: its id and the bearer token (the database keeps only its hash)."""
        token, conversation_id = new_token(), str(uuid.uuid4())
        async with self.sessions() as session:
            session.add(Conversation(id=conversation_id, token_hash=hash_token(token), channel=WEB,
                                     sender=conversation_id, language=language))
            await session.commit()
        return conversation_id, token

    async def open_for(self, channel: str, sender: str, language: str | None = None) -> str:
        """The conversation of a messenger's chat (a new one for a first message): its id."""
        async with self.sessions() as session:
            found = await session.scalar(select(Conversation.id).where(Conversation.channel == channel,
                                                                       Conversation.sender == sender))
            if found is not None:
                return str(found)
            conversation_id = str(uuid.uuid4())
            session.add(Conversation(id=conversation_id, channel=channel, sender=sender, language=language))
            try:
                await session.commit()
            except IntegrityError:  # the chat's first two messages arrived at the same moment
                await session.rollback()
                found = await session.scalar(select(Conversation.id).where(Conversation.channel == channel,
                                                                           Conversation.sender == sender))
                if found is None:
                    raise
                return str(found)
            return conversation_id

    async def offered_button(self, channel: str, sender: str, seq: int, index: int) -> Button | None:
        """A button that reply `seq` of this chat's conversation offered (None if there is no such one)."""
        async with self.sessions() as session:
            conversation_id = await session.scalar(select(Conversation.id).where(
                Conversation.channel == channel, Conversation.sender == sender))
            return await payloads.button_at(session, conversation_id, seq, index) if conversation_id else None

    async def tell(self, conversation_id: str, key: str) -> None:
        """A notice from the system in the conversation's language (e.g. a rate limit), not an answer to anything."""
        async with self.sessions() as session:
            conversation = await session.get(Conversation, conversation_id)
            if conversation is None:
                raise ConversationNotFound(conversation_id)
            notice = system_envelope(key, conversation.language)
            stored = await transcript.append_replies(session, conversation, [notice])
            await session.commit()
        transcript.publish(self.events, stored)

    async def authenticate(self, conversation_id: str, token: str) -> Conversation:
        async with self.sessions() as session:
            conversation = await session.get(Conversation, conversation_id)
        if conversation is None or conversation.channel != WEB:
            raise ConversationNotFound(conversation_id)
        if not token_matches(token, conversation.token_hash):
            raise InvalidToken(conversation_id)
        return conversation

    async def history(self, conversation_id: str, after: int = 0) -> tuple[Conversation, list[ChatMessage]]:
        async with self.sessions() as session:
            conversation = await session.get(Conversation, conversation_id)
            if conversation is None:
                raise ConversationNotFound(conversation_id)
            return conversation, [transcript.chat_message(m) for m in await transcript.history(
                session, conversation_id, after)]

    # --- the pipeline ---
    async def receive(self, inbound: Inbound) -> Outcome:
        """Store, answer in order, return the stored message and its replies (the web channel waits for this)."""
        message, duplicate = await self.accept(inbound)
        if message.handled_at is None:
            await self.process(message.conversation_id, up_to=message.seq)
        async with self.sessions() as session:
            replies = await transcript.replies_to(session, message.conversation_id, message.seq)
        return Outcome(transcript.chat_message(message), [transcript.chat_message(m) for m in replies], duplicate)

    async def accept(self, inbound: Inbound) -> tuple[Message, bool]:
        """Store what arrived (once); (the stored message, whether it was stored before). Messenger
        webhooks acknowledge after this and call `process` afterwards."""
        text, payload = checked(inbound, self.max_message_chars)
        return await self._store(inbound, text, payload)

    async def _store(self, inbound: Inbound, text: str | None, payload: str | None) -> tuple[Message, bool]:
        async with self.sessions() as session:
            conversation = await session.scalar(select(Conversation).where(
                Conversation.channel == inbound.channel, Conversation.sender == inbound.sender))
            if conversation is None:
                raise ConversationNotFound(inbound.sender)
            existing = await self._find(session, inbound)
            if existing is not None:
                return self._same(existing, text, payload), True
            button = None
            if payload is not None:
                button = await payloads.accepted(session, conversation.id, payload,
                                                 inbound.language or conversation.language or DEFAULT_LANGUAGE)
                if button is None:  # never offered here: what the person sent is text
                    text, payload = payload, None
            seq = await transcript.allocate_seqs(session, conversation.id)
            message = transcript.person_message(
                conversation.id, seq, text=button.title if button else str(text), payload=payload,
                language=inbound.language, channel=inbound.channel, external_id=inbound.external_id,
                unsupported=inbound.unsupported)
            # whoever writes gets what waited for them (replies are held only while the window is noted closed) ...
            released = await outbox.release_held(session, conversation.id) if conversation.window_closed_at else 0
            session.add(message)  # (after the last query: a duplicate must fail at the commit, not at an autoflush)
            conversation.unreachable_at = conversation.window_closed_at = None  # ... and can be written to
            if conversation.last_person_at is None or as_utc(conversation.last_person_at) < inbound.received_at:
                conversation.last_person_at = inbound.received_at  # (messengers may deliver out of order)
            if inbound.display_name:
                conversation.display_name = inbound.display_name[:120]
            if inbound.identity:
                conversation.identity = {**(conversation.identity or {}), **inbound.identity}
            try:
                await session.commit()
            except IntegrityError:  # the same message, stored by a delivery that ran at the same time
                await session.rollback()
                existing = await self._find(session, inbound)
                if existing is None:
                    raise
                return self._same(existing, text, payload), True
        self.events.publish(message.conversation_id, transcript.as_event(message))
        if released:
            self.events.publish(OUTBOX_CHANNEL, {})
        return message, False

    @staticmethod
    async def _find(session: AsyncSession, inbound: Inbound) -> Message | None:
        found: Message | None = await session.scalar(select(Message).where(
            Message.channel == inbound.channel, Message.external_id == inbound.external_id))
        return found

    @staticmethod
    def _same(existing: Message, text: str | None, payload: str | None) -> Message:
        """The stored message, if the repeated delivery carries what it carried."""
        sent = payload if payload is not None else text
        if sent not in (existing.payload, existing.text):
            raise DuplicateConflict(existing.external_id)
        return existing

    async def process(self, conversation_id: str, up_to: int | None = None) -> None:
        """Handle the conversation's unhandled messages in order, one turn at a time: all of them, or
        those up to seq `up_to` (a web request answers as soon as its own message is answered)."""
        async with self.locks.hold(conversation_id):
            while (pending := await self._next_pending(conversation_id, up_to)) is not None:
                await self._handle(conversation_id, pending)

    async def _next_pending(self, conversation_id: str, up_to: int | None) -> _Pending | None:
        async with self.sessions() as session:
            row = (await session.execute(
                select(Message.seq, Message.text, Message.payload, Message.language, Message.envelope,
                       Conversation.language, Conversation.state)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .where(Message.conversation_id == conversation_id, Message.role == "person",
                       Message.handled_at.is_(None), Message.seq <= (up_to if up_to is not None else MAX_SEQ))
                .order_by(Message.seq).limit(1))).first()
        return None if row is None else _Pending(*row)

    async def _handle(self, conversation_id: str, pending: _Pending) -> None:
        language = pending.language or pending.conversation_language
        if pending.unsupported:  # only text is understood here; a person can be reached
            only_text = system_envelope("only_text", language)
            only_text.buttons = [person_button(only_text.language)]
            replies: list[Reply] = [only_text]
        elif states.staff_in_charge(pending.state):
            replies = [system_envelope("queued_ack", pending.conversation_language)]
        else:  # the bot is in charge: ask Rasa, with no transaction open
            replies = await self.turn.run(conversation_id, pending.payload or pending.text,
                                         is_payload=pending.payload is not None, picked=pending.language,
                                         language=pending.conversation_language)
        opened: list[Ticket] = []
        async with self.sessions() as session:
            conversation = await session.get(Conversation, conversation_id)
            assert conversation is not None  # conversations are never deleted while they receive
            envelopes: list[Envelope] = []
            for item in replies:
                if isinstance(item, Envelope):
                    envelopes.append(item)
                    continue
                try:
                    ticket, announcement = await self.desk.open_ticket(session, conversation, item)
                except states.IllegalTransition:  # staff took the conversation over during this turn
                    logger.info("conversation %s is with staff already; no second ticket", conversation_id)
                    continue
                opened.append(ticket)
                envelopes.append(announcement)
            stored = await transcript.append_replies(session, conversation, envelopes, reply_to=pending.seq)
            handled = await session.scalar(select(Message).where(
                Message.conversation_id == conversation_id, Message.seq == pending.seq))
            assert handled is not None
            handled.handled_at = utcnow()
            with_staff = states.staff_in_charge(pending.state)
            waiting = await self._open_ticket(session, conversation_id) if with_staff else None
            await session.commit()
        transcript.publish(self.events, stored)
        for ticket in opened:
            self.events.publish(STAFF_CHANNEL, staff_event(ticket, "created"))
        if waiting is not None:
            self.events.publish(STAFF_CHANNEL, staff_event(waiting, "message"))

    @staticmethod
    async def _open_ticket(session: AsyncSession, conversation_id: str) -> Ticket | None:
        ticket: Ticket | None = await session.scalar(
            select(Ticket).where(Ticket.conversation_id == conversation_id,
                                 Ticket.status != states.TicketStatus.RESOLVED)
            .order_by(Ticket.id.desc()).limit(1))
        return ticket


__all__ = ["ConversationNotFound", "ConversationService", "DuplicateConflict", "InvalidMessage", "InvalidToken",
           "Outcome", "system_envelope"]
