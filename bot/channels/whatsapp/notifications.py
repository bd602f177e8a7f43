"""A WhatsApp webhook notification as what the conversation core understands, in the order it came.

One POST may carry several entries, each several changes, each several messages and statuses
(Meta's "messages" field). Each becomes, in order:
- an `Inbound`: text; a tap on one of our buttons or list rows (`Tap`, looked up by the channel);
  the quick-reply button of a template; a first contact (`request_welcome`, the start button);
  anything else a person can send (image, voice, video, document, sticker, location, contacts,
  reaction, `unsupported`) is recorded for staff as what it was (`Inbound.unsupported`) and gets
  one polite reply;
- a `StatusReport` on a message we sent (sent, delivered, read, failed with Meta's error code).
The message id (`wamid`) identifies a message, so a redelivered one is stored once. The sender is
the phone-number id (`wa_id`) or, for a person who uses a username and hides the number, the
business-scoped user id (`user_id`); both are kept when present. WhatsApp tells no language.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.conversations.inbound import Inbound
from bot.conversations.messages import GREET_PAYLOAD

logger = logging.getLogger(__name__)
CHANNEL = "whatsapp"
RECORDED = ("image", "audio", "video", "document", "sticker", "location", "contacts", "reaction", "order",
            "unsupported")
STATUSES = ("sent", "delivered", "read", "failed")
WINDOW_CLOSED = 131047  # Meta's "re-engagement message": more than 24 hours since the person wrote


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Profile(_Lenient):
    name: str | None = None
    username: str | None = None


class Contact(_Lenient):
    wa_id: str | None = None
    user_id: str | None = None  # the business-scoped user id (2026)
    profile: Profile = Field(default_factory=Profile)


class WaMessage(_Lenient):
    id: str = Field(min_length=1, max_length=200)
    from_: str | None = Field(default=None, alias="from")
    from_user_id: str | None = None
    timestamp: str | None = None
    type: str = "unknown"
    text: dict[str, Any] | None = None
    interactive: dict[str, Any] | None = None
    button: dict[str, Any] | None = None
    audio: dict[str, Any] | None = None
    image: dict[str, Any] | None = None
    video: dict[str, Any] | None = None
    document: dict[str, Any] | None = None


class WaStatus(_Lenient):
    id: str
    status: str
    recipient_id: str | None = None
    errors: list[dict[str, Any]] = Field(default_factory=list)


class Value(_Lenient):
    contacts: list[Contact] = Field(default_factory=list)
    messages: list[WaMessage] = Field(default_factory=list)
    statuses: list[WaStatus] = Field(default_factory=list)


class Change(_Lenient):
    field: str = ""
    value: Value = Field(default_factory=Value)


class Entry(_Lenient):
    changes: list[Change] = Field(default_factory=list)


class Notification(_Lenient):
    object: str = ""
    entry: list[Entry] = Field(default_factory=list)


@dataclass(frozen=True)
class Tap:
    """A tap on a button or list row we sent: `ref` is our `<seq>:<index>`, `title` what the person saw."""

    inbound: Inbound  # what to store if the button is not one this person was offered: its title, as text
    ref: str


@dataclass(frozen=True)
class StatusReport:
    wamid: str
    status: str  # sent | delivered | read | failed
    error_code: int | None
    error: str | None  # "131026 Message undeliverable" for staff


Item = Inbound | Tap | StatusReport


def parse(data: object) -> list[Item] | None:
    """The notification's items in order; None when the body is not a WhatsApp notification at all."""
    try:
        notification = Notification.model_validate(data)
    except ValidationError:
        return None
    if notification.object != "whatsapp_business_account":
        return None
    items: list[Item] = []
    for entry in notification.entry:
        for change in entry.changes:
            if change.field != "messages":
                continue
            items += [item for m in change.value.messages if (item := _message(m, change.value.contacts))]
            items += [_status(s) for s in change.value.statuses if s.status in STATUSES]
    return items


def _contact_of(message: WaMessage, contacts: list[Contact]) -> Contact:
    for contact in contacts:
        if (message.from_ and contact.wa_id == message.from_) or (
                message.from_user_id and contact.user_id == message.from_user_id):
            return contact
    return contacts[0] if len(contacts) == 1 else Contact()


def _received_at(timestamp: str | None) -> dt.datetime:
    now = dt.datetime.now(dt.UTC)
    try:
        sent = dt.datetime.fromtimestamp(int(timestamp or ""), dt.UTC)
    except (ValueError, OverflowError, OSError):
        return now
    return min(sent, now)  # a clock ahead of ours must not keep the 24-hour window open longer


def _message(message: WaMessage, contacts: list[Contact]) -> Item | None:
    contact = _contact_of(message, contacts)
    wa_id = message.from_ or contact.wa_id
    user_id = message.from_user_id or contact.user_id
    if not wa_id and not user_id:
        logger.info("whatsapp: message %s names no sender", message.id)
        return None
    identity = {key: value for key, value in (("wa_id", wa_id), ("user_id", user_id)) if value}
    name = contact.profile.name
    if contact.profile.username:
        name = f"{name} (@{contact.profile.username})" if name else f"@{contact.profile.username}"
    common: dict[str, Any] = {"channel": CHANNEL, "external_id": message.id, "identity": identity,
                              "sender": wa_id or f"user:{user_id}", "display_name": name,
                              "received_at": _received_at(message.timestamp)}
    kind = message.type
    if kind == "text":
        return Inbound(**common, text=str((message.text or {}).get("body") or ""))
    if kind == "interactive":
        reply = (message.interactive or {}).get("button_reply") or (message.interactive or {}).get("list_reply")
        if not isinstance(reply, dict):
            return Inbound(**common, unsupported="interactive")
        title = str(reply.get("title") or reply.get("id") or "")
        return Tap(Inbound(**common, text=title), str(reply.get("id") or ""))
    if kind == "button":  # the quick-reply button of one of our templates: what it says, as text
        return Inbound(**common, text=str((message.button or {}).get("text") or (message.button or {}).get("payload")))
    if kind == "request_welcome":  # the person opened the chat for the first time
        return Inbound(**common, payload=GREET_PAYLOAD)
    if kind == "system":  # e.g. the person changed their number: nothing they said
        return None
    if kind == "audio" and (message.audio or {}).get("voice"):
        kind = "voice"
    caption = next((str(media["caption"]) for media in (message.image, message.video, message.document)
                    if media and media.get("caption")), None)
    return Inbound(**common, unsupported=kind if kind in (*RECORDED, "voice") else f"unknown: {kind}"[:40],
                   text=caption)


def _status(status: WaStatus) -> StatusReport:
    error = status.errors[0] if status.errors else {}
    code = error.get("code")
    code = code if isinstance(code, int) else None
    text = " ".join(str(part) for part in (code, error.get("title") or error.get("message")) if part) or None
    return StatusReport(status.id, status.status, code, text)
