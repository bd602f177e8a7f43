"""A stored reply (`ChatMessage`) as WhatsApp messages: plain text, links as they are, buttons or a list.

- WhatsApp shows no HTML; the text goes as it is, sources as "🔗 title: url" lines (WhatsApp
  makes the addresses tappable; link previews are off).
- Up to 3 buttons whose titles fit 20 characters (and differ) are reply buttons; more, or longer
  titles, become a list message (at most 10 rows; a title over 24 characters is shortened and
  given whole as the row's description, up to 72). Each button's id is our `<seq>:<index>`, looked
  up in the person's conversation when they tap it: only what they were offered counts.
- Text goes in parts of at most 4,096 characters at paragraph boundaries; the part that carries the
  buttons has at most 1,024 (WhatsApp's limit for an interactive message's body).
- Arabic and Persian paragraphs start with a right-to-left mark.
"""

from __future__ import annotations

from typing import Any

from bot import i18n
from bot.channels.text_layout import chunks, right_to_left
from bot.conversations.messages import Button, ChatMessage
from bot.conversations.payloads import button_ref
from bot.knowledge.schema import MessageTemplate

MAX_TEXT = 4096
MAX_BODY = 1024  # of a message with buttons or a list
MAX_BUTTONS, MAX_BUTTON_TITLE = 3, 20
MAX_ROWS, MAX_ROW_TITLE, MAX_ROW_DESCRIPTION = 10, 24, 72


def shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _paragraphs(message: ChatMessage) -> list[str]:
    paragraphs = [p.strip() for p in message.text.split("\n\n") if p.strip()]
    links = [f"🔗 {s.title}: {s.url}" for s in message.sources if s.url.startswith(("https://", "http://"))]
    if links:
        paragraphs.append("\n".join(links))
    return right_to_left(paragraphs, message.language)


def text_message(body: str) -> dict[str, Any]:
    return {"type": "text", "text": {"body": body, "preview_url": False}}


def _fits_buttons(buttons: list[Button]) -> bool:
    titles = [b.title.strip() for b in buttons]
    return len(buttons) <= MAX_BUTTONS and all(0 < len(t) <= MAX_BUTTON_TITLE for t in titles) and len(
        set(titles)) == len(titles)


def _interactive(message: ChatMessage, body: str) -> dict[str, Any]:
    buttons = message.buttons
    if _fits_buttons(buttons):
        action: dict[str, Any] = {"buttons": [
            {"type": "reply", "reply": {"id": button_ref(message.seq, i), "title": b.title.strip()}}
            for i, b in enumerate(buttons)]}
        return {"type": "interactive", "interactive": {"type": "button", "body": {"text": body}, "action": action}}
    rows = []
    for i, b in enumerate(buttons[:MAX_ROWS]):
        row = {"id": button_ref(message.seq, i), "title": shortened(b.title.strip() or "…", MAX_ROW_TITLE)}
        if len(b.title.strip()) > MAX_ROW_TITLE:
            row["description"] = shortened(b.title.strip(), MAX_ROW_DESCRIPTION)
        rows.append(row)
    label = shortened(i18n.text("choose_option", message.language or "en"), MAX_BUTTON_TITLE)
    return {"type": "interactive", "interactive": {"type": "list", "body": {"text": body},
                                                   "action": {"button": label, "sections": [{"rows": rows}]}}}


def render(message: ChatMessage) -> list[dict[str, Any]]:
    """The messages to send, in order (without the recipient, which the client adds)."""
    parts = chunks(_paragraphs(message), MAX_TEXT)
    if not message.buttons:
        return [text_message(part) for part in parts]
    last = parts.pop()
    if len(last) > MAX_BODY:  # the part with the buttons must be short: its head goes as text before it
        pieces = chunks(last.split("\n\n"), MAX_BODY)
        parts += chunks(pieces[:-1], MAX_TEXT) if len(pieces) > 1 else []
        last = pieces[-1]
    return [*(text_message(part) for part in parts), _interactive(message, last or "…")]


def template_message(template: MessageTemplate, language: str | None) -> dict[str, Any]:
    """The approved template that invites the person to write back (the 24-hour window is closed)."""
    return {"type": "template", "template": {"name": template.name,
                                             "language": {"code": template.language_for(language)}}}
