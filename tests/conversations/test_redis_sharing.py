"""What several gateway workers share through the real Redis server: the conversation lock (with a
lease that outlives no dead worker) and live events. Each "worker" here has its own Redis client."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from bot.conversations.events import RedisEventBroker
from bot.conversations.locks import KEY_PREFIX, RedisLocks

pytestmark = pytest.mark.redis
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


@pytest.fixture
async def workers() -> AsyncIterator[tuple[Redis, Redis]]:
    a, b = Redis.from_url(REDIS_URL), Redis.from_url(REDIS_URL)
    yield a, b
    await a.aclose()
    await b.aclose()


async def test_two_workers_never_hold_one_conversation_at_once(workers) -> None:
    a, b = (RedisLocks(r, lease_seconds=5) for r in workers)
    conversation, inside, overlaps, turns = str(uuid.uuid4()), [0], [0], []

    async def turn(locks: RedisLocks, i: int) -> None:
        async with locks.hold(conversation):
            inside[0] += 1
            overlaps[0] = max(overlaps[0], inside[0])
            await asyncio.sleep(0.01)
            turns.append(i)
            inside[0] -= 1

    await asyncio.gather(*(turn(a if i % 2 else b, i) for i in range(20)))
    assert overlaps[0] == 1 and sorted(turns) == list(range(20))
    assert await workers[0].exists(KEY_PREFIX + conversation) == 0  # released


async def test_a_held_lock_is_renewed_beyond_its_lease_and_a_claim_meanwhile_fails(workers) -> None:
    a, b = RedisLocks(workers[0], lease_seconds=0.3), RedisLocks(workers[1], lease_seconds=0.3)
    name = f"outbox:{uuid.uuid4()}"
    async with a.claim(name) as mine:
        assert mine
        for _ in range(5):  # 1 s: three leases long
            await asyncio.sleep(0.2)
            async with b.claim(name) as theirs:
                assert not theirs
    async with b.claim(name) as theirs:
        assert theirs


async def test_the_lock_of_a_worker_that_died_expires_after_one_lease(workers) -> None:
    conversation = str(uuid.uuid4())
    dead = workers[0].lock(KEY_PREFIX + conversation, timeout=0.5, thread_local=False)
    assert await dead.acquire(blocking=False)  # taken, then never renewed nor released
    survivor = RedisLocks(workers[1], lease_seconds=5)
    started = asyncio.get_running_loop().time()
    async with survivor.hold(conversation):
        waited = asyncio.get_running_loop().time() - started
    assert 0.3 < waited < 3


async def test_an_event_published_by_one_worker_reaches_the_listeners_of_the_other_in_order(workers) -> None:
    a, b = RedisEventBroker(workers[0]), RedisEventBroker(workers[1])
    await a.start()
    await b.start()
    try:
        conversation = str(uuid.uuid4())
        async with a.subscribe(conversation) as heard:
            for seq in range(1, 51):
                b.publish(conversation, {"seq": seq})
            received = [(await asyncio.wait_for(heard.get(), timeout=5))["seq"] for _ in range(50)]
            assert received == list(range(1, 51))
            b.publish(str(uuid.uuid4()), {"seq": 1})  # another conversation: not heard here
            a.publish(conversation, {"seq": 51})  # its own events come back through Redis too
            assert (await asyncio.wait_for(heard.get(), timeout=5))["seq"] == 51
    finally:
        await a.close()
        await b.close()


async def test_two_workers_count_one_rate_limit_together() -> None:
    from bot.gateway.rate_limits import Limited, RateLimits

    rules = {"new_conversations": "3/minute", "messages": "100/minute", "messages_per_address": "100/minute",
             "logins": "100/minute"}
    a, b = RateLimits(rules, REDIS_URL), RateLimits(rules, REDIS_URL)
    address = f"192.0.2.{uuid.uuid4().int % 250}-{uuid.uuid4()}"
    try:
        await a.check("new_conversations", address)
        await b.check("new_conversations", address)
        await a.check("new_conversations", address)
        with pytest.raises(Limited):  # the fourth, on the other worker: one counter for both
            await b.check("new_conversations", address)
    finally:
        await a.close()
        await b.close()
