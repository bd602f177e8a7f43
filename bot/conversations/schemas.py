"""Request and response bodies of the chat API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.conversations.envelopes import Envelope
from bot.languages import SUPPORTED_LANGUAGES


class ConversationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    language: str | None = Field(default=None, description="a language the person picked")

    @model_validator(mode="after")
    def _known_language(self) -> ConversationCreate:
        if self.language is not None and self.language not in SUPPORTED_LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(SUPPORTED_LANGUAGES)}")
        return self


class ConversationCreated(BaseModel):
    id: str
    token: str


class MessageIn(BaseModel):
    """Exactly one of `text` (what the person typed) or `payload` (a button they pressed)."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = None
    payload: str | None = Field(default=None, max_length=500)
    language: str | None = None

    @model_validator(mode="after")
    def _one_of(self) -> MessageIn:
        if (self.text is None) == (self.payload is None):
            raise ValueError("send either 'text' or 'payload'")
        if self.payload is not None and not self.payload.startswith("/"):
            raise ValueError("a payload starts with '/'")
        if self.language is not None and self.language not in SUPPORTED_LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(SUPPORTED_LANGUAGES)}")
        return self


class MessagesOut(BaseModel):
    messages: list[Envelope]
