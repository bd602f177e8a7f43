"""Sending a stored reply to a WhatsApp conversation, within the 24-hour window (the outbox calls `send`).

WhatsApp lets a business write freely only within 24 hours of the person's last message. Outside
that window (by our clock, or when the API answers 131047), the sender invites the person once
with the city's approved template and raises `WaitForPerson`: the outbox holds the reply (and the
ones after it) until the person writes again, then sends them in order.

The Cloud API's answers become the outbox's outcomes: 429 and the throughput codes -> `RetryLater`;
131026 (the number cannot receive messages) -> `Unreachable`; other 4xx -> `Undeliverable`, kept
with Meta's code for staff; 5xx, network errors and token problems are retried with back-off.
"""

from __future__ import annotations

import logging

from bot.channels.whatsapp.client import GraphClient, GraphError, masked
from bot.channels.whatsapp.notifications import WINDOW_CLOSED
from bot.channels.whatsapp.render import render, template_message
from bot.conversations.messages import ChatMessage
from bot.conversations.models import Conversation, utcnow
from bot.conversations.outbox import RetryLater, Undeliverable, Unreachable, WaitForPerson
from bot.conversations.reply_window import invited_since_last_message, window_open
from bot.knowledge.schema import MessageTemplate

logger = logging.getLogger(__name__)
THROTTLED = frozenset({4, 80007, 130429, 131048, 131056})  # rate, throughput, spam and pair-rate limits
RETRY_SECONDS = 10.0
NOT_ON_WHATSAPP = frozenset({131026})
RETRIED = frozenset({1, 2, 131000, 131016, 190, 10, 200, 131005})  # temporary, or the token: fixed by an admin


class WhatsAppSender:
    reports_status = True  # WhatsApp reports sent, delivered, read and failed by wamid

    def __init__(self, client: GraphClient, template: MessageTemplate) -> None:
        self.client, self.template = client, template

    async def send(self, conversation: Conversation, message: ChatMessage) -> list[str]:
        if not window_open(conversation, utcnow()):
            raise WaitForPerson(invited=await self._invite(conversation, message.language))
        sent: list[str] = []
        for part in render(message):
            try:
                sent.append(await self.client.send(conversation.sender, part))
            except GraphError as exc:
                if exc.code == WINDOW_CLOSED:
                    raise WaitForPerson(invited=await self._invite(conversation, message.language)) from exc
                raise _outcome(exc) from exc
        return sent

    async def _invite(self, conversation: Conversation, language: str | None) -> bool:
        """Send the template that asks the person to write back, once per closed window; whether it went."""
        if invited_since_last_message(conversation):
            return False
        try:
            invitation = template_message(self.template, conversation.language or language)
            await self.client.send(conversation.sender, invitation)
        except GraphError as exc:
            outcome = _outcome(exc)
            if isinstance(outcome, RetryLater | Unreachable):
                raise outcome from exc
            logger.error("whatsapp: the template %s could not be sent to %s: %s", self.template.name,
                         masked(conversation.sender), exc)
            return False
        return True


def _outcome(exc: GraphError) -> Exception:
    if exc.http_status == 429 or exc.code in THROTTLED:
        return RetryLater(exc.retry_after or RETRY_SECONDS)
    if exc.code in NOT_ON_WHATSAPP:
        return Unreachable(str(exc))
    if exc.http_status >= 500 or exc.code in RETRIED:
        return exc  # the outbox retries it with growing pauses
    return Undeliverable(str(exc))
