"""The gateway with its Telegram channel against the fake Bot API on loopback (real HTTP both ways)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from bot.knowledge.loader import KnowledgeBase
from bot.settings import Settings
from bot.tools.fake_telegram import FakeTelegram
from tests.support.app import running_app
from tests.support.waiting import eventually, outbox_settled

__all__ = ["eventually", "outbox_settled"]

SECRET = "test-webhook-secret_1"
TOKEN = "123456:TEST-token"
CHAT = 4711


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake


def telegram_settings(settings: Settings, fake: FakeTelegram, **changes: Any) -> Settings:
    return settings.model_copy(update={
        "telegram_bot_token": SecretStr(TOKEN), "telegram_webhook_secret": SecretStr(SECRET),
        "telegram_api_base_url": fake.api_base_url.removesuffix("/bot"), "telegram_mode": "webhook",
        "public_base_url": "https://gateway.musterstadt.test", **changes})


@pytest.fixture
async def telegram_app(settings: Settings, knowledge_base: KnowledgeBase,
                       fake_telegram: FakeTelegram) -> AsyncIterator[FastAPI]:
    """The app as it runs, Telegram on (webhook mode), real commits; the database is emptied afterwards."""
    channel_settings = telegram_settings(settings, fake_telegram)
    async with running_app(channel_settings, knowledge_base, settings.database_url) as (app, _):
        yield app



@pytest.fixture
async def telegram_client(telegram_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=telegram_app), base_url="http://test") as client:
        yield client


def text_update(update_id: int, text: str, *, chat: int = CHAT, message_id: int = 1,
                language: str = "de") -> dict[str, Any]:
    return {"update_id": update_id, "message": {
        "message_id": message_id, "date": 1764770000, "text": text,
        "chat": {"id": chat, "type": "private", "first_name": "Amira"},
        "from": {"id": chat, "is_bot": False, "first_name": "Amira", "username": "amira_k", "language_code": language}}}


async def deliver(client: httpx.AsyncClient, update: dict[str, Any], secret: str | None = SECRET) -> httpx.Response:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return await client.post("/channels/telegram/webhook", json=update, headers=headers)
