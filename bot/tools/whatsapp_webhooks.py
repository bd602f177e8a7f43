"""Builders of the webhook bodies Meta posts to `POST /channels/whatsapp/webhook`, for tests and the benchmark.

Pure functions, no I/O. The shapes are those of Meta's Cloud API webhook reference, field "messages":
`{"object": "whatsapp_business_account", "entry": [{"id": <WABA id>, "changes": [{"field": "messages",
"value": {"messaging_product": "whatsapp", "metadata": {...}, "contacts": [...], "messages": [...]}}]}]}`,
or a value with "statuses" on messages we sent. Compose them, then sign the bytes as Meta does:

    body = payload(messages_value(contact(), text("Wo melde ich mich an?")))
    raw, headers = signed(body, app_secret)  # X-Hub-Signature-256 over exactly these bytes

Every message builder takes the sender `from_` (a wa_id; None for a person known only by `from_user_id`,
the business-scoped user id), `wamid` (default: a new unique "wamid.TEST…"), `timestamp` (default: now, as
Meta sends it, a string of epoch seconds) and `context` (the wamid of our message it answers, or the whole
context object). The numbers are made up: 49151 12345678 is a placeholder, not a person's number.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import mimetypes
import secrets
import time
from collections.abc import Iterable, Sequence
from typing import Any, TypedDict, Unpack

WABA_ID = "109876543210987"  # the WhatsApp Business Account
PHONE_NUMBER_ID = "100200300"  # the business number's id, as FakeWhatsApp's default
DISPLAY_PHONE_NUMBER = "4930123456"
WA_ID = "4915112345678"  # the person writing
STATUSES = ("sent", "delivered", "read", "failed")
ERROR_CODES_URL = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"


class Sender(TypedDict, total=False):
    """What every message builder takes besides its content."""

    from_: str | None
    from_user_id: str | None
    wamid: str | None
    timestamp: str | int | None
    context: str | dict[str, Any] | None


def sign(body: bytes, app_secret: str) -> str:
    """The X-Hub-Signature-256 header of a body: "sha256=" and the hex HMAC-SHA256 of the raw bytes."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def signed(body: dict[str, Any], app_secret: str) -> tuple[bytes, dict[str, str]]:
    """The body as Meta sends it (JSON, non-ASCII escaped) and the headers of the POST, signature included."""
    raw = json.dumps(body).encode()
    return raw, {"Content-Type": "application/json", "X-Hub-Signature-256": sign(raw, app_secret)}


def new_wamid() -> str:
    return "wamid.TEST" + base64.b32encode(secrets.token_bytes(20)).decode()


def _timestamp(timestamp: str | int | None) -> str:
    return str(int(time.time()) if timestamp is None else timestamp)


def _entry(values: Iterable[dict[str, Any]], waba_id: str, phone_number_id: str) -> dict[str, Any]:
    metadata = {"display_phone_number": DISPLAY_PHONE_NUMBER, "phone_number_id": phone_number_id}
    return {"id": waba_id, "changes": [
        {"field": "messages", "value": {"messaging_product": "whatsapp", "metadata": metadata, **value}}
        for value in values]}


def payload(*values: dict[str, Any], waba_id: str = WABA_ID, phone_number_id: str = PHONE_NUMBER_ID) -> dict[str, Any]:
    """One notification with one entry and one change per value (messages_value, statuses_value)."""
    return payload_many([values], waba_id=waba_id, phone_number_id=phone_number_id)


def payload_many(entries: Iterable[Sequence[dict[str, Any]]], *, waba_id: str = WABA_ID,
                 phone_number_id: str = PHONE_NUMBER_ID) -> dict[str, Any]:
    """One notification with several entries: each item holds the values of one entry, one change each."""
    return {"object": "whatsapp_business_account",
            "entry": [_entry(values, waba_id, phone_number_id) for values in entries]}


