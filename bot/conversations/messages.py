"""What travels in a conversation: the one outbound message schema and what actions send through Rasa.

- `Envelope`: the body of one reply from the bot, staff or the system. Actions emit envelopes as
  Rasa `custom` payloads ({"envelope": ...}); staff replies and system notices are envelopes too.
- `HandoffRequest`: an action's structured request for a person ({"handoff": ...}). The gateway's
  hand-off desk opens the ticket and writes what the person reads, once, in their language.
- `ChatMessage`: a stored message as every channel sees it (the POST response, the history, the
  event stream, the staff API). The web widget renders it; Telegram and WhatsApp render the same
  object. `seq` orders a conversation; a client de-duplicates by `seq` alone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot import i18n

Kind = Literal["answer", "clarify", "referral", "handoff", "handoff_offer", "emergency",
               "smalltalk", "out_of_scope", "info"]
ReplyRole = Literal["bot", "staff", "system"]
Role = Literal["person", "bot", "staff", "system"]
HandoffReason = Literal["requested", "no_answer", "personal_case", "deadline", "emergency", "negative_feedback",
                        "out_of_scope", "technical"]

HUMAN_PAYLOAD = "/request_human"
GREET_PAYLOAD = "/greet"
FEEDBACK_POSITIVE = "/feedback_positive"
FEEDBACK_NEGATIVE = "/feedback_negative"


class SourceRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str
    url: str
    reviewed: dt.date | None = None


class Button(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str
    payload: str


class ReplyDetails(BaseModel):
    """What a reply carries besides its text: what it is about, where it comes from, what to press."""

    model_config = ConfigDict(extra="forbid")

    topic: str | None = None
    kb_id: str | None = None
    confidence: float | None = None
    sources: list[SourceRef] = Field(default_factory=list)
    buttons: list[Button] = Field(default_factory=list)
    ticket: str | None = None


class Envelope(ReplyDetails):
    role: ReplyRole = "bot"
    kind: Kind
    text: str
    language: str

    def as_custom_payload(self) -> dict[str, Any]:
        """What an action sends through Rasa (the gateway sets the role: bot)."""
        return {"envelope": self.model_dump(mode="json", exclude={"role"})}


class Guess(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kb_id: str
    score: float | None = None


class CaseFacts(BaseModel):
    """What the entity layer understood about the person, for staff on the ticket. A value with
    '|' is ambiguous (the bot asked). The reference is the person's own file or ticket number:
    staff see it, logs and reports show it masked (`masked_reference`)."""

    model_config = ConfigDict(extra="forbid")

    nationality: str | None = Field(default=None, max_length=20)  # ISO 3166-1 alpha-2
    nationality_status: str | None = Field(default=None, max_length=10)  # germany | eu | eea | ch | third
    country: str | None = Field(default=None, max_length=20)
    profession: str | None = Field(default=None, max_length=60)
    competent_body: str | None = Field(default=None, max_length=60)  # a contact key of the site file
    deadline: dt.date | None = None
    reference: str | None = Field(default=None, max_length=80)
    personal_case: str | None = Field(default=None, max_length=30)  # bot/rasa_ext/personal.py CATEGORIES
    detected_language: str | None = Field(default=None, max_length=60)  # unsupported, e.g. "Portuguese (pt)"

    def is_empty(self) -> bool:
        return not any(self.model_dump().values())


def masked_reference(reference: str) -> str:
    """For logs: the length and the last two characters only."""
    return f"[{len(reference)} chars …{reference[-2:]}]" if len(reference) > 4 else "[…]"


class HandoffRequest(BaseModel):
    """A request for a person. It carries no text for the person: the hand-off desk writes that."""

    model_config = ConfigDict(extra="forbid")

    reason: HandoffReason
    urgent: bool = False
    language: str
    topic: str | None = None
    guesses: list[Guess] = Field(default_factory=list)
    facts: CaseFacts | None = None  # none when nothing was understood

    @field_validator("facts")
    @classmethod
    def _empty_is_none(cls, facts: CaseFacts | None) -> CaseFacts | None:
        return None if facts is None or facts.is_empty() else facts

    def as_custom_payload(self) -> dict[str, Any]:
        return {"handoff": self.model_dump(mode="json", exclude={"facts"} if self.facts is None else None)}

    def __repr__(self) -> str:  # never the person's reference number in a log line
        facts = self.facts and self.facts.model_copy(
            update={"reference": self.facts.reference and masked_reference(self.facts.reference)})
        return f"HandoffRequest(reason={self.reason!r}, urgent={self.urgent}, facts={facts!r})"

    __str__ = __repr__


class ChatMessage(ReplyDetails):
    """One stored message of a conversation, the same object on every path and for every channel."""

    seq: int  # the conversation's sequence number: the order, and the only key clients de-duplicate by
    id: str
    role: Role
    kind: Kind | None  # None for what the person sent
    text: str  # what the person wrote (or the title of the button they pressed), or the reply
    language: str | None
    payload: str | None = None  # the person pressed a button with this payload
    reply_to: int | None = None  # a reply: the seq of the person's message it answers
    created_at: dt.datetime


def person_button(language: str) -> Button:
    """The way to a person, on every reply that could leave someone stuck."""
    return Button(title=i18n.text("talk_to_person", language), payload=HUMAN_PAYLOAD)


def feedback_buttons(language: str) -> list[Button]:
    return [Button(title=i18n.text("button_yes", language), payload=FEEDBACK_POSITIVE),
            Button(title=i18n.text("button_no", language), payload=FEEDBACK_NEGATIVE)]
