"""Waiting for what background work (the outbox, a channel's reply work) makes true: conditions, not sleeps."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import FastAPI
from sqlalchemy import func, select

from bot.conversations.models import Delivery


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 10.0) -> None:
    """Wait for a condition the background work will make true (checked every 50 ms)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"still not true after {within} s: {check.__doc__ or check}")
        await asyncio.sleep(0.05)


async def outbox_settled(app: FastAPI) -> None:
    """Wait until the outbox has recorded every send (it records right after the messenger's answer)."""

    async def nothing_pending() -> bool:
        async with app.state.services.sessions() as session:
            return not await session.scalar(
                select(func.count()).select_from(Delivery).where(Delivery.status == "pending"))

    await eventually(nothing_pending)
