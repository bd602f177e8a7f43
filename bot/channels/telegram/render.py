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

from bot.conversations.messages import ChatMessage
from bot.languages import RTL_LANGUAGES

MAX_CHARS = 4096
RLM = "\u200f"


@dataclass(frozen=True)
class Key:
    title: str
    callback_data: str


@dataclass(frozen=True)
class TelegramMessage:
    html: str
    keyboard: list[list[Key]]  # rows of buttons; empty: none


def callback_data(seq: int, index: int) -> str:
    return f"{seq}:{index}"


def parse_callback_data(data: str) -> tuple[int, int] | None:
    seq, sep, index = (data or "").partition(":")
    if not sep or not seq.isascii() or not index.isascii() or not seq.isdigit() or not index.isdigit():
        return None
    if len(seq) > 10 or len(index) > 2:
        return None
    return int(seq), int(index)


def _paragraphs(message: ChatMessage) -> list[str]:
    rtl = message.language in RTL_LANGUAGES
    paragraphs = [html.escape(p.strip(), quote=False) for p in message.text.split("\n\n") if p.strip()]
    if message.sources:
        links = [f'<a href="{html.escape(s.url, quote=True)}">{html.escape(s.title, quote=False)}</a>'
                 for s in message.sources if s.url.startswith(("https://", "http://"))]
        if links:
            paragraphs.append("\n".join(f"🔗 {link}" for link in links))
    if rtl:
        paragraphs = [RLM + p.replace("\n", "\n" + RLM) for p in paragraphs]
    return paragraphs


def _split_long(paragraph: str, limit: int) -> list[str]:
    """A paragraph longer than `limit`: by lines, then by words, then hard (escaped text stays whole)."""
    if len(paragraph) <= limit:
        return [paragraph]
    for separator in ("\n", " "):
        pieces, current = [], ""
        for part in paragraph.split(separator):
            candidate = f"{current}{separator}{part}" if current else part
            if len(candidate) <= limit:
                current = candidate
                continue
            if current:
                pieces.append(current)
            current = part
        pieces.append(current)
        if all(len(p) <= limit for p in pieces):
            return pieces
    return [paragraph[i:i + limit] for i in range(0, len(paragraph), limit)]


def chunks(paragraphs: list[str], limit: int = MAX_CHARS) -> list[str]:
    """Paragraphs packed into messages of at most `limit` characters, never splitting one needlessly."""
    messages: list[str] = []
    current = ""
    for paragraph in (piece for p in paragraphs for piece in _split_long(p, limit)):
        candidate = f"{current}\n\n{paragraph}" if current else paragraph
        if len(candidate) <= limit:
            current = candidate
        else:
            messages.append(current)
            current = paragraph
    if current:
        messages.append(current)
    return messages or [""]


def render(message: ChatMessage) -> list[TelegramMessage]:
    keyboard = [[Key(button.title[:64], callback_data(message.seq, i))] for i, button in enumerate(message.buttons)]
    parts = chunks(_paragraphs(message))
    return [TelegramMessage(text, keyboard if i == len(parts) - 1 else []) for i, text in enumerate(parts)]
