"""Settings of the gateway and the tools around it: environment variables and `.env`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.paths import ROOT

PLACEHOLDER = "change-me"


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

    max_message_chars: int = 2000
    expected_staff_reply_minutes: int = 30
    # origins of the city's web pages that embed the widget (CORS for the chat API); the gateway's
    # own demo page needs nothing here. JSON list in the environment: WIDGET_ORIGINS='["https://x.de"]'
    widget_origins: list[str] = []
    knowledge_dir: Path = ROOT / "knowledge_base"
    site_file: Path = ROOT / "knowledge_base" / "site" / "musterstadt.yml"

    @model_validator(mode="after")
    def _no_placeholder_secrets_in_production(self) -> Settings:
        if self.environment == "production":
            for name in ("rasa_token", "rasa_channel_token", "staff_api_token"):
                if PLACEHOLDER in getattr(self, name).get_secret_value():
                    raise ValueError(f"{name.upper()} still has its placeholder value; set a real secret")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
