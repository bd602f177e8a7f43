"""Small leaks closed: no caching of API and inbox answers, no public API docs in production, bidirectional
controls neutralised where staff read (the inbox's side: tests/inbox/test_inbox_hardening.py)."""

import httpx
import pytest

from bot.gateway.app import create_app
from bot.inbox.labels import neutral_bidi


@pytest.mark.parametrize("path", ["/api/v1/conversations/nope/messages", "/inbox/login", "/health", "/"])
async def test_api_inbox_and_health_answers_are_never_cached(client, path: str) -> None:
    assert (await client.get(path)).headers["cache-control"] == "no-store"


async def test_static_files_may_be_cached(client) -> None:
    assert "no-store" not in (await client.get("/static/widget/widget.css")).headers.get("cache-control", "")


async def test_the_api_docs_exist_only_outside_production(settings) -> None:
    secrets = {"rasa_token": "r" * 32, "rasa_channel_token": "c" * 32, "staff_api_token": "s" * 32}
    for environment, expected in (("production", 404), ("development", 200)):
        app = create_app(settings.model_copy(update={"environment": environment, **secrets}), start=False)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            assert (await client.get("/openapi.json")).status_code == expected, environment
            assert (await client.get("/docs")).status_code == expected, environment


def test_bidirectional_controls_are_neutralised() -> None:
    assert neutral_bidi("invoice\u202egpj.exe") == "invoice[RLO]gpj.exe"
    assert neutral_bidi("\u2067مرحبا\u2069 \u202aA\u202c") == "مرحبا A"
    assert neutral_bidi(42) == 42


async def test_every_4xx_has_the_one_error_shape(client) -> None:
    broken_json = {"content": b"{", "headers": {"content-type": "application/json"}}
    for response in (await client.get("/no/such/path"), await client.delete("/api/v1/conversations"),
                     await client.post("/api/v1/conversations", **broken_json),
                     await client.get("/api/v1/staff/tickets")):
        assert 400 <= response.status_code < 500
        detail = response.json()["detail"]
        assert isinstance(detail["code"], str) and isinstance(detail["message"], str), response.text


def test_request_urls_with_tokens_never_reach_the_log(settings) -> None:
    import logging

    create_app(settings, start=False)
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)  # Rasa's /status takes ?token=


async def test_the_liveness_probe_answers_while_rasa_is_away_and_health_does_not(client) -> None:
    # the test settings point Rasa at a closed loopback port: nobody answers there
    assert (await client.get("/health/live")).json() == {"status": "ok"}
    health = await client.get("/health")
    assert health.status_code == 503 and health.json()["checks"]["rasa"] == "unavailable"
