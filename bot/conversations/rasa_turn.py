"""One bot turn: the person's message through Rasa, its replies as envelopes and hand-off requests.

Actions send `{"envelope": ...}` and `{"handoff": ...}` custom payloads (`messages.py`); a plain
Rasa text response becomes an `info` envelope. When Rasa or the action server fails, or sends
nothing usable, the turn is a technical hand-off: the person is never left without an answer.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError

from bot.conversations.messages import Envelope, HandoffRequest
from bot.conversations.rasa_client import RasaClient, RasaUnavailable
from bot.languages import DEFAULT_LANGUAGE

logger = logging.getLogger(__name__)


Reply = Envelope | HandoffRequest


class RasaTurn:
    def __init__(self, rasa: RasaClient) -> None:
        self.rasa = rasa

    async def run(self, conversation_id: str, message: str, *, is_payload: bool, picked: str | None,
                  language: str | None) -> list[Reply]:
        """What the bot says to `message`, in order."""
        metadata = {"language": picked} if picked else {}
        try:
            replies = await self.rasa.send(conversation_id, message, is_payload=is_payload, metadata=metadata)
        except RasaUnavailable:
            logger.exception("Rasa unavailable for conversation %s", conversation_id)
            replies = []
        fallback = language or DEFAULT_LANGUAGE
        items = [item for reply in replies if (item := self._item(reply, fallback)) is not None]
        if not items:  # nothing usable came back: a person takes over
            items = [HandoffRequest(reason="technical", language=fallback)]
        return items

    @staticmethod
    def _item(reply: dict[str, Any], language: str) -> Reply | None:
        custom = reply.get("custom")
        try:
            if isinstance(custom, dict) and "envelope" in custom:
                return Envelope.model_validate({**custom["envelope"], "role": "bot"})
            if isinstance(custom, dict) and "handoff" in custom:
                return HandoffRequest.model_validate(custom["handoff"])
        except ValidationError:
            logger.exception("invalid reply from the action server: %r", custom)
            return None
        if reply.get("text"):  # a plain Rasa response (e.g. a default action)
            return Envelope(kind="info", text=str(reply["text"]), language=language)
        return None