def flatten(body: dict[str, Any], key: str = "messages") -> list[dict[str, Any]]:
    """The messages (or "statuses", "contacts") of a notification, in the order of entries and changes."""
    return [item for entry in body.get("entry", []) for change in entry.get("changes", [])
            for item in change.get("value", {}).get(key, [])]


def messages_value(contact: dict[str, Any] | list[dict[str, Any]] | None, *messages: dict[str, Any]) -> dict[str, Any]:
    """A change's value with the sender's contact (or several, or none) and their messages."""
    contacts = [] if contact is None else [contact] if isinstance(contact, dict) else list(contact)
    return ({"contacts": contacts} if contacts else {}) | {"messages": list(messages)}


def statuses_value(*statuses: dict[str, Any]) -> dict[str, Any]:
    return {"statuses": list(statuses)}


def contact(wa_id: str | None = WA_ID, name: str = "Amina", user_id: str | None = None,
            username: str | None = None) -> dict[str, Any]:
    """The sender as Meta names them; user_id is the business-scoped user id (2026), e.g. "DE.1234567890"."""
    profile = {"name": name} | ({"username": username} if username else {})
    return ({"profile": profile} | ({"wa_id": wa_id} if wa_id is not None else {})
            | ({"user_id": user_id} if user_id is not None else {}))


def _message(kind: str, content: Any, sender: Sender) -> dict[str, Any]:
    message: dict[str, Any] = {}
    if (from_ := sender.get("from_", WA_ID)) is not None:
        message["from"] = from_
    if (from_user_id := sender.get("from_user_id")) is not None:
        message["from_user_id"] = from_user_id
    message |= {"id": sender.get("wamid") or new_wamid(), "timestamp": _timestamp(sender.get("timestamp"))}
    if isinstance(context := sender.get("context"), str):
        context = {"from": DISPLAY_PHONE_NUMBER, "id": context}
    if context:
        message["context"] = context
    message["type"] = kind
    if content is not None:
        message[kind] = content
    return message


def _media(mime_type: str, **extra: Any) -> dict[str, Any]:
    digest = base64.b64encode(secrets.token_bytes(32)).decode()
    media = {"mime_type": mime_type, "sha256": digest, "id": str(10**15 + secrets.randbelow(9 * 10**15))}
    return media | {key: value for key, value in extra.items() if value is not None}


def text(body: str, **sender: Unpack[Sender]) -> dict[str, Any]:
    return _message("text", {"body": body}, sender)


def button_reply(id: str, title: str, **sender: Unpack[Sender]) -> dict[str, Any]:
    """A tap on one of our reply buttons (id: what we sent as the button's id)."""
    return _message("interactive", {"type": "button_reply", "button_reply": {"id": id, "title": title}}, sender)


def list_reply(id: str, title: str, description: str | None = None,
               **sender: Unpack[Sender]) -> dict[str, Any]:
    """A choice of one row of our list message."""
    row = {"id": id, "title": title} | ({"description": description} if description is not None else {})
    return _message("interactive", {"type": "list_reply", "list_reply": row}, sender)


def template_button(text: str, payload: str, **sender: Unpack[Sender]) -> dict[str, Any]:
    """A tap on a quick-reply button of one of our templates (type "button")."""
    return _message("button", {"text": text, "payload": payload}, sender)


def image(caption: str | None = None, **sender: Unpack[Sender]) -> dict[str, Any]:
    return _message("image", _media("image/jpeg", caption=caption), sender)


def audio(voice: bool = False, **sender: Unpack[Sender]) -> dict[str, Any]:
    """An audio file, or a voice message recorded in WhatsApp (voice=True)."""
    return _message("audio", _media("audio/ogg; codecs=opus" if voice else "audio/mpeg", voice=voice), sender)


def video(caption: str | None = None, **sender: Unpack[Sender]) -> dict[str, Any]:
    return _message("video", _media("video/mp4", caption=caption), sender)


