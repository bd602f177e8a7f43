"""What every channel turns a received message into, and the checks every message passes.

A channel adapter verifies its request (token, secret header, signature), parses it into one
`Inbound` and calls `ConversationService.receive`. (channel, external_id) identifies the message
for de-duplication; (channel, sender) identifies the conversation.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from bot.languages import SUPPORTED_LANGUAGES

# C0 control characters other than tab, newline and carriage return: no person types them, and
# PostgreSQL cannot store NUL
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_PAYLOAD_CHARS = 500
WEB = "web"  # the one channel whose replies go out in the HTTP response and the event stream, not the outbox


class InvalidMessage(Exception):
    """What the person sent cannot be accepted; `code` and `message` say why (no input is echoed)."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code, self.message, self.details = code, message, details


@dataclass(frozen=True)
class Inbound:
    channel: str  # web | telegram | whatsapp
    external_id: str  # the channel's id of this message, unique within the channel
    sender: str  # who wrote it, in the channel's terms (web: the conversation id)
    text: str | None = None  # what the person typed ...
    payload: str | None = None  # ... or the button they pressed
    language: str | None = None  # a language the person picked in their client
    unsupported: str | None = None  # what was sent instead of text (photo, voice, sticker, ...): recorded only
    display_name: str | None = None  # the name the messenger shows for the sender (for staff)
    identity: dict[str, str] | None = None  # the messenger's other ids of the sender (WhatsApp: wa_id, user_id)
    received_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


def readable(value: str, what: str) -> str:
    """`value` if it can be stored and shown: valid Unicode (no lone surrogates), no control characters."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidMessage(f"{what}_invalid", f"The {what} is not valid Unicode text.") from None
    if CONTROL.search(value):
        raise InvalidMessage(f"{what}_invalid", f"The {what} contains control characters.")
    return value


def checked(inbound: Inbound, max_chars: int) -> tuple[str | None, str | None]:
    """(text, payload) as the pipeline stores them, or InvalidMessage."""
    if inbound.unsupported is not None:  # a photo, a voice message, ...: stored as a note of what it was
        caption = readable(inbound.text or "", "text").strip()[:max_chars]
        return f"[{readable(inbound.unsupported, 'text')[:40]}]" + (f" {caption}" if caption else ""), None
    if (inbound.text is None) == (inbound.payload is None):
        raise InvalidMessage("text_or_payload", "Send either 'text' or 'payload'.")
    if inbound.language is not None and inbound.language not in SUPPORTED_LANGUAGES:
        raise InvalidMessage("language_unknown", f"language must be one of {', '.join(SUPPORTED_LANGUAGES)}.")
    if inbound.payload is not None:
        payload = readable(inbound.payload, "payload").strip()
        if not payload or len(payload) > MAX_PAYLOAD_CHARS:
            raise InvalidMessage("payload_invalid", f"A payload has 1 to {MAX_PAYLOAD_CHARS} characters.")
        return None, payload
    text = readable(inbound.text or "", "text").strip()
    if not text:
        raise InvalidMessage("message_empty", "The message is empty.")
    if len(text) > max_chars:
        raise InvalidMessage("message_too_long", f"The message has {len(text)} characters; at most {max_chars} "
                             "are allowed.", max=max_chars, length=len(text))
    return text, None
