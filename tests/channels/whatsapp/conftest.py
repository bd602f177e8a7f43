"""The gateway with its WhatsApp channel against the fake Graph API on loopback (real HTTP both ways)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from bot.knowledge.loader import KnowledgeBase
from bot.settings import Settings
from bot.tools import whatsapp_webhooks as wa
from bot.tools.fake_whatsapp import FakeWhatsApp
from tests.support.app import running_app

APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"


@pytest.fixture
def fake_whatsapp() -> Iterator[FakeWhatsApp]:
    with FakeWhatsApp() as fake:
        yield fake


def whatsapp_settings(settings: Settings, fake: FakeWhatsApp, **changes: Any) -> Settings:
    return settings.model_copy(update={
        "whatsapp_access_token": SecretStr(fake.access_token), "whatsapp_app_secret": SecretStr(APP_SECRET),
        "whatsapp_verify_token": SecretStr(VERIFY_TOKEN), "whatsapp_phone_number_id": fake.phone_number_id,
        "whatsapp_graph_version": fake.version, "whatsapp_graph_base_url": fake.base_url, **changes})


@pytest.fixture
async def whatsapp_app(settings: Settings, knowledge_base: KnowledgeBase,
                       fake_whatsapp: FakeWhatsApp) -> AsyncIterator[FastAPI]:
    """The app as it runs, WhatsApp on, real commits; the database is emptied afterwards."""
    channel_settings = whatsapp_settings(settings, fake_whatsapp)
    async with running_app(channel_settings, knowledge_base, settings.database_url) as (app, _):
        yield app


@pytest.fixture
async def whatsapp_client(whatsapp_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=whatsapp_app), base_url="http://test") as client:
        yield client


async def notify(client: httpx.AsyncClient, body: dict[str, Any], secret: str | None = APP_SECRET) -> httpx.Response:
    """POST a notification as Meta does: the raw JSON bytes, signed with the app secret."""
    raw, headers = wa.signed(body, secret or "")
    if secret is None:
        headers.pop("X-Hub-Signature-256")
    return await client.post("/channels/whatsapp/webhook", content=raw, headers=headers)


async def says(client: httpx.AsyncClient, *messages: dict[str, Any], contact: dict[str, Any] | None = None) -> None:
    response = await notify(client, wa.payload(wa.messages_value(contact or wa.contact(), *messages)))
    assert response.status_code == 200, response.text


async def sent(fake: FakeWhatsApp, n: int = 1, to: str = wa.WA_ID) -> list[dict[str, Any]]:
    """The bodies of the first `n` messages sent to `to` (waits for them)."""
    records = await asyncio.to_thread(fake.wait_for, lambda r: r["body"].get("to", r["body"].get("recipient")) == to,
                                      10.0, n)
    return [r["body"] for r in records]
