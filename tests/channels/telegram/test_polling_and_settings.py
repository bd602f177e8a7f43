"""Polling mode (local development without a public URL) and the channel's settings."""

import asyncio

import pytest
from pydantic import SecretStr, ValidationError

from bot.gateway.app import create_app
from bot.gateway.services import run_channels, start_services, stop_services
from bot.settings import Settings
from tests.channels.telegram.conftest import CHAT, telegram_settings, text_update
from tests.support.app import empty_the_database


async def test_polling_fetches_updates_and_answers_through_the_same_path(settings, knowledge_base,
                                                                          fake_telegram) -> None:
    app = create_app(settings, start=False)
    services = await start_services(telegram_settings(settings, fake_telegram, telegram_mode="polling"),
                                    knowledge=knowledge_base)
    app.state.services = services
    running = await run_channels(services)
    try:
        assert fake_telegram.calls("deleteWebhook") and not fake_telegram.calls("setWebhook")
        fake_telegram.push_update(text_update(900, "Hallo, ich habe eine Frage", chat=CHAT + 1))
        [call] = await asyncio.to_thread(fake_telegram.wait_for, "sendMessage", None, 15.0)
        assert str(call["params"]["chat_id"]) == str(CHAT + 1)
    finally:
        await stop_services(services, running)
        await empty_the_database(settings.database_url)


async def test_without_a_token_the_channel_is_off_and_health_says_so(client, settings) -> None:
    assert not settings.telegram_on
    assert (await client.get("/health")).json()["channels"]["telegram"] is False
    assert (await client.post("/channels/telegram/webhook", json={})).status_code == 404


def test_webhook_mode_needs_a_secret_and_a_public_url() -> None:
    with pytest.raises(ValidationError, match="TELEGRAM_WEBHOOK_SECRET"):
        Settings(telegram_bot_token=SecretStr("1:x"), public_base_url="https://x.de")
    with pytest.raises(ValidationError, match="PUBLIC_BASE_URL"):
        Settings(telegram_bot_token=SecretStr("1:x"), telegram_webhook_secret=SecretStr("abc"))
    with pytest.raises(ValidationError, match="1-256 characters"):
        Settings(telegram_bot_token=SecretStr("1:x"), telegram_webhook_secret=SecretStr("has space"),
                 public_base_url="https://x.de")
    with pytest.raises(ValidationError, match="placeholder"):
        Settings(environment="production", rasa_token=SecretStr("a" * 32), rasa_channel_token=SecretStr("b" * 32),
                 staff_api_token=SecretStr("c" * 32), telegram_bot_token=SecretStr("1:x"),
                 telegram_webhook_secret=SecretStr("change-me"), public_base_url="https://x.de")
    assert Settings(telegram_bot_token=SecretStr("1:x"), telegram_mode="polling").telegram_on  # no secret needed


async def test_health_names_the_channels_that_are_on(telegram_client) -> None:
    body = (await telegram_client.get("/health")).json()
    assert body["channels"] == {"web": True, "telegram": True, "whatsapp": False}
