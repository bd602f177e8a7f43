"""Rasa input channel for the gateway (runs inside the Rasa env, Python 3.10).

Rasa's REST channel with three changes:
- every request must carry the shared token (`Authorization: Bearer ...`);
- the request's `metadata` reaches the tracker (the language a person picked);
- text is text: Rasa reads a message starting with '/' as an intent with entities (`/restart`,
  `/emergency`, `/ask_question{"kb_id": ...}`), so unless the gateway marks the message as an
  accepted button payload (`metadata.input == "payload"`), such text gets an invisible word
  joiner in front and goes through the NLU like anything else the person typed.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.rasa_ext.text_guard import message_for_rasa


class GatewayInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "gateway"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> GatewayInput:
        token = (credentials or {}).get("token") or ""
        if len(token) < 16:
            raise ValueError("GatewayInput: set a token of at least 16 characters (RASA_CHANNEL_TOKEN)")
        return cls(token)

    def __init__(self, token: str) -> None:
        self._expected = f"Bearer {token}".encode()

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        metadata = (request.json or {}).get("metadata")
        return metadata if isinstance(metadata, dict) else None

    def _extract_message(self, req: Request) -> str | None:
        message = (req.json or {}).get("message")
        return message_for_rasa(message if isinstance(message, str) else None, self.get_metadata(req))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)

        @blueprint.middleware("request")
        async def require_token(request: Request) -> HTTPResponse | None:
            given = (request.headers.get("Authorization") or "").encode()
            if not hmac.compare_digest(given, self._expected):
                return response.json({"error": "invalid or missing channel token"}, status=401)
            return None

        return blueprint
