"""The Telegram scenario of `make bench`: webhook receipt -> Rasa -> `sendMessage` at the fake Bot API.

Each simulated chat posts one message to the gateway's webhook as Telegram would (a new chat: the
bot introduces itself and answers in the same turn); its latency is the time from the POST to the
first `sendMessage` for that chat at the fake, i.e. the reply leaving the outbox. `concurrency`
chats run at once.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from typing import Any

import httpx

from bot.tools.bench.load import script, summary
from bot.tools.fake_telegram import FakeTelegram

FIRST_CHAT = 9_000_000


def to_chat(chat: int) -> Callable[[dict[str, Any]], bool]:
    return lambda call: str(call["params"]["chat_id"]) == str(chat)


async def telegram_load(gateway: str, secret: str, fake: FakeTelegram, concurrency: int, chats: int,
                        pools: dict[str, list[str]]) -> dict:
    latencies: list[float] = []
    errors = 0
    update_ids = itertools.count(1)
    pending = list(range(chats))
    limits = httpx.Limits(max_connections=concurrency + 5, max_keepalive_connections=concurrency + 5)
    async with httpx.AsyncClient(base_url=gateway, timeout=60, limits=limits) as client:

        async def chat_worker() -> None:
            nonlocal errors
            while pending:
                number = pending.pop()
                chat = FIRST_CHAT + number
                [text] = script(pools, 1, seed=number)
                update = {"update_id": next(update_ids), "message": {
                    "message_id": 1, "date": int(time.time()), "text": text, "chat": {"id": chat, "type": "private"},
                    "from": {"id": chat, "is_bot": False, "first_name": "Bench"}}}
                started = time.perf_counter()
                try:
                    response = await client.post("/channels/telegram/webhook", json=update,
                                                  headers={"X-Telegram-Bot-Api-Secret-Token": secret})
                    await asyncio.to_thread(fake.wait_for, "sendMessage", to_chat(chat), 60.0)
                    ok = response.status_code == 200
                except (httpx.HTTPError, AssertionError):
                    ok = False
                latencies.append(time.perf_counter() - started)
                errors += 0 if ok else 1

        started = time.perf_counter()
        await asyncio.gather(*(chat_worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    return {**summary(latencies, seconds, errors), "concurrency": concurrency}