def document(filename: str = "a.pdf", caption: str | None = None, **sender: Unpack[Sender]) -> dict[str, Any]:
    mime_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return _message("document", _media(mime_type, filename=filename, caption=caption), sender)


def sticker(**sender: Unpack[Sender]) -> dict[str, Any]:
    return _message("sticker", _media("image/webp", animated=False), sender)


def location(lat: float, lon: float, name: str | None = None, **sender: Unpack[Sender]) -> dict[str, Any]:
    place = {"latitude": lat, "longitude": lon} | ({"name": name} if name is not None else {})
    return _message("location", place, sender)


def contacts_card(name: str, **sender: Unpack[Sender]) -> dict[str, Any]:
    """A shared contact card (type "contacts"), with the placeholder number of the city's office."""
    first, _, last = name.partition(" ")
    card = {"name": {"formatted_name": name, "first_name": first} | ({"last_name": last} if last else {}),
            "phones": [{"phone": f"+{DISPLAY_PHONE_NUMBER}", "type": "WORK"}]}
    return _message("contacts", [card], sender)


def reaction(emoji: str, message_id: str, **sender: Unpack[Sender]) -> dict[str, Any]:
    """A reaction to a message (message_id: its wamid); an empty emoji removes the reaction."""
    return _message("reaction", {"message_id": message_id, "emoji": emoji}, sender)


def unsupported(**sender: Unpack[Sender]) -> dict[str, Any]:
    """What WhatsApp sends for a message the Cloud API does not support (a poll, a view-once photo...)."""
    message = _message("unsupported", None, sender)
    message["errors"] = [{"code": 131051, "title": "Message type unknown", "message": "Message type unknown",
                          "error_data": {"details": "Message type is currently not supported."},
                          "href": ERROR_CODES_URL}]
    return message


def system_number_change(new_wa_id: str, **sender: Unpack[Sender]) -> dict[str, Any]:
    """The person moved to a new number (sent from the old one)."""
    old = sender.get("from_", WA_ID) or "an unknown number"
    return _message("system", {"body": f"User changed from {old} to {new_wa_id}", "new_wa_id": new_wa_id,
                               "type": "user_changed_number"}, sender)


def status(wamid: str, status: str, recipient_id: str = WA_ID, timestamp: str | int | None = None,
           errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A status of a message we sent: sent and delivered carry the conversation and pricing, failed its errors."""
    if status not in STATUSES:
        raise ValueError(f"a status is one of {STATUSES}, not {status!r}")
    report: dict[str, Any] = {"id": wamid, "status": status, "timestamp": _timestamp(timestamp),
                              "recipient_id": recipient_id}
    if status in ("sent", "delivered"):
        conversation: dict[str, Any] = {"id": secrets.token_hex(16), "origin": {"type": "service"}}
        if status == "sent":
            conversation["expiration_timestamp"] = str(int(report["timestamp"]) + 24 * 3600)
        report["conversation"] = conversation
        report["pricing"] = {"billable": False, "pricing_model": "PMP", "category": "service",
                             "type": "free_customer_service"}
    if status == "failed" or errors is not None:
        report["errors"] = errors if errors is not None else [error()]
    return report


def error(code: int = 131047, title: str = "Re-engagement message", message: str | None = None,
          details: str | None = None) -> dict[str, Any]:
    """An error of a failed status, as in Meta's webhooks."""
    details = details or ("Message failed to send because more than 24 hours have passed since the customer "
                          "last replied to this number." if code == 131047 else title)
    return {"code": code, "title": title, "message": message or title, "error_data": {"details": details},
            "href": ERROR_CODES_URL}


def failed_status(wamid: str, code: int = 131047, title: str = "Re-engagement message", message: str | None = None,
                  details: str | None = None, recipient_id: str = WA_ID,
                  timestamp: str | int | None = None) -> dict[str, Any]:
    """A "failed" status with one error (default: the 24-hour window had closed)."""
    return status(wamid, "failed", recipient_id, timestamp, [error(code, title, message, details)])
