"""The outbox: replies for messenger channels are sent from the database, in order, until they arrive.

A reply to a Telegram or WhatsApp conversation is stored together with a `Delivery` row in the
same transaction (`transcript.append_replies`), so a bot answer or a staff reply that was not
sent yet survives a restart. `Outbox.run()` (started by the gateway) sends what is due, one
conversation's messages in `seq` order, through the channel's `Sender`:
- `RetryLater(seconds)` (the messenger said "too many requests"): that conversation waits;
- `Unreachable` (the person blocked the bot): the conversation is marked and nothing more is
  tried there; staff see it in the inbox;
- `Undeliverable`: this message is refused for good (its error is kept), the next one goes;
- `WaitForPerson` (WhatsApp's 24-hour window is closed; the sender has invited the person to write
  back): this and the conversation's later replies are held until the person writes again
  (`release_held`, called by the pipeline when it stores their message);
- any other error (network, timeout): retried with growing pauses.
Sending is at least once: a crash between the messenger's acceptance and our record sends again.
Several gateway workers run an outbox each: a worker sends a conversation's replies only while it
holds that conversation's outbox claim (`ConversationLocks.claim`), and sends a delivery only if it
is still pending once the claim is held, so two workers never send the same reply.
A messenger that reports what happened to a message later (WhatsApp's statuses) gets its ids kept
(`SentPart`); `record_status` moves the delivery forward, never back.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Mapping
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversations import states, transcript
from bot.conversations.events import OUTBOX_CHANNEL, EventBroker
from bot.conversations.locks import ConversationLocks
from bot.conversations.messages import ChatMessage
from bot.conversations.models import Conversation, Delivery, Message, SentPart, as_utc, utcnow
from bot.conversations.states import DeliveryStatus

logger = logging.getLogger(__name__)
BACKOFF_SECONDS = (2, 5, 15, 60, 300, 900)
MAX_ATTEMPTS = 12
BATCH = 50


class RetryLater(Exception):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds} s")
        self.seconds = seconds


class Unreachable(Exception):
    """The person cannot be reached on this channel any more."""


class Undeliverable(Exception):
    """The messenger refused this one message for good."""


class WaitForPerson(Exception):
    """The messenger lets us write only after the person has written (WhatsApp's 24-hour window)."""

    def __init__(self, invited: bool) -> None:
        super().__init__("waiting for the person to write (the 24-hour window is closed)")
        self.invited = invited  # the sender has just sent the invitation to write back


class Sender(Protocol):
    reports_status: bool  # the messenger reports delivery statuses later, by the ids `send` returns

    async def send(self, conversation: Conversation, message: ChatMessage) -> list[str]:
        """Send one stored reply; the messenger's ids of what it sent."""
        ...


class Outbox:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], senders: Mapping[str, Sender],
                 events: EventBroker, claims: ConversationLocks, poll_seconds: float = 1.0) -> None:
        self.sessions, self.senders, self.events, self.poll_seconds = sessions, senders, events, poll_seconds
        self.claims = claims
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        """Send what is due, then wait to be woken (a new reply) or for the next poll; until `stop()`."""
        async with self.events.subscribe(OUTBOX_CHANNEL) as wake:
            while not self._stopping.is_set():
                try:
                    await self.send_due()
                except Exception:  # a failing pass must not stop the outbox
                    logger.exception("outbox pass failed")
                try:
                    await asyncio.wait_for(wake.get(), timeout=self.poll_seconds)
                except TimeoutError:
                    pass

    def stop(self) -> None:
        """Finish the send in progress (and record it), then end `run`."""
        self._stopping.set()
        self.events.publish(OUTBOX_CHANNEL, {})

    async def send_due(self, now: dt.datetime | None = None) -> int:
        """One pass over the pending deliveries; how many were sent."""
        now = now or utcnow()
        async with self.sessions() as session:
            rows = (await session.execute(
                select(Delivery.message_id, Delivery.conversation_id, Delivery.next_attempt_at)
                .join(Message, Message.id == Delivery.message_id)
                .where(Delivery.status == DeliveryStatus.PENDING, Delivery.channel.in_(list(self.senders)))
                .order_by(Delivery.conversation_id, Message.seq).limit(BATCH))).all()
        sent, blocked = 0, set()
        for message_id, conversation_id, due in rows:
            if self._stopping.is_set():
                break
            if conversation_id in blocked:
                continue
            if as_utc(due) > now:  # this conversation waits; its later messages wait behind it
                blocked.add(conversation_id)
                continue
            async with self.claims.claim(f"outbox:{conversation_id}") as mine:
                if mine and await self._send_one(message_id):
                    sent += 1
                    continue
            blocked.add(conversation_id)  # another worker is sending this conversation's replies, or it waits
        return sent

    async def _send_one(self, message_id: str) -> bool:
        async with self.sessions() as session:
            delivery = await session.get(Delivery, message_id)
            message = await session.get(Message, message_id)
            conversation = await session.get(Conversation, delivery.conversation_id) if delivery else None
            if delivery is None or message is None or conversation is None:
                return False
            if delivery.status != DeliveryStatus.PENDING:  # sent by another worker since this pass looked
                return False
            chat = transcript.chat_message(message)
        sender = self.senders[delivery.channel]
        try:
            external_ids = await sender.send(conversation, chat)
        except RetryLater as exc:
            await self._reschedule(message_id, exc.seconds, str(exc))
            return False
        except Unreachable as exc:
            await self._unreachable(conversation.id, str(exc))
            return False
        except Undeliverable as exc:
            await self._finish(message_id, DeliveryStatus.FAILED, error=str(exc))
            return True
        except WaitForPerson as exc:
            await self._hold(conversation.id, invited=exc.invited, error=str(exc))
            return False
        except Exception as exc:  # network errors, timeouts: try again later
            logger.warning("sending %s failed: %r", message_id, exc)
            await self._reschedule(message_id, None, type(exc).__name__)
            return False
        await self._finish(message_id, DeliveryStatus.SENT, external_ids=external_ids,
                           keep_ids=sender.reports_status)
        return True

    async def _finish(self, message_id: str, status: DeliveryStatus, *, error: str | None = None,
                      external_ids: list[str] | None = None, keep_ids: bool = False) -> None:
        async with self.sessions() as session:
            delivery = await session.get(Delivery, message_id)
            if delivery is not None and states.advance_delivery(delivery, status):
                delivery.attempts += 1
                delivery.error = error[:300] if error else None
                delivery.external_ids = external_ids or []
                if keep_ids:
                    for external_id in delivery.external_ids:
                        await session.merge(SentPart(channel=delivery.channel, external_id=external_id,
                                                     message_id=message_id))
                await session.commit()

    async def _reschedule(self, message_id: str, seconds: float | None, error: str) -> None:
        async with self.sessions() as session:
            delivery = await session.get(Delivery, message_id)
            if delivery is None:
                return
            delivery.attempts += 1
            delivery.error = error[:300]
            if seconds is None and delivery.attempts >= MAX_ATTEMPTS:
                states.advance_delivery(delivery, DeliveryStatus.FAILED)
            backoff = BACKOFF_SECONDS[min(delivery.attempts, len(BACKOFF_SECONDS)) - 1]
            pause = seconds if seconds is not None else backoff
            delivery.next_attempt_at = utcnow() + dt.timedelta(seconds=pause)
            await session.commit()

    async def _unreachable(self, conversation_id: str, error: str) -> None:
        """Everything still pending for this conversation stays unsent; the conversation is marked."""
        async with self.sessions() as session:
            await session.execute(update(Conversation).where(Conversation.id == conversation_id)
                                  .values(unreachable_at=utcnow()))
            for delivery in await session.scalars(select(Delivery).where(
                    Delivery.conversation_id == conversation_id, Delivery.status == DeliveryStatus.PENDING)):
                states.advance_delivery(delivery, DeliveryStatus.UNREACHABLE)
                delivery.error = error[:300]
            await session.commit()

    async def _hold(self, conversation_id: str, *, invited: bool, error: str) -> None:
        """The conversation's pending replies wait for the person; the window is noted closed."""
        async with self.sessions() as session:
            now = utcnow()
            values: dict[str, dt.datetime] = {"window_closed_at": now}
            if invited:
                values["invited_at"] = now
            await session.execute(update(Conversation).where(Conversation.id == conversation_id).values(**values))
            for delivery in await session.scalars(select(Delivery).where(
                    Delivery.conversation_id == conversation_id, Delivery.status == DeliveryStatus.PENDING)):
                states.advance_delivery(delivery, DeliveryStatus.HELD)
                delivery.error = error[:300]
            await session.commit()

    async def record_status(self, channel: str, external_id: str, status: DeliveryStatus, *,
                            error: str | None = None, window_closed: bool = False) -> bool:
        """A messenger's report on a message we sent; whether it changed anything. Reports that arrive
        late, twice or out of order never move a delivery back. `window_closed`: the messenger took the
        message but could not deliver it because the 24-hour window had closed: it is sent again once
        the person has written (and invited to, by the sender)."""
        async with self.sessions() as session:
            part = await session.get(SentPart, (channel, external_id))
            delivery = await session.get(Delivery, part.message_id) if part else None
            if delivery is None:
                return False
            if window_closed:
                changed = states.requeue_delivery(delivery)
                if changed:
                    delivery.next_attempt_at = utcnow()
                    await session.execute(update(Conversation).where(Conversation.id == delivery.conversation_id)
                                          .values(window_closed_at=utcnow()))
            else:
                changed = states.advance_delivery(delivery, status)
            if changed and error:
                delivery.error = error[:300]
            await session.commit()
        if changed and window_closed:
            self.events.publish(OUTBOX_CHANNEL, {})
        return changed


async def release_held(session: AsyncSession, conversation_id: str) -> int:
    """The person wrote: what was held for them is due now (inside the caller's transaction); how many."""
    released = 0
    for delivery in await session.scalars(select(Delivery).where(
            Delivery.conversation_id == conversation_id, Delivery.status == DeliveryStatus.HELD)):
        if states.requeue_delivery(delivery):
            delivery.next_attempt_at, delivery.error = utcnow(), None
            released += 1
    return released
