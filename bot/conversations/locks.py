"""One turn at a time per conversation: the lock the message pipeline holds while the bot answers.

`ConversationLocks` is the interface; `InProcessLocks` serves one gateway process. Several
gateway workers need one shared lock (Redis or PostgreSQL advisory locks implement the same
interface; the scale-out issue adds them). Holding the lock never holds a database transaction:
the pipeline commits before it waits and opens short transactions inside.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol


class ConversationLocks(Protocol):
    def hold(self, conversation_id: str) -> AbstractAsyncContextManager[None]:
        """Wait for the conversation's lock (first come, first served) and hold it inside the block."""
        ...


class InProcessLocks:
    """asyncio locks, one per conversation that someone holds or waits for; forgotten when nobody does."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}

    def __len__(self) -> int:
        """How many conversations have a lock right now (held or waited for)."""
        return len(self._locks)

    @asynccontextmanager
    async def hold(self, conversation_id: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(conversation_id, asyncio.Lock())
        self._users[conversation_id] = self._users.get(conversation_id, 0) + 1
        try:
            async with lock:
                yield
        finally:  # also when the waiting task is cancelled
            self._users[conversation_id] -= 1
            if not self._users[conversation_id]:
                del self._users[conversation_id], self._locks[conversation_id]
