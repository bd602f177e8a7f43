"""The message pipeline: store what the person sent, ask Rasa (or queue for staff), store replies.

Services raise domain errors; the router maps them to HTTP statuses.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import logging
import secrets
import uuid
from collections import defaultdict
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n
from bot.conversations.envelopes import Envelope
from bot.conversations.events import EventBroker
from bot.conversations.models import Conversation, Message, Ticket
from bot.conversations.office_hours import next_opening
from bot.knowledge.schema import Site
from bot.languages import DEFAULT_LANGUAGE
from bot.rasa_client import RasaClient, RasaUnavailable

logger = logging.getLogger(__name__)
STAFF_CHANNEL = "staff"  # the event channel of the staff inbox (tickets opened, messages for staff)


class ConversationNotFound(Exception):
    pass


class InvalidToken(Exception):
    pass


class InvalidMessage(Exception):
    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code, self.message, self.details = code, message, details


def message_event(message: Message) -> dict[str, Any]:
    """A stored message as the chat API shows it (history, polling and the live stream)."""
    return {"seq": message.seq, "role": message.role, "text": message.text,
            "created_at": message.created_at.isoformat() if message.created_at else None,
            "envelope": message.envelope}


def staff_event(ticket: Ticket, change: str) -> dict[str, Any]:
    """What the staff inbox hears about a ticket: enough to update the queue and filter by office."""
    return {"change": change, "ticket": ticket.number, "office": ticket.office, "urgent": ticket.urgent,
            "status": ticket.status, "conversation_id": ticket.conversation_id}


def hash_token(token: str) -> str:
    """What the database keeps of a bearer or session token."""
    return hashlib.sha256(token.encode()).hexdigest()


# One message at a time per conversation (in this process), so replies keep their order.
_conversation_locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)


class ConversationService:
    def __init__(self, session: AsyncSession, rasa: RasaClient, events: EventBroker, site: Site,
                 max_message_chars: int, expected_reply_minutes: int) -> None:
        self.session = session
        self.rasa = rasa
        self.events = events
        self.site = site
        self.max_message_chars = max_message_chars
        self.expected_reply_minutes = expected_reply_minutes
        self._opened: list[Ticket] = []  # tickets opened in this request, announced after the commit

    async def create(self, language: str | None = None, channel: str = "webchat") -> tuple[Conversation, str]:
        token = secrets.token_urlsafe(32)
        conversation = Conversation(token_hash=hash_token(token), channel=channel, language=language)
        self.session.add(conversation)
        await self.session.commit()
        return conversation, token

    async def authenticate(self, conversation_id: str, token: str) -> Conversation:
        conversation = await self.session.get(Conversation, conversation_id)
        if conversation is None:
            raise ConversationNotFound(conversation_id)
        if not hmac.compare_digest(conversation.token_hash, hash_token(token)):
            raise InvalidToken(conversation_id)
        return conversation

    def _clean_text(self, text: str) -> str:
        cleaned = text.strip()
        if not cleaned:
            raise InvalidMessage("message_empty", "The message is empty.")
        if len(cleaned) > self.max_message_chars:
            raise InvalidMessage("message_too_long",
                                 f"The message has {len(cleaned)} characters; "
                                 f"at most {self.max_message_chars} are allowed.",
                                 max=self.max_message_chars, length=len(cleaned))
        return cleaned

    async def post(self, conversation: Conversation, *, text: str | None = None, payload: str | None = None,
                   language: str | None = None) -> list[Message]:
        said = payload if payload is not None else self._clean_text(text or "")
        async with _conversation_locks[conversation.id]:
            await self.session.refresh(conversation)
            # stored and committed before anything else happens: nothing the person sent is lost
            said_message = self._append(conversation, role="person", kind=None, text=said, payload=payload,
                                        language=language)
            await self.session.commit()
            self._publish(said_message)
            if conversation.state in ("waiting", "assigned"):
                await self._announce_to_staff(conversation)
                envelopes = [self.system_envelope("queued_ack", conversation)]
            else:
                envelopes = await self._ask_rasa(conversation, said, language)
            return await self.add_envelopes(conversation, envelopes)

    async def _announce_to_staff(self, conversation: Conversation) -> None:
        ticket = await self.session.scalar(
            select(Ticket).where(Ticket.conversation_id == conversation.id, Ticket.status != "resolved")
            .order_by(Ticket.id.desc()).limit(1))
        if ticket is not None:
            self.events.publish(STAFF_CHANNEL, staff_event(ticket, "message"))

    async def add_envelopes(self, conversation: Conversation, envelopes: list[Envelope]) -> list[Message]:
        """Store envelopes in order, commit, then deliver them to live listeners."""
        messages = [self._store_envelope(conversation, envelope) for envelope in envelopes]
        await self.session.commit()
        for message in messages:
            self._publish(message)
        for ticket in self._opened:
            self.events.publish(STAFF_CHANNEL, staff_event(ticket, "created"))
        self._opened.clear()
        return messages

    def _publish(self, message: Message) -> None:
        self.events.publish(message.conversation_id, message_event(message))

    async def _ask_rasa(self, conversation: Conversation, text: str, language: str | None) -> list[Envelope]:
        metadata = {"language": language} if language else {}
        try:
            raw = await self.rasa.send(conversation.id, text, metadata)
        except RasaUnavailable:
            logger.exception("Rasa unavailable for conversation %s", conversation.id)
            raw = []
        envelopes: list[Envelope] = []
        for item in raw:
            envelope, handoff = self._envelope_from_rasa(item, conversation)
            if envelope is not None and handoff is not None:
                envelope = await self._open_ticket(conversation, envelope=envelope,
                                                   reason=str(handoff.get("reason", "requested")),
                                                   urgent=bool(handoff.get("urgent")),
                                                   guesses=list(handoff.get("guesses") or []))
            if envelope is not None:
                envelopes.append(envelope)
        if not envelopes:  # Rasa or the action server failed: apologise and hand off, never silence
            apology = self.system_envelope("technical_problem", conversation, kind="handoff")
            envelopes = [await self._open_ticket(conversation, envelope=apology, reason="technical",
                                                 urgent=False, guesses=[])]
        return envelopes

    def _envelope_from_rasa(self, item: dict[str, Any],
                            conversation: Conversation) -> tuple[Envelope | None, dict[str, Any] | None]:
        """An envelope from one Rasa reply, and the handoff instruction that came with it."""
        custom = item.get("custom")
        if isinstance(custom, dict) and "envelope" in custom:
            try:
                envelope = Envelope.model_validate({**custom["envelope"], "role": "bot"})
            except ValidationError:
                logger.exception("invalid envelope from the action server: %r", custom)
                return None, None
            handoff = custom.get("handoff")
            return envelope, (handoff if envelope.kind == "handoff" and isinstance(handoff, dict) else None)
        if item.get("text"):  # a plain Rasa response (e.g. a default action)
            return Envelope(kind="info", text=item["text"],
                            language=conversation.language or DEFAULT_LANGUAGE), None
        return None, None

    async def _open_ticket(self, conversation: Conversation, *, envelope: Envelope, reason: str,
                           urgent: bool, guesses: list[dict[str, Any]]) -> Envelope:
        topic = envelope.topic
        if topic is None or not guesses:  # "a person, please" after an answer: that answer is the best guess
            last = await self._last_answer(conversation)
            if last is not None:
                topic = topic or last.get("topic")
                guesses = guesses or ([{"kb_id": last["kb_id"], "score": last.get("confidence")}]
                                      if last.get("kb_id") else [])
        ticket = Ticket(conversation_id=conversation.id, reason=reason, urgent=urgent,
                        language=envelope.language, topic=topic, guesses=guesses,
                        office=self.site.inbox.default_office if urgent else self.site.inbox.office_for(topic))
        self.session.add(ticket)
        await self.session.flush()
        self._opened.append(ticket)
        conversation.state = "waiting"
        opens = next_opening(self.site.staff_hours, dt.datetime.now(dt.UTC))
        wait = (i18n.text("handoff_wait_open", envelope.language, minutes=self.expected_reply_minutes)
                if opens is None else
                i18n.text("handoff_wait_closed", envelope.language, next_open=opens.strftime("%d.%m. %H:%M")))
        envelope.ticket = ticket.number
        if "{ticket}" in envelope.text:
            envelope.text = envelope.text.replace("{ticket}", ticket.number)
        else:
            envelope.text += "\n\n" + i18n.text("handoff_created", envelope.language, ticket=ticket.number)
        envelope.text += "\n\n" + wait
        return envelope

    async def _last_answer(self, conversation: Conversation) -> dict[str, Any] | None:
        envelope = await self.session.scalar(
            select(Message.envelope).where(Message.conversation_id == conversation.id, Message.kind == "answer")
            .order_by(Message.seq.desc()).limit(1))
        return envelope

    def system_envelope(self, key: str, conversation: Conversation, kind: str = "info", **params: object) -> Envelope:
        language = conversation.language or DEFAULT_LANGUAGE
        return Envelope(role="system", kind=kind, text=i18n.text(key, language, **params), language=language)

    def _append(self, conversation: Conversation, **fields: Any) -> Message:
        message = Message(id=str(uuid.uuid4()), conversation_id=conversation.id, seq=conversation.next_seq, **fields)
        conversation.next_seq += 1
        self.session.add(message)
        return message

    def _store_envelope(self, conversation: Conversation, envelope: Envelope) -> Message:
        envelope.id = str(uuid.uuid4())
        if envelope.role == "bot":
            conversation.language = envelope.language
        message = self._append(conversation, role=envelope.role, kind=envelope.kind, text=envelope.text,
                               payload=None, language=envelope.language,
                               envelope=envelope.model_dump(mode="json"))
        message.id = envelope.id
        return message

    async def history(self, conversation: Conversation, after: int = 0) -> list[Message]:
        rows = await self.session.scalars(
            select(Message).where(Message.conversation_id == conversation.id, Message.seq > after)
            .order_by(Message.seq))
        return list(rows)
