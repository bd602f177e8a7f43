"""A stored reply (`ChatMessage`) as Telegram messages: HTML with everything escaped, buttons inline.

- The text is escaped and sent with `parse_mode=HTML`; sources become links with their titles.
- Buttons become an inline keyboard. A button's `callback_data` is `"<seq>:<index>"`: which stored
  message offered it and where (at most 22 bytes, never the payload itself); a tap is looked up
  in this chat's conversation, so only what this chat was offered can come back.
- Over 4,096 characters the text is split at paragraph boundaries (then lines, then words); the
  keyboard goes with the last part.
- Arabic and Persian paragraphs start with a right-to-left mark, so they read right even when
  they begin with a number or a Latin word.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from bot.channels.text_layout import chunks, right_to_left
from bot.conversations.messages import ChatMessage
from bot.conversations.payloads import button_ref

MAX_CHARS = 4096


@dataclass(frozen=True)
class Key:
    title: str
    callback_data: str


@dataclass(frozen=True)
class TelegramMessage:
    html: str
    keyboard: list[list[Key]]  # rows of buttons; empty: none


def _paragraphs(message: ChatMessage) -> list[str]:
    paragraphs = [html.escape(p.strip(), quote=False) for p in message.text.split("\n\n") if p.strip()]
    if message.sources:
        links = [f'<a href="{html.escape(s.url, quote=True)}">{html.escape(s.title, quote=False)}</a>'
                 for s in message.sources if s.url.startswith(("https://", "http://"))]
        if links:
            paragraphs.append("\n".join(f"🔗 {link}" for link in links))
    return right_to_left(paragraphs, message.language)


def render(message: ChatMessage) -> list[TelegramMessage]:
    keyboard = [[Key(button.title[:64], button_ref(message.seq, i))] for i, button in enumerate(message.buttons)]
    parts = chunks(_paragraphs(message), MAX_CHARS)
    return [TelegramMessage(text, keyboard if i == len(parts) - 1 else []) for i, text in enumerate(parts)]
