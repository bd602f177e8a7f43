"""The one thin client for the Rasa server and the action server."""

from __future__ import annotations

from typing import Any

import httpx


class RasaUnavailable(Exception):
    """Rasa did not answer, or answered with an error."""


class RasaClient:
    def __init__(self, base_url: str, api_token: str, channel_token: str, action_server_url: str,
                 timeout: float = 30.0, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._http = httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport)
        self._api_token = api_token
        self._channel_headers = {"Authorization": f"Bearer {channel_token}"}
        self._action_server_url = action_server_url

    async def close(self) -> None:
        await self._http.aclose()

    async def send(self, sender: str, message: str, *, is_payload: bool,
                   metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """One user message through the gateway channel; Rasa's replies in order.

        Only an accepted button payload goes as `payload`; everything a person typed goes as text,
        which the channel keeps Rasa from reading as an intent even when it starts with '/'."""
        body = {"sender": sender, "message": message,
                "metadata": {**(metadata or {}), "input": "payload" if is_payload else "text"}}
        try:
            # X-Conversation-Id: a proxy in front of several Rasa instances keeps a conversation on one of them
            response = await self._http.post("/webhooks/gateway/webhook", json=body,
                                             headers={**self._channel_headers, "X-Conversation-Id": sender})
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"Rasa did not answer: {type(exc).__name__}") from exc
        replies = response.json()
        if not isinstance(replies, list):
            raise RasaUnavailable(f"unexpected reply from Rasa: {type(replies).__name__}")
        return replies

    async def status(self) -> dict[str, Any]:
        """Rasa's /status (needs a loaded model: 409 otherwise)."""
        response = await self._http.get("/status", params={"token": self._api_token}, timeout=5)
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    async def action_server_health(self) -> dict[str, Any]:
        response = await self._http.get(f"{self._action_server_url}/health", timeout=5)
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body
