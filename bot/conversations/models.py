"""Conversations, their messages and handoff tickets (states change only in `states.py`)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db import Base


def _uuid() -> str:
    return str(uuid.uuid4())


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def as_utc(moment: dt.datetime) -> dt.datetime:
    """A stored time with its time zone (SQLite gives naive datetimes back; they are UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "sender"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    token_hash: Mapped[str | None] = mapped_column(String(64))  # web: the bearer token's hash
    channel: Mapped[str] = mapped_column(String(20), default="web")
    sender: Mapped[str] = mapped_column(String(120))  # who writes, in the channel's terms (web: the id)
    display_name: Mapped[str | None] = mapped_column(String(120))  # the name the messenger shows (for staff)
    unreachable_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))  # e.g. blocked the bot
    # the messenger's ids of the person besides `sender` (WhatsApp: wa_id, the business-scoped user_id)
    identity: Mapped[dict[str, str] | None] = mapped_column(JSON)
    last_person_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))  # their latest message
    # WhatsApp's 24-hour window: when a send found it closed, and when the person was invited to write back
    window_closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    invited_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    language: Mapped[str | None] = mapped_column(String(5))
    state: Mapped[str] = mapped_column(String(10), default="bot")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    next_seq: Mapped[int] = mapped_column(Integer, default=1)

    messages: Mapped[list[Message]] = relationship(back_populates="conversation", order_by="Message.seq")
    tickets: Mapped[list[Ticket]] = relationship(back_populates="conversation", order_by="Ticket.id")


class Message(Base):
    """Everything said in a conversation, in order: the person's messages and every envelope."""

    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("conversation_id", "seq"), UniqueConstraint("channel", "external_id"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(10))  # person | bot | staff | system
    kind: Mapped[str | None] = mapped_column(String(20))  # envelope kind; None for the person
    text: Mapped[str] = mapped_column(Text)
    payload: Mapped[str | None] = mapped_column(Text)  # a button's payload the person sent
    language: Mapped[str | None] = mapped_column(String(5))
    envelope: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # what the person sent: where from and the channel's id of it (a message delivered twice is stored once)
    channel: Mapped[str | None] = mapped_column(String(20))
    external_id: Mapped[str | None] = mapped_column(String(200))
    handled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))  # answered or passed on
    reply_to: Mapped[int | None] = mapped_column(Integer)  # a reply: the seq of the person's message
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())

    conversation: Mapped[Conversation] = relationship(back_populates="messages")


class Ticket(Base):
    """A handoff to staff: why, how urgent, and what the bot guessed."""

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(30))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str | None] = mapped_column(String(5))
    topic: Mapped[str | None] = mapped_column(String(20))
    office: Mapped[str | None] = mapped_column(String(40), index=True)  # the team it is routed to
    guesses: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    facts: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # CaseFacts: what the person said of themselves
    status: Mapped[str] = mapped_column(String(10), default="waiting")  # waiting | assigned | resolved
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    assignee: Mapped[str | None] = mapped_column(String(80))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    conversation: Mapped[Conversation] = relationship(back_populates="tickets")

    @property
    def number(self) -> str:
        return f"W-{self.id:06d}"


class Delivery(Base):
    """The outbox: a reply still to be sent to a messenger, or what happened when it was sent.

    Written in the same transaction as the message, so nothing is lost in a restart. Its status
    only moves forward: pending -> sent -> delivered -> read, or failed / unreachable."""

    __tablename__ = "deliveries"

    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    external_ids: Mapped[list[str]] = mapped_column(JSON, default=list)  # the messenger's ids of what was sent
    error: Mapped[str | None] = mapped_column(String(300))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class SentPart(Base):
    """A messenger's id of one message we sent, for its status reports (WhatsApp: sent, delivered, read,
    failed). A long reply goes out in several parts; each points back to the stored reply."""

    __tablename__ = "sent_parts"

    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
