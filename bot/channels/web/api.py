"""The web channel: the public chat API the widget (and any other web client) talks to.

The bearer token is checked before the body is read; the body is parsed here (size first), so
every bad request gets a 4xx in the one error shape (`bot/gateway/errors.py`).
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, status
from pydantic import ValidationError
from sse_starlette import EventSourceResponse, ServerSentEvent

from bot import i18n
from bot.channels.web.schemas import ConversationCreate, ConversationCreated, HistoryOut, MessageIn, MessagesOut
from bot.conversations.inbound import WEB, Inbound, InvalidMessage
from bot.conversations.messages import ChatMessage
from bot.conversations.models import Conversation
from bot.conversations.service import MAX_SEQ, ConversationNotFound, DuplicateConflict, InvalidToken
from bot.gateway.deps import ClientAddress, ConversationsDep, EventsDep, Limited, RateLimitsDep
from bot.gateway.errors import ApiError, problems
from bot.gateway.sse import event_stream, sse_response
from bot.languages import DEFAULT_LANGUAGE

router = APIRouter(prefix="/api/v1/conversations", tags=["chat"])

MAX_BODY_BYTES = 32 * 1024  # 2,000 characters as \\uXXXX escapes, and room to spare
CONVERSATION_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
EVENT_ID = re.compile(r"^[0-9]{1,10}$")
BEARER = {"WWW-Authenticate": "Bearer"}
Seq = Annotated[int, Query(ge=0, le=MAX_SEQ, description="only messages with a higher seq")]


async def authorized(conversation_id: str, conversations: ConversationsDep,
                     authorization: Annotated[str | None, Header()] = None,
                     token: Annotated[str | None, Query(max_length=200, include_in_schema=False)] = None,
                     ) -> Conversation:
    """The conversation, if the request carries its token (a header; `?token=` for EventSource)."""
    scheme, _, given = (authorization or "").partition(" ")
    given = given.strip() if scheme.lower() == "bearer" else (token or "")
    if not given:
        raise ApiError(status.HTTP_401_UNAUTHORIZED, "token_missing", "Send 'Authorization: Bearer <token>'.",
                       headers=BEARER)
    if not CONVERSATION_ID.match(conversation_id):
        raise ApiError(status.HTTP_404_NOT_FOUND, "conversation_not_found", "There is no such conversation.")
    try:
        return await conversations.authenticate(conversation_id, given)
    except ConversationNotFound:
        raise ApiError(status.HTTP_404_NOT_FOUND, "conversation_not_found", "There is no such conversation.") from None
    except InvalidToken:
        raise ApiError(status.HTTP_401_UNAUTHORIZED, "token_invalid", "The token does not belong to this "
                       "conversation.", headers=BEARER) from None


Authorized = Annotated[Conversation, Depends(authorized)]


async def message_body(request: Request) -> MessageIn:
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(status.HTTP_413_CONTENT_TOO_LARGE, "body_too_large",
                       f"The request body has {len(raw)} bytes; at most {MAX_BODY_BYTES} are accepted.")
    try:
        data = json.loads(raw)
    except ValueError:
        raise ApiError(status.HTTP_422_UNPROCESSABLE_CONTENT, "invalid_json", "The body is not JSON.") from None
    try:
        return MessageIn.model_validate(data)
    except ValidationError as exc:
        raise ApiError(status.HTTP_422_UNPROCESSABLE_CONTENT, "invalid_request", "The request is not valid.",
                       problems=problems(exc.errors())) from None


async def within_limits(limits: RateLimitsDep, checks: list[tuple[str, str]], language: str | None) -> None:
    """429 with `Retry-After` and a short message in the person's language when a rate limit is reached."""
    try:
        for rule, key in checks:
            await limits.check(rule, key)
    except Limited as exc:
        raise ApiError(status.HTTP_429_TOO_MANY_REQUESTS, "rate_limited",
                       i18n.text("rate_limited", language or DEFAULT_LANGUAGE), retry_after=exc.retry_after,
                       headers={"Retry-After": str(exc.retry_after)}) from None


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ConversationCreated)
async def create_conversation(conversations: ConversationsDep, limits: RateLimitsDep, address: ClientAddress,
                              body: ConversationCreate | None = None) -> ConversationCreated:
    language = body.language if body else None
    await within_limits(limits, [("new_conversations", address)], language)
    conversation_id, token = await conversations.create(language=language)
    return ConversationCreated(id=conversation_id, token=token)


