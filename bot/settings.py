"""Settings of the gateway and the tools around it: environment variables and `.env`."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from limits import parse_many
from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.paths import KNOWLEDGE_BASE, ROOT, SITE_FILE

PLACEHOLDER = "change-me"
TELEGRAM_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
WHATSAPP_GRAPH_VERSION = "v24.0"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=ROOT / ".env", env_file_encoding="utf-8", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = f"sqlite+aiosqlite:///{ROOT / 'var' / 'willkommen.db'}"
    port: int = 8000

    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: SecretStr = SecretStr(PLACEHOLDER)  # Rasa HTTP API (--auth-token)
    rasa_channel_token: SecretStr = SecretStr(PLACEHOLDER + "-channel-token")  # gateway channel
    staff_api_token: SecretStr = SecretStr(PLACEHOLDER + "-staff-token")  # staff JSON API (until the inbox)
    rasa_timeout_seconds: float = 30.0
    action_server_url: str = "http://127.0.0.1:5055"
    # Rasa's tracker store, which keeps a second copy of every conversation (purged and erased with ours)
    rasa_tracker_dialect: str = "sqlite"
    rasa_tracker_db: Path = ROOT / "var" / "rasa_tracker.db"
    rasa_tracker_url: str | None = None  # a SQLAlchemy URL; needed when the dialect is not sqlite
    retention_days: int = 90  # conversations are deleted this long after their last message (the privacy notice)

    # REDIS_URL set (the scaled profile, several gateway workers): the per-conversation lock, live events and
    # rate-limit counters are shared through Redis; in memory otherwise (one gateway process)
    redis_url: str | None = None
    lock_lease_seconds: float = 15.0  # a dead worker's conversation lock expires after this
    recovery_sweep_seconds: float = 15.0  # how often each worker looks for messages nobody answered
    recovery_after_seconds: float = 90.0  # ... that waited longer than any live turn takes (> RASA_TIMEOUT_SECONDS)
    # rate limits (README "Rate limits"), in the notation of the `limits` library
    rate_new_conversations: str = "10/minute;60/hour"  # per client address
    rate_messages: str = "20/minute;300/hour"  # per conversation
    rate_messages_per_address: str = "60/minute;1000/hour"  # per client address, or per messenger sender
    rate_logins: str = "10/minute;100/hour"  # inbox logins per client address

    max_message_chars: int = 2000
    expected_staff_reply_minutes: int = 30
    # origins of the city's web pages that embed the widget (CORS for the chat API); the gateway's
    # own demo page needs nothing here. JSON list in the environment: WIDGET_ORIGINS='["https://x.de"]'
    widget_origins: list[str] = []
    knowledge_dir: Path = KNOWLEDGE_BASE
    site_file: Path = SITE_FILE

    # Telegram (README "Connect Telegram"): off without a token
    telegram_bot_token: SecretStr | None = None
    telegram_webhook_secret: SecretStr | None = None  # 1-256 characters of A-Za-z0-9_-
    telegram_mode: Literal["webhook", "polling"] = "webhook"  # polling: local development without a public URL
    public_base_url: str | None = None  # where Telegram reaches the gateway, e.g. https://chat.musterstadt.de
    telegram_api_base_url: str = "https://api.telegram.org"  # tests and staging: a local fake

    # WhatsApp Business Cloud API (README "Connect WhatsApp"): off without an access token
    whatsapp_access_token: SecretStr | None = None
    whatsapp_app_secret: SecretStr | None = None  # signs the webhook's requests (X-Hub-Signature-256)
    whatsapp_verify_token: SecretStr | None = None  # the webhook set-up handshake (hub.verify_token)
    whatsapp_phone_number_id: str | None = None  # the business number's id in Meta's WhatsApp Manager
    whatsapp_graph_version: str = WHATSAPP_GRAPH_VERSION  # the Graph API version the code is tested against
    whatsapp_graph_base_url: str = "https://graph.facebook.com"  # tests and staging: a local fake
    whatsapp_messages_per_second: float = 20.0  # pacing of sends, below the number's throughput

    @property
    def telegram_on(self) -> bool:
        return bool(self.telegram_bot_token and self.telegram_bot_token.get_secret_value())

    @property
    def tracker_url(self) -> str:
        if self.rasa_tracker_url:
            return self.rasa_tracker_url
        if self.rasa_tracker_dialect != "sqlite":
            raise ValueError("RASA_TRACKER_URL must name Rasa's tracker database (e.g. postgresql+psycopg://...)")
        return f"sqlite+aiosqlite:///{self.rasa_tracker_db}"

    @property
    def rate_rules(self) -> dict[str, str]:
        return {"new_conversations": self.rate_new_conversations, "messages": self.rate_messages,
                "messages_per_address": self.rate_messages_per_address, "logins": self.rate_logins}

    @model_validator(mode="after")
    def _rates_readable(self) -> Settings:
        for name, rule in self.rate_rules.items():
            try:
                parse_many(rule)
            except ValueError:
                raise ValueError(f"RATE_{name.upper()} is not a rate such as '10/minute;60/hour'") from None
        return self

    @model_validator(mode="after")
    def _no_placeholder_secrets_in_production(self) -> Settings:
        if self.environment == "production":
            for name in ("rasa_token", "rasa_channel_token", "staff_api_token"):
                if PLACEHOLDER in getattr(self, name).get_secret_value():
                    raise ValueError(f"{name.upper()} still has its placeholder value; set a real secret")
        return self

    @model_validator(mode="after")
    def _telegram_is_complete(self) -> Settings:
        if not self.telegram_on:
            return self
        secret = self.telegram_webhook_secret.get_secret_value() if self.telegram_webhook_secret else ""
        if secret and not TELEGRAM_SECRET.fullmatch(secret):
            raise ValueError("TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Za-z0-9_-")
        if self.telegram_mode == "webhook":
            if not secret or (self.environment == "production" and PLACEHOLDER in secret):
                raise ValueError("TELEGRAM_WEBHOOK_SECRET must be set (and not a placeholder) for the webhook")
            if not self.public_base_url:
                raise ValueError("PUBLIC_BASE_URL must say where Telegram reaches the gateway (webhook mode)")
        return self

    @property
    def whatsapp_on(self) -> bool:
        return bool(self.whatsapp_access_token and self.whatsapp_access_token.get_secret_value())

    @model_validator(mode="after")
    def _whatsapp_is_complete(self) -> Settings:
        if not self.whatsapp_on:
            return self
        for name in ("whatsapp_app_secret", "whatsapp_verify_token"):
            value: SecretStr | None = getattr(self, name)
            secret = value.get_secret_value() if value else ""
            if not secret or (self.environment == "production" and PLACEHOLDER in secret):
                raise ValueError(f"{name.upper()} must be set (and not a placeholder) when WhatsApp is on")
        if self.environment == "production" and PLACEHOLDER in self.whatsapp_access_token.get_secret_value():  # type: ignore[union-attr]
            raise ValueError("WHATSAPP_ACCESS_TOKEN still has its placeholder value")
        if not self.whatsapp_phone_number_id:
            raise ValueError("WHATSAPP_PHONE_NUMBER_ID must name the business number (WhatsApp Manager)")
        if not re.fullmatch(r"v\d+\.\d+", self.whatsapp_graph_version):
            raise ValueError("WHATSAPP_GRAPH_VERSION looks like v24.0")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
