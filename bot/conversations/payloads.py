"""Which button payloads a person may send: those the conversation was offered, and a short fixed list.

A payload steers Rasa directly (an intent with entities, no NLU), so only what the bot, staff or
the system put on a button in this conversation is accepted, plus the buttons every client shows
on its own: feedback, a language choice, talk to a person, start (a greeting). Anything else, and
any typed text that looks like a payload, is the person's text; the Rasa channel makes sure Rasa
reads it as text.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n
from bot.conversations.messages import FEEDBACK_NEGATIVE, FEEDBACK_POSITIVE, GREET_PAYLOAD, HUMAN_PAYLOAD, Button
from bot.conversations.models import Message
from bot.languages import NATIVE_NAMES, SUPPORTED_LANGUAGES

LANGUAGE_CHOICE = re.compile(r'^/switch_language\{"language_choice": ?"([a-z]{2})"\}$')


def always_allowed(payload: str, language: str) -> Button | None:
    """The fixed list, with the title the person's client shows for it."""
    if payload == HUMAN_PAYLOAD:
        return Button(title=i18n.text("talk_to_person", language), payload=payload)
    if payload == GREET_PAYLOAD:  # a messenger's start button (Telegram's /start)
        return Button(title=i18n.text("start_button", language), payload=payload)
    if payload in (FEEDBACK_POSITIVE, FEEDBACK_NEGATIVE):
        return Button(title="👍" if payload == FEEDBACK_POSITIVE else "👎", payload=payload)
    choice = LANGUAGE_CHOICE.match(payload)
    if choice and choice.group(1) in SUPPORTED_LANGUAGES:
        code = choice.group(1)
        return Button(title=NATIVE_NAMES[code], payload=f'/switch_language{{"language_choice": "{code}"}}')
    return None


async def offered(session: AsyncSession, conversation_id: str, payload: str) -> Button | None:
    """The button with this payload that a reply in this conversation carried (the latest), if any."""
    rows = await session.scalars(
        select(Message.envelope).where(Message.conversation_id == conversation_id, Message.role != "person",
                                       Message.envelope.is_not(None)).order_by(Message.seq.desc()))
    for envelope in rows:
        for button in (envelope or {}).get("buttons") or []:
            if isinstance(button, dict) and button.get("payload") == payload:
                return Button.model_validate(button)
    return None


async def accepted(session: AsyncSession, conversation_id: str, payload: str, language: str) -> Button | None:
    """The button a payload stands for, or None: then it is treated as text."""
    return always_allowed(payload, language) or await offered(session, conversation_id, payload)



async def button_at(session: AsyncSession, conversation_id: str, seq: int, index: int) -> Button | None:
    """The `index`-th button of the reply `seq` of this conversation (a messenger's button tap)."""
    envelope = await session.scalar(select(Message.envelope).where(
        Message.conversation_id == conversation_id, Message.seq == seq, Message.role != "person"))
    buttons = (envelope or {}).get("buttons") or []
    return Button.model_validate(buttons[index]) if 0 <= index < len(buttons) else None


def button_ref(seq: int, index: int) -> str:
    """How a messenger's button names what it stands for: `"<seq>:<index>"`, the reply that offered it and
    where (at most 13 characters, never the payload itself); `button_at` looks it up in the conversation."""
    return f"{seq}:{index}"


def parse_button_ref(data: str) -> tuple[int, int] | None:
    seq, sep, index = (data or "").partition(":")
    if not sep or not seq.isascii() or not index.isascii() or not seq.isdigit() or not index.isdigit():
        return None
    if len(seq) > 10 or len(index) > 2:
        return None
    return int(seq), int(index)