@router.post("/{conversation_id}/messages", response_model=MessagesOut,
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                 "schema": MessageIn.model_json_schema()}}}})
async def post_message(request: Request, conversation: Authorized, conversations: ConversationsDep,
                       limits: RateLimitsDep, address: ClientAddress) -> MessagesOut:
    await within_limits(limits, [("messages", conversation.id), ("messages_per_address", address)],
                        conversation.language)
    body = await message_body(request)
    client_id = body.client_message_id or f"auto-{uuid.uuid4()}"
    inbound = Inbound(channel=WEB, external_id=f"{conversation.id}/{client_id}", sender=conversation.id,
                      text=body.text, payload=body.payload, language=body.language)
    try:
        outcome = await conversations.receive(inbound)
    except InvalidMessage as exc:
        raise ApiError(status.HTTP_422_UNPROCESSABLE_CONTENT, exc.code, exc.message, **exc.details) from None
    except DuplicateConflict:
        raise ApiError(status.HTTP_409_CONFLICT, "client_message_id_reused",
                       "This client_message_id was used for another message.") from None
    return MessagesOut(received=outcome.received, messages=outcome.replies, duplicate=outcome.duplicate)


@router.get("/{conversation_id}/messages", response_model=HistoryOut)
async def get_messages(conversation: Authorized, conversations: ConversationsDep, after: Seq = 0) -> HistoryOut:
    """The whole conversation in order (the person's messages too), for a page reload or polling."""
    current, messages = await conversations.history(conversation.id, after=after)
    return HistoryOut(state=current.state, language=current.language, messages=messages)


def as_sse(message: ChatMessage | dict[str, Any]) -> ServerSentEvent:
    data = message if isinstance(message, dict) else message.model_dump(mode="json")
    return ServerSentEvent(data=json.dumps(data, ensure_ascii=False), event="message", id=str(data["seq"]))


@router.get("/{conversation_id}/events")
async def events(conversation: Authorized, conversations: ConversationsDep, events: EventsDep, after: Seq = 0,
                 last_event_id: Annotated[str | None, Header(max_length=20)] = None) -> EventSourceResponse:
    """Server-sent events: every new message of the conversation (staff replies included).

    Catches up from `Last-Event-ID` (what browsers send on reconnect) or `after`, then streams.
    `?token=` is accepted because browsers' EventSource cannot send headers."""
    if last_event_id is not None and not EVENT_ID.match(last_event_id.strip()):
        raise ApiError(status.HTTP_422_UNPROCESSABLE_CONTENT, "invalid_request", "Last-Event-ID is not a seq.")
    last = max(after, int(last_event_id) if last_event_id else 0)

    async def stored_since_last() -> list[ServerSentEvent]:
        """What the database holds after the last message sent: the backlog, or a gap in the live events."""
        nonlocal last
        _, messages = await conversations.history(conversation.id, after=last)
        last = max([last, *(m.seq for m in messages)])
        return [as_sse(m) for m in messages]

    async def new_message(event: dict[str, Any]) -> list[ServerSentEvent]:
        nonlocal last
        if event["seq"] <= last:  # already sent with the backlog
            return []
        if event["seq"] > last + 1:  # an event before it was missed (another worker's, or dropped): read them
            return await stored_since_last()
        last = event["seq"]
        return [as_sse(event)]

    return sse_response(event_stream(events, conversation.id, new_message, stored_since_last))
