"""One turn at a time per conversation: the lock the message pipeline holds while the bot answers.

`ConversationLocks` is the interface. `InProcessLocks` serves one gateway process; `RedisLocks`
serves several gateway workers (the scaled profile): the lock is a Redis key with a lease that the
holder renews while it works, so a worker that dies leaves a lock that expires by itself after one
lease. Holding the lock never holds a database transaction: the pipeline commits before it waits
and opens short transactions inside.

`claim(name)` is the non-waiting form for work that any worker may do but only one should (the
outbox sending one conversation's replies): it yields whether this caller got it.

Order does not depend on the lock being fair: whoever holds it handles every pending message of
the conversation by sequence number (`ConversationService.process`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

from redis.asyncio import Redis
from redis.asyncio.lock import Lock
from redis.exceptions import LockError, RedisError

logger = logging.getLogger(__name__)
KEY_PREFIX = "willkommen:lock:"


class ConversationLocks(Protocol):
    def hold(self, conversation_id: str) -> AbstractAsyncContextManager[None]:
        """Wait for the conversation's lock and hold it inside the block."""
        ...

    def claim(self, name: str) -> AbstractAsyncContextManager[bool]:
        """Take the lock `name` if nobody holds it (without waiting); whether it was taken."""
        ...


class InProcessLocks:
    """asyncio locks, one per conversation that someone holds or waits for; forgotten when nobody does.
    First come, first served."""

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

    @asynccontextmanager
    async def claim(self, name: str) -> AsyncIterator[bool]:
        if name in self._locks:
            yield False
            return
        async with self.hold(name):
            yield True


class RedisLocks:
    """Redis keys with a lease (`SET NX PX` through redis-py's Lock), renewed every third of the lease
    while held. Waiting polls every `poll_seconds`."""

    def __init__(self, redis: Redis, lease_seconds: float = 15.0, poll_seconds: float = 0.02) -> None:
        self.redis, self.lease_seconds, self.poll_seconds = redis, lease_seconds, poll_seconds

    @asynccontextmanager
    async def hold(self, conversation_id: str) -> AsyncIterator[None]:
        lock = self._lock(conversation_id)
        await lock.acquire(blocking=True)
        async with self._held(lock):
            yield

    @asynccontextmanager
    async def claim(self, name: str) -> AsyncIterator[bool]:
        lock = self._lock(name)
        if not await lock.acquire(blocking=False):
            yield False
            return
        async with self._held(lock):
            yield True

    def _lock(self, name: str) -> Lock:
        return self.redis.lock(KEY_PREFIX + name, timeout=self.lease_seconds, sleep=self.poll_seconds,
                               blocking_timeout=None, thread_local=False)

    @asynccontextmanager
    async def _held(self, lock: Lock) -> AsyncIterator[None]:
        renewing = asyncio.create_task(self._renew(lock))
        try:
            yield
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
            try:
                await lock.release()
            except (LockError, RedisError) as exc:  # the lease ran out (a stall longer than a lease)
                logger.warning("lock %s was lost before its release: %r", lock.name, exc)

    async def _renew(self, lock: Lock) -> None:
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            try:
                await lock.reacquire()
            except (LockError, RedisError) as exc:
                logger.warning("could not renew lock %s: %r", lock.name, exc)
