"""Live delivery of new messages to whoever listens to a conversation.

`EventBroker`: one gateway process, asyncio queues. `RedisEventBroker`: several gateway workers;
every event goes through one Redis pub/sub channel and each worker hands it to its own listeners,
so a widget connected to worker A hears a staff reply sent through worker B. Events are published
after their transaction commits, and pub/sub is best effort: a listener that falls behind, or sees
a gap in a conversation's sequence numbers, catches up from the database by `seq`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

if TYPE_CHECKING:
    from bot.conversations.models import Ticket

STAFF_CHANNEL = "staff"  # the event channel of the staff inbox (tickets opened or changed, people writing)
OUTBOX_CHANNEL = "outbox"  # wakes the outbox: replies for a messenger were stored
REDIS_CHANNEL = "willkommen:events"
RECONNECT_SECONDS = 1.0
logger = logging.getLogger(__name__)


class EventBroker:
    def __init__(self, queue_size: int = 100) -> None:
        self._subscribers: defaultdict[str, set[asyncio.Queue[dict[str, Any]]]] = defaultdict(set)
        self._queue_size = queue_size

    @asynccontextmanager
    async def subscribe(self, conversation_id: str) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(self._queue_size)
        self._subscribers[conversation_id].add(queue)
        try:
            yield queue
        finally:
            self._subscribers[conversation_id].discard(queue)
            if not self._subscribers[conversation_id]:
                del self._subscribers[conversation_id]

    async def start(self) -> None:
        """Nothing to start in one process (the Redis broker starts its tasks here)."""

    async def close(self) -> None:
        """Nothing to close in one process."""

    def listeners(self, channel: str) -> int:
        """How many subscriptions a channel has (a stream that ended leaves none behind)."""
        return len(self._subscribers.get(channel, ()))

    def publish(self, conversation_id: str, event: dict[str, Any]) -> None:
        self.deliver(conversation_id, event)

    def deliver(self, conversation_id: str, event: dict[str, Any]) -> None:
        """To this process's listeners."""
        for queue in list(self._subscribers.get(conversation_id, ())):
            if queue.full():  # a listener that stopped reading catches up from the database later
                queue.get_nowait()
            queue.put_nowait(event)


class RedisEventBroker(EventBroker):
    """Publishes through Redis (in order, from one task); a second task listens and delivers here.

    `publish` stays synchronous for its callers: the event is queued and sent right away by the
    publishing task. If Redis is away, events are dropped with a warning and listeners catch up from
    the database (the chat stream by `seq` on its next event or reconnect)."""

    def __init__(self, redis: Redis, queue_size: int = 100) -> None:
        super().__init__(queue_size)
        self.redis = redis
        # pub/sub channels are server-wide; one per Redis database keeps two stacks on one server apart
        self.channel = f"{REDIS_CHANNEL}:{redis.connection_pool.connection_kwargs.get('db', 0)}"
        self._outgoing: asyncio.Queue[str] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._listening = asyncio.Event()

    async def start(self) -> None:
        """Start publishing and listening; returns once the subscription is in place."""
        self._tasks = [asyncio.create_task(self._send(), name="events-publish"),
                       asyncio.create_task(self._listen(), name="events-listen")]
        await asyncio.wait_for(self._listening.wait(), timeout=10)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def publish(self, conversation_id: str, event: dict[str, Any]) -> None:
        self._outgoing.put_nowait(json.dumps({"c": conversation_id, "e": event}, ensure_ascii=False))

    async def _send(self) -> None:
        while True:
            data = await self._outgoing.get()
            try:
                await self.redis.publish(self.channel, data)
            except RedisError as exc:
                logger.warning("event not published (listeners catch up from the database): %r", exc)

    async def _listen(self) -> None:
        while True:
            try:
                async with self.redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(self.channel)
                    self._listening.set()
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            self._dispatch(message["data"])
            except RedisError as exc:
                logger.warning("event subscription lost, reconnecting: %r", exc)
                await asyncio.sleep(RECONNECT_SECONDS)

    def _dispatch(self, data: bytes | str) -> None:
        try:
            item = json.loads(data)
            self.deliver(str(item["c"]), dict(item["e"]))
        except (ValueError, KeyError, TypeError):
            logger.warning("ignored an unreadable event: %.100r", data)


def staff_event(ticket: Ticket, change: str) -> dict[str, Any]:
    """What the staff inbox hears about a ticket: enough to update the queue and filter by office."""
    return {"change": change, "ticket": ticket.number, "office": ticket.office, "urgent": ticket.urgent,
            "status": ticket.status, "conversation_id": ticket.conversation_id}
