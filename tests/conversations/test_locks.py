"""The per-conversation lock: one holder at a time, first come first served, nothing left behind."""

import asyncio

import pytest

from bot.conversations.locks import InProcessLocks


async def test_holders_of_one_conversation_take_turns_in_arrival_order() -> None:
    locks, order = InProcessLocks(), []

    async def turn(i: int) -> None:
        async with locks.hold("c1"):
            order.append(("in", i))
            await asyncio.sleep(0)  # give the others every chance to cut in
            order.append(("out", i))

    await asyncio.gather(*(turn(i) for i in range(10)))
    assert order == [(step, i) for i in range(10) for step in ("in", "out")]
    assert len(locks) == 0


async def test_other_conversations_do_not_wait() -> None:
    locks, inside = InProcessLocks(), asyncio.Event()

    async def hold_c1() -> None:
        async with locks.hold("c1"):
            await inside.wait()

    holder = asyncio.create_task(hold_c1())
    await asyncio.sleep(0)
    async with locks.hold("c2"):  # would block forever if c1's lock were shared
        inside.set()
    await holder
    assert len(locks) == 0


async def test_the_lock_is_released_on_errors_and_when_a_waiter_is_cancelled() -> None:
    locks = InProcessLocks()
    with pytest.raises(RuntimeError):
        async with locks.hold("c1"):
            raise RuntimeError("the turn failed")
    assert len(locks) == 0

    release = asyncio.Event()

    async def hold() -> None:
        async with locks.hold("c1"):
            await release.wait()

    async def wait_for_it() -> None:
        async with locks.hold("c1"):
            pass

    holder, waiter = asyncio.create_task(hold()), asyncio.create_task(wait_for_it())
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    release.set()
    await holder
    assert len(locks) == 0


async def test_a_claim_is_refused_while_someone_holds_the_name_and_granted_after() -> None:
    locks = InProcessLocks()
    async with locks.claim("outbox:c1") as first:
        async with locks.claim("outbox:c1") as second:
            assert first and not second
    async with locks.claim("outbox:c1") as again:
        assert again
    assert len(locks) == 0
