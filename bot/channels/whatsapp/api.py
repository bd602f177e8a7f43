"""`GET` and `POST /channels/whatsapp/webhook`: Meta's webhook set-up handshake and its notifications.

- GET: `hub.mode=subscribe` with the right `hub.verify_token` (constant-time) echoes `hub.challenge`
  as plain text; anything else is a 403.
- POST: `X-Hub-Signature-256` must be the HMAC-SHA256 of the raw body with the app secret
  (constant-time): missing is a 401, wrong a 403, and nothing is read or stored. A body that is not
  JSON is a 400; a notification of another kind (another object or field) is a 200 with nothing
  done, because Meta delivers again for days what did not get a 200. Messages are stored before
  the 200; the answers follow.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, status
from fastapi.responses import JSONResponse, PlainTextResponse

from bot.channels.whatsapp.channel import WEBHOOK_PATH, WhatsAppChannel
from bot.channels.whatsapp.notifications import parse
from bot.gateway.deps import ServicesDep
from bot.gateway.errors import ApiError

router = APIRouter(tags=["whatsapp"])
MAX_BODY_BYTES = 3 * 1024 * 1024
MAX_CHALLENGE = 200


def whatsapp(services: ServicesDep) -> WhatsAppChannel:
    channel = services.whatsapp
    if channel is None:
        raise ApiError(status.HTTP_404_NOT_FOUND, "channel_off", "WhatsApp is not configured here.")
    return channel


def signature_valid(body: bytes, header: str, app_secret: str) -> bool:
    expected = "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header.strip().lower().encode(), expected.encode())


@router.get(WEBHOOK_PATH, include_in_schema=False)
async def verify(channel: Annotated[WhatsAppChannel, Depends(whatsapp)],
                 mode: Annotated[str, Query(alias="hub.mode")] = "",
                 token: Annotated[str, Query(alias="hub.verify_token")] = "",
                 challenge: Annotated[str, Query(alias="hub.challenge")] = "") -> PlainTextResponse:
    if mode != "subscribe" or not hmac.compare_digest(token.encode(), channel.verify_token.encode()):
        raise ApiError(status.HTTP_403_FORBIDDEN, "verify_token_invalid", "Wrong mode or verify token.")
    if not challenge or len(challenge) > MAX_CHALLENGE or not challenge.isascii() or not challenge.isprintable():
        raise ApiError(status.HTTP_400_BAD_REQUEST, "challenge_invalid", "hub.challenge is missing or malformed.")
    return PlainTextResponse(challenge)


@router.post(WEBHOOK_PATH, include_in_schema=False)
async def notify(request: Request, channel: Annotated[WhatsAppChannel, Depends(whatsapp)],
                 signature: Annotated[str | None, Header(alias="X-Hub-Signature-256")] = None) -> JSONResponse:
    if not signature:
        raise ApiError(status.HTTP_401_UNAUTHORIZED, "signature_missing", "X-Hub-Signature-256 is missing.")
    declared = request.headers.get("content-length", "0")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise ApiError(status.HTTP_413_CONTENT_TOO_LARGE, "body_too_large", "The notification is too large.")
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(status.HTTP_413_CONTENT_TOO_LARGE, "body_too_large", "The notification is too large.")
    if not signature_valid(raw, signature, channel.app_secret):
        raise ApiError(status.HTTP_403_FORBIDDEN, "signature_invalid", "The signature does not match the body.")
    try:
        data = json.loads(raw)
    except ValueError:
        raise ApiError(status.HTTP_400_BAD_REQUEST, "invalid_json", "The body is not JSON.") from None
    items = parse(data)
    if items is None:
        return JSONResponse({"ok": True, "stored": 0, "ignored": True})
    return JSONResponse({"ok": True, "stored": await channel.receive(items)})
