"""`POST /channels/telegram/webhook`: Telegram delivers updates here (webhook mode).

The secret header is compared in constant time before anything is read; a wrong or missing one
is a 403 and nothing is stored. A body that is not an update is a 400; an update of a shape we
do not handle is a 200 (Telegram would otherwise deliver it again and again). The update is
stored before the 200; the reply work runs afterwards.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, status
from fastapi.responses import JSONResponse
from telegram import Update

from bot.channels.telegram.channel import WEBHOOK_PATH, TelegramChannel
from bot.gateway.deps import ServicesDep
from bot.gateway.errors import ApiError

logger = logging.getLogger(__name__)
router = APIRouter(tags=["telegram"])
MAX_BODY_BYTES = 1024 * 1024


def telegram(services: ServicesDep) -> TelegramChannel:
    channel = services.telegram
    if channel is None:
        raise ApiError(status.HTTP_404_NOT_FOUND, "channel_off", "Telegram is not configured here.")
    return channel


@router.post(WEBHOOK_PATH, include_in_schema=False)
async def webhook(request: Request, channel: Annotated[TelegramChannel, Depends(telegram)],
                  secret: Annotated[str | None, Header(alias="X-Telegram-Bot-Api-Secret-Token")] = None,
                  ) -> JSONResponse:
    if not hmac.compare_digest((secret or "").encode(), channel.secret.encode()):
        raise ApiError(status.HTTP_403_FORBIDDEN, "secret_invalid", "Wrong or missing webhook secret.")
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(status.HTTP_413_CONTENT_TOO_LARGE, "body_too_large", "The update is too large.")
    try:
        data = json.loads(raw)
        update = Update.de_json(data, channel.application.bot) if isinstance(data, dict) else None
    except (ValueError, TypeError, KeyError, AttributeError):
        update = None
    if update is None:
        raise ApiError(status.HTTP_400_BAD_REQUEST, "invalid_update", "The body is not a Telegram update.")
    await channel.receive(update)
    return JSONResponse({"ok": True})
