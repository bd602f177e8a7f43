"""The reply envelope: the public contract of the chat API and the widget (see ARCHITECTURE.md).

Actions emit envelopes as Rasa `custom` payloads (without `id` and `role`); the gateway gives
each an id and a role, stores it and returns it.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bot import i18n

Kind = Literal["answer", "clarify", "referral", "handoff", "handoff_offer", "emergency",
               "smalltalk", "out_of_scope", "info"]
Role = Literal["bot", "staff", "system"]


class SourceRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str
    url: str
    reviewed: dt.date | None = None


class Button(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str
    payload: str


class Envelope(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str | None = None
    role: Role = "bot"
    kind: Kind
    text: str
    language: str
    topic: str | None = None
    kb_id: str | None = None
    confidence: float | None = None
    sources: list[SourceRef] = Field(default_factory=list)
    buttons: list[Button] = Field(default_factory=list)
    ticket: str | None = None

    def as_custom_payload(self) -> dict:
        """What an action sends through Rasa: everything except what the gateway assigns."""
        return self.model_dump(mode="json", exclude={"id", "role"})


HUMAN_PAYLOAD = "/request_human"


def person_button(language: str) -> Button:
    """The way to a person, on every reply that could leave someone stuck."""
    return Button(title=i18n.text("talk_to_person", language), payload=HUMAN_PAYLOAD)
