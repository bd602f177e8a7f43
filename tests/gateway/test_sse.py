"""Event streams: the backlog first, then live events; the subscription is released on every exit."""

import asyncio
import json

import pytest
from sse_starlette import ServerSentEvent

from bot.conversations.events import EventBroker
from bot.gateway.sse import event_stream
from tests.support.app import new_conversation


def as_event(event: dict) -> ServerSentEvent:
    return ServerSentEvent(data=json.dumps(event))


async def render(event: dict) -> list[ServerSentEvent]:
    return [as_event(event)]


async def test_backlog_then_live_events_then_release_when_the_client_leaves() -> None:
    events = EventBroker()

    async def backlog() -> list[ServerSentEvent]:
        events.publish("c1", {"seq": 2})  # published while the backlog is read: still delivered
        return [as_event({"seq": 1})]

    stream = event_stream(events, "c1", render, backlog)
    assert (await anext(stream)).data == '{"seq": 1}'
    assert events.listeners("c1") == 1
    assert (await anext(stream)).data == '{"seq": 2}'
    await stream.aclose()  # the client went away
    assert events.listeners("c1") == 0


async def test_an_error_while_reading_the_backlog_releases_the_subscription() -> None:
    events = EventBroker()

    async def broken() -> list[ServerSentEvent]:
        raise RuntimeError("database gone")

    with pytest.raises(RuntimeError):
        await anext(event_stream(events, "c1", render, broken))
    assert events.listeners("c1") == 0


async def test_a_cancelled_stream_releases_the_subscription() -> None:
    events = EventBroker()

    subscribed = asyncio.Event()

    async def empty_then_subscribed() -> list[ServerSentEvent]:
        subscribed.set()  # the backlog is read after subscribing
        return []

    async def consume() -> None:
        async for _ in event_stream(events, "c1", render, empty_then_subscribed):
            pass

    task = asyncio.create_task(consume())
    await subscribed.wait()  # a condition, not a fixed time
    assert events.listeners("c1") == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert events.listeners("c1") == 0


async def asgi_stream(app, path: str, query: str, until: str) -> str:
    """Call the app over ASGI, read the response until `until` appears, then disconnect."""
    received, body, done = asyncio.Event(), [], asyncio.Event()

    async def receive() -> dict:
        if not received.is_set():
            received.set()
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.body":
            body.append(message.get("body", b"").decode())
            if until in "".join(body):
                done.set()

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": query.encode(), "headers": [],
             "client": ("127.0.0.1", 1), "server": ("test", 80), "root_path": ""}
    await asyncio.wait_for(app(scope, receive, send), timeout=10)
    return "".join(body)


async def test_the_chat_stream_catches_up_and_lets_go_when_the_browser_leaves(client, app) -> None:
    conversation_id, headers = await new_conversation(client, language="de")
    await client.post(f"/api/v1/conversations/{conversation_id}/messages", json={"text": "Hallo"}, headers=headers)
    token = headers["Authorization"].removeprefix("Bearer ")
    text = await asgi_stream(app, f"/api/v1/conversations/{conversation_id}/events", f"token={token}&after=1",
                             until="id: 2")
    assert "event: message" in text and '"seq": 2' in text and '"seq": 1' not in text
    assert app.state.services.events.listeners(conversation_id) == 0
