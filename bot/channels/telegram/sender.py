"""Sending a stored reply to a Telegram chat through the Bot API (python-telegram-bot's `Bot`).

The outbox (`bot/conversations/outbox.py`) calls `send`; Telegram's answers become its outcomes:
429 -> `RetryLater(retry_after)`, 403 (blocked, kicked, deactivated) -> `Unreachable`, 400 ->
`Undeliverable` (kept with its description), anything else (network, timeouts) is retried. Pacing
within Telegram's limits is the Application's rate limiter (overall and per group).
"""

from __future__ import annotations

import asyncio
import datetime as dt

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter

from bot.channels.telegram.render import TelegramMessage, render
from bot.conversations.messages import ChatMessage
from bot.conversations.models import Conversation
from bot.conversations.outbox import RetryLater, Undeliverable, Unreachable


def keyboard(message: TelegramMessage) -> InlineKeyboardMarkup | None:
    if not message.keyboard:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(key.title, callback_data=key.callback_data) for key in row]
                                 for row in message.keyboard])


def seconds(value: int | float | dt.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
MID_MESSAGE_RETRIES = 3  # a long reply already half sent waits for Telegram instead of starting over


class TelegramSender:
    reports_status = False  # the Bot API does not report delivery or reading

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, conversation: Conversation, message: ChatMessage) -> list[str]:
        sent: list[str] = []
        for part in render(message):
            sent.append(await self._send_part(int(conversation.sender), part, first=not sent))
        return sent

    async def _send_part(self, chat_id: int, part: TelegramMessage, *, first: bool) -> str:
        for attempt in range(MID_MESSAGE_RETRIES + 1):
            try:
                result = await self.bot.send_message(chat_id=chat_id, text=part.html, parse_mode=ParseMode.HTML,
                                                     reply_markup=keyboard(part), link_preview_options=NO_PREVIEW)
                return str(result.message_id)
            except RetryAfter as exc:
                if first or attempt == MID_MESSAGE_RETRIES:
                    raise RetryLater(seconds(exc.retry_after)) from exc
                await asyncio.sleep(seconds(exc.retry_after))
            except Forbidden as exc:
                raise Unreachable(exc.message) from exc
            except BadRequest as exc:
                raise Undeliverable(exc.message) from exc
        raise AssertionError("unreachable")
