"""A thin typed client of the WhatsApp Cloud API's messages endpoint (Graph API), on httpx.

`send(body)` posts one message (text, interactive, template) and returns its `wamid`, or raises
`GraphError` with Meta's error code, the HTTP status and `Retry-After` when given. Sends are paced
below the number's throughput (aiolimiter). Why not a library: docs/decisions.md, decision 32.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import httpx
from aiolimiter import AsyncLimiter

logger = logging.getLogger(__name__)
DIGITS = re.compile(r"\d{5,}")


def masked(text: str) -> str:
    """Phone numbers are personal data: in logs only their first 4 and last 2 digits."""
    return DIGITS.sub(lambda m: m.group()[:4] + "*" * (len(m.group()) - 6) + m.group()[-2:], text)


class GraphError(Exception):
    def __init__(self, http_status: int, code: int | None, message: str, retry_after: float | None = None) -> None:
        super().__init__(f"{code if code is not None else http_status} {message}".strip())
        self.http_status, self.code, self.message, self.retry_after = http_status, code, message, retry_after


def recipient(sender: str) -> dict[str, str]:
    """Whom to address: a phone-number id, or a person known only by their business-scoped user id."""
    return {"recipient": sender.removeprefix("user:")} if sender.startswith("user:") else {"to": sender}


class GraphClient:
    def __init__(self, base_url: str, version: str, phone_number_id: str, access_token: str,
                 messages_per_second: float, timeout: float = 15.0) -> None:
        self.url = f"{base_url.rstrip('/')}/{version}/{phone_number_id}/messages"
        self.http = httpx.AsyncClient(timeout=timeout, headers={"Authorization": f"Bearer {access_token}"})
        self.pace = AsyncLimiter(max(messages_per_second, 0.1), 1)

    async def send(self, sender: str, message: dict[str, Any]) -> str:
        """Post one message to the conversation's person; its wamid."""
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", **recipient(sender), **message}
        async with self.pace:
            response = await self.http.post(self.url, json=body)
        if response.status_code >= 400:
            raise _error(response)
        try:
            return str(response.json()["messages"][0]["id"])
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise GraphError(response.status_code, None, "the answer names no message id") from exc

    async def close(self) -> None:
        await self.http.aclose()


def _error(response: httpx.Response) -> GraphError:
    try:
        error = response.json().get("error") or {}
    except ValueError:
        error = {}
    code = error.get("code") if isinstance(error.get("code"), int) else None
    details = (error.get("error_data") or {}).get("details") if isinstance(error.get("error_data"), dict) else None
    message = str(error.get("message") or response.reason_phrase or "")
    if details:
        message = f"{message}: {details}"
    retry_after = None
    try:
        retry_after = float(response.headers["retry-after"])
    except (KeyError, ValueError):
        pass
    return GraphError(response.status_code, code, masked(message)[:250], retry_after)
