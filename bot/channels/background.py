"""What every messenger channel does around the core: work after its webhook has answered (tracked,
logged when it fails, given a few seconds to finish at shutdown and then cancelled: what is not done
then is still in the database and done after the restart), and its senders' rate limit."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from bot.conversations.service import ConversationService
from bot.gateway.rate_limits import Limited, RateLimits

logger = logging.getLogger(__name__)


class BackgroundWork:
    def __init__(self, name: str) -> None:
        self.name = name
        self._tasks: set[asyncio.Task[None]] = set()

    def later(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` after the webhook has answered; errors are logged, never lost silently."""
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("%s: work after the webhook failed", self.name, exc_info=task.exception())

    async def stop(self, grace_seconds: float = 5.0) -> None:
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=grace_seconds)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


async def quietly(call: Coroutine[Any, Any, Any], name: str) -> None:
    """A courtesy call (acknowledging a tap, marking as read): failing it changes nothing."""
    try:
        await call
    except Exception as exc:
        logger.info("%s: %r", name, exc)


async def within_limits(limits: RateLimits, conversations: ConversationService, channel: str, sender: str,
                        conversation_id: str) -> bool:
    """Whether a messenger's message may go on. One over the sender's limit is dropped (the webhook still
    answers 200, or the messenger would deliver it again and again); the person is told once per window."""
    try:
        await limits.check("messages", f"{channel}:{sender}")
    except Limited:
        logger.warning("%s: a sender is over the message limit; their message is dropped", channel)
        if await limits.told_once(f"{channel}:{sender}"):
            await conversations.tell(conversation_id, "rate_limited")
        return False
    return True
