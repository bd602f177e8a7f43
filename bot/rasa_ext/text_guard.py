"""Text is text: Rasa reads a message that starts with '/' as an intent with entities, no NLU.

`/restart`, `/emergency` or `/ask_question{"kb_id": ...}` typed by a person must not steer the
bot. Unless the gateway marks a message as a button payload it accepted (`metadata.input ==
"payload"`), such text gets an invisible word joiner in front and goes through the NLU like
anything else the person typed. Standard library only (the gateway's tests import it too).
"""

from __future__ import annotations

from typing import Any

INTENT_PREFIX = "/"
TEXT_GUARD = "\u2060"  # WORD JOINER: invisible, not whitespace (Rasa strips whitespace), not '/'


def as_text(message: str) -> str:
    """What Rasa must read as typed text, never as an intent."""
    stripped = message.strip()
    return TEXT_GUARD + stripped if stripped.startswith(INTENT_PREFIX) else message


def message_for_rasa(message: str | None, metadata: dict[str, Any] | None) -> str | None:
    if message is None or (metadata or {}).get("input") == "payload":
        return message
    return as_text(message)
