"""Rate limits: new conversations and messages per address, messages per conversation, logins per address
and growing delays per account; counters shared through Redis when REDIS_URL is set."""

import uuid

import pytest
from sqlalchemy import func, select

from bot import i18n
from bot.conversations.models import Message
from bot.gateway.rate_limits import LOGIN_DELAY_CAP, Limited, RateLimits
from tests.inbox.support import CSRF
from tests.support.app import new_conversation

LOW = {"rate_new_conversations": "3/minute", "rate_messages": "2/minute", "rate_messages_per_address": "5/minute",
       "rate_logins": "2/minute"}


@pytest.fixture
def settings(settings):
    return settings.model_copy(update=LOW)


async def test_a_fourth_new_conversation_in_a_minute_is_429_in_the_persons_language(client) -> None:
    for _ in range(3):
        await new_conversation(client)
    response = await client.post("/api/v1/conversations", json={"language": "uk"})
    assert response.status_code == 429 and int(response.headers["retry-after"]) >= 1
    detail = response.json()["detail"]
    assert (detail["code"], detail["message"]) == ("rate_limited", i18n.text("rate_limited", "uk"))
    assert 1 <= detail["retry_after"] <= 60


async def test_messages_over_the_conversations_limit_are_refused_and_not_stored(client, app) -> None:
    conversation_id, headers = await new_conversation(client, language="ar")
    url = f"/api/v1/conversations/{conversation_id}/messages"
    for text in ("مرحبا", "سؤال"):
        assert (await client.post(url, json={"text": text}, headers=headers)).status_code == 200
    refused = await client.post(url, json={"text": "ثالث"}, headers=headers)
    assert refused.status_code == 429 and refused.json()["detail"]["message"] == i18n.text("rate_limited", "ar")
    async with app.state.services.sessions() as session:
        stored = await session.scalar(select(func.count()).select_from(Message).where(Message.role == "person"))
    assert stored == 2


async def test_messages_per_address_count_across_conversations(client) -> None:
    sent = 0
    for _ in range(3):
        conversation_id, headers = await new_conversation(client)
        for _ in range(2):
            response = await client.post(f"/api/v1/conversations/{conversation_id}/messages",
                                         json={"text": "Hallo"}, headers=headers)
            sent += response.status_code == 200
    assert sent == 5 and response.status_code == 429


async def test_logins_per_address_are_limited_before_the_password_is_checked(client) -> None:
    token = CSRF.search((await client.get("/inbox/login")).text).group(1)
    codes = [(await client.post("/inbox/login", data={"username": "anna", "password": "x", "csrf_token": token}))
             for _ in range(3)]
    assert [r.status_code for r in codes] == [401, 401, 429] and "Retry-After" in codes[-1].headers


async def test_failed_logins_slow_an_account_down_doubling_and_a_success_forgives() -> None:
    limits = RateLimits({"new_conversations": "1/minute", "messages": "1/minute", "messages_per_address": "1/minute",
                         "logins": "1/minute"})
    delays = []
    for _ in range(10):
        delays.append(await limits.login_delay("Anna"))
        await limits.login_failed("anna ")
    assert delays == [0, 0, 0, 1, 2, 4, 8, 16, LOGIN_DELAY_CAP, LOGIN_DELAY_CAP]
    assert await limits.login_delay("bora") == 0  # other accounts are not affected
    await limits.login_succeeded("ANNA")
    assert await limits.login_delay("anna") == 0


async def test_two_workers_share_the_counters_through_redis() -> None:
    rules = {"new_conversations": "2/minute", "messages": "2/minute", "messages_per_address": "2/minute",
             "logins": "2/minute"}
    first, second = (RateLimits(rules, "redis://127.0.0.1:6379/15") for _ in range(2))
    key = f"test-{uuid.uuid4()}"
    await first.check("messages", key)
    await second.check("messages", key)
    try:
        with pytest.raises(Limited) as refused:
            await first.check("messages", key)
    finally:
        await first.close()
        await second.close()
    assert refused.value.rule == "messages" and refused.value.retry_after >= 1
