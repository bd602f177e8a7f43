"""A reply's text laid out for a messenger, shared by the messenger renderers (no channel's own code).

- `chunks`: paragraphs packed into messages of at most `limit` characters (Telegram 4,096; WhatsApp
  4,096 for text, 1,024 for a message with buttons); a paragraph is split only when it alone is too
  long, by lines, then words, then hard.
- `right_to_left`: Arabic and Persian paragraphs start with a right-to-left mark, so that they read
  right even when they begin with a number or a Latin word.
"""

from __future__ import annotations

from bot.languages import RTL_LANGUAGES

RLM = "\u200f"


def right_to_left(paragraphs: list[str], language: str | None) -> list[str]:
    if language not in RTL_LANGUAGES:
        return paragraphs
    return [RLM + p.replace("\n", "\n" + RLM) for p in paragraphs]


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


def chunks(paragraphs: list[str], limit: int) -> list[str]:
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
