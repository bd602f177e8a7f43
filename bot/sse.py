"""Server-sent event responses for the chat stream and the staff inbox stream.

One loop for both: what was already there first, then each published event as `render` turns it
into a message (or None to skip it), a keep-alive comment when nothing happens, until the
client goes away; the broker subscription is always closed at the end.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AbstractAsyncContextManager
from typing import Any

from fastapi import Request
from fastapi.responses import StreamingResponse

KEEPALIVE_SECONDS = 15.0
HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def sse_response(request: Request, subscription: AbstractAsyncContextManager[Any], queue: asyncio.Queue[dict],
                 render: Callable[[dict], str | None], first: Iterable[str] = ()) -> StreamingResponse:
    """`subscription` is already entered (its `queue` is filling); the stream exits it."""

    async def stream() -> AsyncIterator[str]:
        try:
            for chunk in first:
                yield chunk
            while not await request.is_disconnected():
                try:
                    event = await asyncio.wait_for(queue.get(), timeout=KEEPALIVE_SECONDS)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                chunk = render(event)
                if chunk is not None:
                    yield chunk
        finally:
            await subscription.__aexit__(None, None, None)

    return StreamingResponse(stream(), media_type="text/event-stream", headers=HEADERS)
