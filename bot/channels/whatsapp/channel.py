"""The WhatsApp channel (Cloud API) on the conversation core.

`POST /channels/whatsapp/webhook` (`api.py`) checks the signature, then `receive` stores every
message of the notification through the core's `accept`, in order, before the webhook answers 200;
the answers are worked out afterwards, one conversation at a time in order (the core's lock).
Status reports move our messages' delivery state forward (`Outbox.record_status`). Replies, staff
replies included, leave through the outbox (`WhatsAppSender`), within the 24-hour window.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.channels.background import BackgroundWork, within_limits
from bot.channels.whatsapp.client import GraphClient, masked
from bot.channels.whatsapp.notifications import CHANNEL, WINDOW_CLOSED, Item, StatusReport, Tap
from bot.channels.whatsapp.sender import WhatsAppSender
from bot.conversations.inbound import Inbound, InvalidMessage
from bot.conversations.outbox import Outbox
from bot.conversations.payloads import parse_button_ref
from bot.conversations.service import ConversationService, DuplicateConflict
from bot.conversations.states import DeliveryStatus
from bot.gateway.rate_limits import RateLimits
from bot.knowledge.schema import MessageTemplate
from bot.settings import Settings

logger = logging.getLogger(__name__)
WEBHOOK_PATH = "/channels/whatsapp/webhook"


def whatsapp_sender(settings: Settings, template: MessageTemplate) -> WhatsAppSender:
    assert settings.whatsapp_access_token is not None and settings.whatsapp_phone_number_id is not None
    client = GraphClient(settings.whatsapp_graph_base_url, settings.whatsapp_graph_version,
                         settings.whatsapp_phone_number_id, settings.whatsapp_access_token.get_secret_value(),
                         settings.whatsapp_messages_per_second)
    return WhatsAppSender(client, template)


class WhatsAppChannel:
    def __init__(self, settings: Settings, conversations: ConversationService, outbox: Outbox,
                 sender: WhatsAppSender, limits: RateLimits) -> None:
        assert settings.whatsapp_app_secret is not None and settings.whatsapp_verify_token is not None
        self.app_secret = settings.whatsapp_app_secret.get_secret_value()
        self.verify_token = settings.whatsapp_verify_token.get_secret_value()
        self.conversations, self.outbox, self.sender, self.limits = conversations, outbox, sender, limits
        self.work = BackgroundWork(CHANNEL)

    @property
    def client(self) -> GraphClient:
        return self.sender.client

    async def stop(self) -> None:
        await self.work.stop()
        await self.client.close()

    async def receive(self, items: list[Item]) -> int:
        """Store the notification's messages (once each, in order) and record its statuses; how many new
        messages were stored. The answers are worked out after the webhook has answered."""
        to_answer: list[str] = []
        stored = 0
        for item in items:
            if isinstance(item, StatusReport):
                await self._status(item)
                continue
            inbound = await self._inbound(item)
            conversation_id = await self.conversations.open_for(CHANNEL, inbound.sender)
            if not await within_limits(self.limits, self.conversations, CHANNEL, inbound.sender, conversation_id):
                continue
            try:
                message, duplicate = await self.conversations.accept(inbound)
            except (InvalidMessage, DuplicateConflict) as exc:  # e.g. a text over the length limit
                logger.info("whatsapp: message from %s not accepted: %s", masked(inbound.sender), exc)
                continue
            stored += not duplicate
            if (not duplicate or message.handled_at is None) and conversation_id not in to_answer:
                to_answer.append(conversation_id)
        for conversation_id in to_answer:
            self.work.later(self.conversations.process(conversation_id))
        return stored

    async def _inbound(self, item: Inbound | Tap) -> Inbound:
        if isinstance(item, Inbound):
            return item
        where = parse_button_ref(item.ref)
        button = await self.conversations.offered_button(CHANNEL, item.inbound.sender, *where) if where else None
        if button is None:  # not a button this person was offered: what they tapped is their text
            logger.info("whatsapp: unknown button %r from %s", item.ref[:40], masked(item.inbound.sender))
            return item.inbound
        return replace(item.inbound, text=None, payload=button.payload)

    async def _status(self, report: StatusReport) -> None:
        changed = await self.outbox.record_status(CHANNEL, report.wamid, DeliveryStatus(report.status),
                                                  error=report.error, window_closed=report.error_code == WINDOW_CLOSED)
        if report.status == "failed":
            logger.warning("whatsapp: %s failed: %s%s", report.wamid, report.error, "" if changed else " (no change)")
