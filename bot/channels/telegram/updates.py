"""A Telegram update as what the conversation core understands: one `Inbound`, or a button tap.

- text in a private chat is text; `/start` (with or without a deep-link parameter) is the start
  button, a greeting in the person's Telegram language when we support it;
- photos, voice, documents, stickers, locations, edited messages, group and channel posts are
  recorded for staff as what they were (`Inbound.unsupported`) and get one polite reply;
- a tap on one of our inline buttons is a `Tap`; the channel looks its payload up;
- anything else (service messages, updates we did not subscribe to) is nothing.
(chat, message id) identifies a message, so a redelivered update is stored once.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Message, Update, User

from bot.conversations.inbound import Inbound
from bot.conversations.messages import GREET_PAYLOAD
from bot.languages import SUPPORTED_LANGUAGES

CHANNEL = "telegram"
MEDIA = ("photo", "voice", "audio", "video", "video_note", "document", "sticker", "animation", "location",
         "venue", "contact", "poll", "dice", "story")
# what the bot subscribes to (setWebhook / getUpdates): everything a person can send it
ALLOWED_UPDATES = ["message", "edited_message", "channel_post", "edited_channel_post", "callback_query"]


@dataclass(frozen=True)
class Tap:
    chat_id: int
    query_id: str
    data: str  # our callback data: "<seq>:<index>"
    message_id: int | None  # the Telegram message that carried the keyboard
    language: str | None
    display_name: str | None


def language_of(user: User | None) -> str | None:
    code = ((user.language_code if user else None) or "").split("-")[0].lower()
    return code if code in SUPPORTED_LANGUAGES else None


def name_of(user: User | None, message: Message) -> str | None:
    if user is not None:
        return f"{user.full_name} (@{user.username})" if user.username else user.full_name
    return message.chat.title or message.chat.effective_name


def what_it_is(message: Message, edited: bool) -> str | None:
    """None for plain text in a private chat; otherwise what to record instead of reading it."""
    if message.chat.type == "channel":
        return "channel post"
    if message.chat.type in ("group", "supergroup"):
        return "group message"
    if edited:
        return "edited message"
    for kind in MEDIA:
        if getattr(message, kind, None):
            return kind
    return None if message.text else "unsupported message"


def parse(update: Update) -> Inbound | Tap | None:
    query = update.callback_query
    if query is not None:
        chat = query.message.chat if query.message else None
        if chat is None or not query.data:
            return None
        return Tap(chat.id, query.id, query.data, query.message.message_id if query.message else None,
                   language_of(query.from_user), name_of(query.from_user, query.message))  # type: ignore[arg-type]
    message = update.effective_message
    if message is None:
        return None
    edited = update.edited_message is not None or update.edited_channel_post is not None
    kind = what_it_is(message, edited)
    if kind == "unsupported message" and not message.caption:
        return None  # a service message (someone joined, a pinned message, ...): nothing a person said
    user = message.from_user
    external_id = f"{message.chat.id}:{message.message_id}"
    if edited:
        external_id += f":edit:{int(message.edit_date.timestamp()) if message.edit_date else update.update_id}"
    common = {"channel": CHANNEL, "external_id": external_id, "sender": str(message.chat.id),
              "language": language_of(user), "display_name": name_of(user, message)}
    if kind is not None:
        return Inbound(**common, unsupported=kind, text=message.text or message.caption)  # type: ignore[arg-type]
    text = message.text or ""
    if text == "/start" or text.startswith("/start "):
        return Inbound(**common, payload=GREET_PAYLOAD)  # type: ignore[arg-type]
    return Inbound(**common, text=text)  # type: ignore[arg-type]
