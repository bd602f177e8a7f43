"""Live delivery of new messages to whoever listens to a conversation (in this process).

One gateway process: asyncio queues. Several gateway workers would publish through Redis
pub/sub instead (the scale-out issue). Events are published after their transaction commits;
a listener that falls behind catches up from the database by `seq`.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.conversations.models import Ticket

STAFF_CHANNEL = "staff"  # the event channel of the staff inbox (tickets opened or changed, people writing)
OUTBOX_CHANNEL = "outbox"  # wakes the outbox: replies for a messenger were stored


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

    def listeners(self, channel: str) -> int:
        """How many subscriptions a channel has (a stream that ended leaves none behind)."""
        return len(self._subscribers.get(channel, ()))

    def publish(self, conversation_id: str, event: dict[str, Any]) -> None:
        for queue in list(self._subscribers.get(conversation_id, ())):
            if queue.full():  # a listener that stopped reading catches up from the database later
                queue.get_nowait()
            queue.put_nowait(event)


def staff_event(ticket: Ticket, change: str) -> dict[str, Any]:
    """What the staff inbox hears about a ticket: enough to update the queue and filter by office."""
    return {"change": change, "ticket": ticket.number, "office": ticket.office, "urgent": ticket.urgent,
            "status": ticket.status, "conversation_id": ticket.conversation_id}
