"""The public chat API: create a conversation, send messages, read the history."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Request, status
from fastapi.responses import StreamingResponse

from bot.conversations.envelopes import Envelope
from bot.conversations.models import Conversation, Message
from bot.conversations.schemas import ConversationCreate, ConversationCreated, MessageIn, MessagesOut
from bot.conversations.service import ConversationNotFound, InvalidMessage, InvalidToken, message_event
from bot.deps import ConversationServiceDep
from bot.sse import sse_response

router = APIRouter(prefix="/api/v1/conversations", tags=["chat"])


async def _authorized(service: ConversationServiceDep, conversation_id: str, authorization: str | None) -> Conversation:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "send 'Authorization: Bearer <token>'",
                            headers={"WWW-Authenticate": "Bearer"})
    try:
        return await service.authenticate(conversation_id, token)
    except ConversationNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "conversation not found") from None
    except InvalidToken:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid token for this conversation",
                            headers={"WWW-Authenticate": "Bearer"}) from None


def _envelope(message: Message) -> Envelope | None:
    return Envelope.model_validate(message.envelope) if message.envelope else None


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ConversationCreated)
async def create_conversation(service: ConversationServiceDep,
                              body: ConversationCreate | None = None) -> ConversationCreated:
    conversation, token = await service.create(language=body.language if body else None)
    return ConversationCreated(id=conversation.id, token=token)


@router.post("/{conversation_id}/messages", response_model=MessagesOut)
async def post_message(conversation_id: str, body: MessageIn, service: ConversationServiceDep,
                       authorization: Annotated[str | None, Header()] = None) -> MessagesOut:
    conversation = await _authorized(service, conversation_id, authorization)
    try:
        replies = await service.post(conversation, text=body.text, payload=body.payload, language=body.language)
    except InvalidMessage as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            {"code": exc.code, "message": exc.message, **exc.details}) from None
    return MessagesOut(messages=[e for e in map(_envelope, replies) if e is not None])


def _sse(event: dict) -> str:
    return f"id: {event['seq']}\nevent: message\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"


@router.get("/{conversation_id}/events")
async def events(conversation_id: str, request: Request, service: ConversationServiceDep,
                 authorization: Annotated[str | None, Header()] = None, token: str | None = None,
                 last_event_id: Annotated[str | None, Header()] = None, after: int = 0) -> StreamingResponse:
    """Server-sent events: every new message of the conversation (staff replies included).

    Catches up from `Last-Event-ID` (what browsers send on reconnect) or `after`, then streams.
    `?token=` is accepted because browsers' EventSource cannot send headers."""
    conversation = await _authorized(service, conversation_id, authorization or (f"Bearer {token}" if token else None))
    start = max(after, int(last_event_id) if (last_event_id or "").isdigit() else 0)
    subscription = request.app.state.events.subscribe(conversation_id)
    queue = await subscription.__aenter__()  # subscribe before reading the history: nothing falls between
    backlog = [message_event(m) for m in await service.history(conversation, after=start)]
    await service.session.close()  # no transaction may stay open for the life of the stream
    last = backlog[-1]["seq"] if backlog else start

    def new_message(event: dict) -> str | None:
        nonlocal last
        if event["seq"] <= last:  # already sent with the backlog
            return None
        last = event["seq"]
        return _sse(event)

    return sse_response(request, subscription, queue, new_message, first=map(_sse, backlog))


@router.get("/{conversation_id}/messages")
async def get_messages(conversation_id: str, service: ConversationServiceDep,
                       authorization: Annotated[str | None, Header()] = None, after: int = 0) -> dict:
    """The whole conversation in order (the person's messages too), for a page reload or polling."""
    conversation = await _authorized(service, conversation_id, authorization)
    messages = await service.history(conversation, after=after)
    return {"state": conversation.state, "language": conversation.language,
            "messages": [message_event(m) for m in messages]}
