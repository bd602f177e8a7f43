"""The Telegram channel: python-telegram-bot's Application inside the gateway, on the conversation core.

Webhook mode (production): at start the webhook is registered with its secret and the update
types we handle; `POST /channels/telegram/webhook` (`api.py`) stores each update through
`receive` before it answers 200, and the reply work runs afterwards, in order per chat (the
core's per-conversation lock). Polling mode (local development without a public URL): the
Application's updater fetches updates and hands them to the same `receive`. Replies leave through
the outbox (`TelegramSender`), staff replies included.
"""

from __future__ import annotations

import logging
import os

from telegram import Update
from telegram.ext import AIORateLimiter, Application, ContextTypes, TypeHandler

from bot.channels.background import BackgroundWork, quietly, within_limits
from bot.channels.telegram.sender import TelegramSender
from bot.channels.telegram.updates import ALLOWED_UPDATES, CHANNEL, Tap, parse
from bot.conversations.inbound import Inbound, InvalidMessage
from bot.conversations.payloads import parse_button_ref
from bot.conversations.service import ConversationService, DuplicateConflict
from bot.gateway.rate_limits import RateLimits
from bot.settings import Settings

logger = logging.getLogger(__name__)
WEBHOOK_PATH = "/channels/telegram/webhook"


class TelegramChannel:
    def __init__(self, settings: Settings, conversations: ConversationService, limits: RateLimits) -> None:
        assert settings.telegram_bot_token is not None
        os.environ.setdefault("PTB_TIMEDELTA", "true")  # RetryAfter.retry_after as a timedelta, no warning
        self.settings, self.conversations, self.limits = settings, conversations, limits
        api = settings.telegram_api_base_url.rstrip("/")
        builder = (Application.builder().token(settings.telegram_bot_token.get_secret_value())
                   .base_url(f"{api}/bot").base_file_url(f"{api}/file/bot")
                   .rate_limiter(AIORateLimiter(overall_max_rate=25, overall_time_period=1, max_retries=0)))
        if settings.telegram_mode == "webhook":
            builder = builder.updater(None)
        self.application = builder.build()
        self.application.add_handler(TypeHandler(Update, self._polled))
        self.sender = TelegramSender(self.application.bot)
        self.work = BackgroundWork("telegram")

    @property
    def secret(self) -> str:
        return self.settings.telegram_webhook_secret.get_secret_value() if self.settings.telegram_webhook_secret else ""

    async def start(self) -> None:
        await self.application.initialize()
        await self.application.start()
        bot = self.application.bot
        if self.settings.telegram_mode == "webhook":
            url = f"{(self.settings.public_base_url or '').rstrip('/')}{WEBHOOK_PATH}"
            await bot.set_webhook(url=url, secret_token=self.secret, allowed_updates=ALLOWED_UPDATES)
            logger.info("telegram: webhook %s registered for @%s", url, bot.username)
        else:
            await bot.delete_webhook()
            assert self.application.updater is not None
            await self.application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
            logger.info("telegram: polling for @%s", bot.username)

    async def stop(self) -> None:
        if self.application.updater is not None and self.application.updater.running:
            await self.application.updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
        await self.work.stop()

    async def _polled(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.receive(update)

    async def receive(self, update: Update) -> None:
        """Store what the update says (once); the answer is worked out afterwards."""
        parsed = parse(update)
        if isinstance(parsed, Tap):
            inbound = await self._tap(parsed)
            if inbound is None:
                return
        elif parsed is None:
            return
        else:
            inbound = parsed
        conversation_id = await self.conversations.open_for(CHANNEL, inbound.sender, inbound.language)
        if not await within_limits(self.limits, self.conversations, CHANNEL, inbound.sender, conversation_id):
            return
        try:
            message, duplicate = await self.conversations.accept(inbound)
        except (InvalidMessage, DuplicateConflict) as exc:  # e.g. a message over the length limit
            logger.info("telegram: update %s not accepted: %s", update.update_id, exc)
            return
        if not duplicate or message.handled_at is None:
            self.work.later(self.conversations.process(conversation_id))

    async def _tap(self, tap: Tap) -> Inbound | None:
        """A button we sent: acknowledged at once, its keyboard taken away, its payload looked up."""
        bot = self.application.bot
        self.work.later(quietly(bot.answer_callback_query(tap.query_id), "telegram"))
        if tap.message_id is not None:
            self.work.later(quietly(bot.edit_message_reply_markup(chat_id=tap.chat_id, message_id=tap.message_id,
                                                                  reply_markup=None), "telegram"))
        where = parse_button_ref(tap.data)
        button = await self.conversations.offered_button(CHANNEL, str(tap.chat_id), *where) if where else None
        if button is None:  # not a button this chat was offered
            logger.info("telegram: unknown button %r in chat %s", tap.data, tap.chat_id)
            return None
        return Inbound(channel=CHANNEL, external_id=f"cb:{tap.query_id}", sender=str(tap.chat_id),
                       payload=button.payload, language=tap.language, display_name=tap.display_name)

