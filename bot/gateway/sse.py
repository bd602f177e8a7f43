"""Server-sent event streams (sse-starlette) for the chat stream and the staff inbox stream.

One shape for both: subscribe, send what was already there, then each published event as
`render` turns it into events (none to skip it; several when it reveals a gap to fill from the
database). The subscription is entered and left
inside the stream itself, so it is released on every exit: the client going away, the server
shutting down, or an error while reading the backlog.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from sse_starlette import EventSourceResponse, ServerSentEvent

from bot.conversations.events import EventBroker

KEEPALIVE_SECONDS = 15

Render = Callable[[dict[str, Any]], Awaitable[list[ServerSentEvent]]]


async def event_stream(events: EventBroker, channel: str, render: Render,
                       backlog: Callable[[], Awaitable[list[ServerSentEvent]]]) -> AsyncIterator[ServerSentEvent]:
    """`backlog` runs after subscribing, so nothing published in between is missed."""
    async with events.subscribe(channel) as queue:
        for event in await backlog():
            yield event
        while True:
            for rendered in await render(await queue.get()):
                yield rendered


def sse_response(stream: AsyncIterator[ServerSentEvent]) -> EventSourceResponse:
    return EventSourceResponse(stream, ping=KEEPALIVE_SECONDS, headers={"Cache-Control": "no-cache, no-store"})
