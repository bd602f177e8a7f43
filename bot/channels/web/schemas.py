"""Request and response bodies of the chat API (the web channel)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from bot.conversations.messages import ChatMessage
from bot.languages import SUPPORTED_LANGUAGES

LanguageCode = Field(default=None, pattern="^(" + "|".join(SUPPORTED_LANGUAGES) + ")$",
                     description="a language the person picked: " + ", ".join(SUPPORTED_LANGUAGES))


class ConversationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    language: str | None = LanguageCode


class ConversationCreated(BaseModel):
    id: str
    token: str


class MessageIn(BaseModel):
    """Exactly one of `text` (what the person typed) or `payload` (a button they pressed)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    text: str | None = Field(default=None, description="at most MAX_MESSAGE_CHARS characters (default 2,000)")
    payload: str | None = Field(default=None, max_length=500,
                                description="the payload of a button the conversation was offered")
    language: str | None = LanguageCode
    client_message_id: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9._:-]{1,100}$",
        description="the client's id of this message: a retried POST with the same id returns the first "
                    "result instead of a second reply")


class MessagesOut(BaseModel):
    received: ChatMessage  # the person's message as stored
    messages: list[ChatMessage]  # the replies to it, in order
    duplicate: bool = False  # the same client_message_id was sent before: this is the first result


class HistoryOut(BaseModel):
    state: str
    language: str | None
    messages: list[ChatMessage]
