"""The messenger scenarios of `make bench`: webhook receipt -> Rasa -> the reply at the fake messenger API.

Each simulated person posts one message to the gateway's webhook as the messenger would (a new chat:
the bot introduces itself and answers in the same turn); its latency is the time from the POST to
the first message sent to that person at the fake (`sendMessage` at the fake Bot API, a message at
the fake Graph API), i.e. the reply leaving the outbox. `concurrency` people write at once.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable

import httpx

from bot.tools import whatsapp_webhooks as wa
from bot.tools.bench.load import script, summary
from bot.tools.fake_telegram import FakeTelegram
from bot.tools.fake_whatsapp import FakeWhatsApp

FIRST_CHAT = 9_000_000_000
FIRST_NUMBER = 4915900000000


def run_offset() -> int:
    """People of this run are new to the gateway: the database keeps earlier runs' chats, and a message
    delivered again is (rightly) not answered again."""
    return (int(time.time()) % 100_000) * 1000
OnePerson = Callable[[httpx.AsyncClient, int, str], Awaitable[bool]]  # (client, person number, text) -> ok


async def _load(gateway: str, one_person: OnePerson, concurrency: int, people: int,
                pools: dict[str, list[str]]) -> dict:
    latencies: list[float] = []
    errors = 0
    pending = list(range(people))
    limits = httpx.Limits(max_connections=concurrency + 5, max_keepalive_connections=concurrency + 5)
    async with httpx.AsyncClient(base_url=gateway, timeout=60, limits=limits) as client:

        async def worker() -> None:
            nonlocal errors
            while pending:
                number = pending.pop()
                [text] = script(pools, 1, seed=number)
                started = time.perf_counter()
                try:
                    ok = await one_person(client, number, text)
                except (httpx.HTTPError, AssertionError, TimeoutError):
                    ok = False
                latencies.append(time.perf_counter() - started)
                errors += 0 if ok else 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    return {**summary(latencies, seconds, errors), "concurrency": concurrency}


async def telegram_load(gateway: str, secret: str, fake: FakeTelegram, concurrency: int, chats: int,
                        pools: dict[str, list[str]]) -> dict:
    update_ids, first = itertools.count(1), FIRST_CHAT + run_offset()

    async def one_chat(client: httpx.AsyncClient, number: int, text: str) -> bool:
        chat = first + number
        update = {"update_id": next(update_ids), "message": {
            "message_id": 1, "date": int(time.time()), "text": text, "chat": {"id": chat, "type": "private"},
            "from": {"id": chat, "is_bot": False, "first_name": "Bench"}}}
        response = await client.post("/channels/telegram/webhook", json=update,
                                      headers={"X-Telegram-Bot-Api-Secret-Token": secret})
        await asyncio.to_thread(fake.wait_for, "sendMessage", lambda c: str(c["params"]["chat_id"]) == str(chat),
                                60.0)
        return response.status_code == 200

    return await _load(gateway, one_chat, concurrency, chats, pools)


async def whatsapp_load(gateway: str, app_secret: str, fake: FakeWhatsApp, concurrency: int, senders: int,
                        pools: dict[str, list[str]]) -> dict:

    first = FIRST_NUMBER + run_offset()

    async def one_sender(client: httpx.AsyncClient, number: int, text: str) -> bool:
        wa_id = str(first + number)
        raw, headers = wa.signed(wa.payload(wa.messages_value(wa.contact(wa_id, "Bench"), wa.text(text, from_=wa_id))),
                                 app_secret)
        response = await client.post("/channels/whatsapp/webhook", content=raw, headers=headers)
        await asyncio.to_thread(fake.wait_for, lambda r: r["body"].get("to") == wa_id, 60.0)
        return response.status_code == 200

    return await _load(gateway, one_sender, concurrency, senders, pools)
