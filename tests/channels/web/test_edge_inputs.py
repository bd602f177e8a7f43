"""Bad requests get a 4xx in one shape ({"detail": {"code", "message"}}), never a 5xx, never an echo."""

import pytest

from tests.support.app import new_conversation

MAX_ERROR_BYTES = 1500  # an error says what is wrong; it never carries the input back


def one_shape(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text[:300]
    assert len(response.content) <= MAX_ERROR_BYTES, len(response.content)
    detail = response.json()["detail"]
    assert isinstance(detail["code"], str) and isinstance(detail["message"], str)
    if code is not None:
        assert detail["code"] == code, detail
    return detail


@pytest.fixture
async def chat(client):
    conversation_id, headers = await new_conversation(client)
    return f"/api/v1/conversations/{conversation_id}", headers


@pytest.mark.parametrize(("raw", "code"), [
    ('{"text": "\\ud800"}', "text_invalid"),  # a lone surrogate
    ('{"text": "Hallo \\ud83d welt"}', "text_invalid"),
    ('{"text": "nul\\u0000byte"}', "text_invalid"),  # PostgreSQL cannot store NUL
    ('{"payload": "/x\\udfff"}', "invalid_request"),
    ('{"text": ""}', "message_empty"),
    ('{"text": "   \\n\\t "}', "message_empty"),
    ('{"payload": "   "}', "payload_invalid"),
    ('{"text": 5}', "invalid_request"),
    ('{"text": ["Hallo"]}', "invalid_request"),
    ('{"text": 1e400}', "invalid_request"),
    ('{"text": null}', "text_or_payload"),
    ('{"payload": 12}', "invalid_request"),
    ('{"text": "Hallo", "language": 7}', "invalid_request"),
    ('{"text": "Hallo", "language": "xx"}', "invalid_request"),
    ('{"text": "Hallo", "client_message_id": "has spaces"}', "invalid_request"),
    ('{"text": "Hallo", "client_message_id": 42}', "invalid_request"),
    ('{"text": "Hallo", "extra": true}', "invalid_request"),
    ('{"text": "hi", "payload": "/greet"}', "text_or_payload"),
    ("{}", "text_or_payload"),
    ("[]", "invalid_request"),
    ("null", "invalid_request"),
    ('"Hallo"', "invalid_request"),
    ("", "invalid_json"),
    ("{text: Hallo}", "invalid_json"),
    ("\xff\xfe", "invalid_json"),
])
async def test_bad_message_bodies(client, chat, raw: str, code: str) -> None:
    path, headers = chat
    response = await client.post(f"{path}/messages", content=raw.encode("utf-8", "surrogatepass"),
                                 headers={**headers, "content-type": "application/json"})
    one_shape(response, 422, code)


async def test_an_over_long_message_names_the_limit_without_echoing_it(client, chat) -> None:
    path, headers = chat
    detail = one_shape(await client.post(f"{path}/messages", json={"text": "ü" * 5000}, headers=headers), 422,
                       "message_too_long")
    assert (detail["max"], detail["length"]) == (2000, 5000)


async def test_a_megabyte_body_is_refused_by_its_size(client, chat) -> None:
    path, headers = chat
    one_shape(await client.post(f"{path}/messages", json={"text": "a" * 1_000_000}, headers=headers), 413,
              "body_too_large")


async def test_a_long_invalid_value_is_shown_as_a_short_excerpt(client, chat) -> None:
    path, headers = chat
    detail = one_shape(await client.post(f"{path}/messages", json={"text": "Hallo", "language": "x" * 5000},
                                         headers=headers), 422, "invalid_request")
    assert len(detail["problems"][0]["value"]) <= 41


@pytest.mark.parametrize("body", [{"text": "a" * 1_000_000}, {"text": 5}, "not json"])
async def test_the_token_is_checked_before_the_body(client, chat, body) -> None:
    path, _ = chat
    kwargs = {"content": body} if isinstance(body, str) else {"json": body}
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}):
        one_shape(await client.post(f"{path}/messages", headers=headers, **kwargs), 401)


@pytest.mark.parametrize("conversation_id", ["not-a-uuid", "x" * 10_000, "00000000-0000-0000-0000-000000000000",
                                             "%00", "..%2f..%2fetc"])
async def test_unknown_or_malformed_conversations_are_404(client, chat, conversation_id: str) -> None:
    _, headers = chat
    one_shape(await client.post(f"/api/v1/conversations/{conversation_id}/messages", json={"text": "Hallo"},
                                headers=headers), 404)


@pytest.mark.parametrize("after", ["-1", str(2**63), str(2**31), "١٢", "1e3", "1.5", "", "0x10", "٣"])
async def test_bad_after_is_422(client, chat, after: str) -> None:
    path, headers = chat
    one_shape(await client.get(f"{path}/messages", params={"after": after}, headers=headers), 422)
    one_shape(await client.get(f"{path}/events", params={"after": after, "token": headers["Authorization"][7:]}),
              422)


@pytest.mark.parametrize("last_event_id", [str(2**63), "١٢", "-3", "abc", "1 2", "²"])
async def test_bad_last_event_id_is_422(client, chat, last_event_id: str) -> None:
    path, headers = chat
    response = await client.get(f"{path}/events", headers={**headers, "Last-Event-ID": last_event_id.encode()})
    one_shape(response, 422)


async def test_the_history_accepts_the_largest_seq(client, chat) -> None:
    path, headers = chat
    response = await client.get(f"{path}/messages", params={"after": str(2**31 - 1)}, headers=headers)
    assert response.status_code == 200 and response.json()["messages"] == []


@pytest.mark.parametrize("body", ['{"language": "xx"}', '{"language": 1}', '{"other": 1}', "[", '"x"'])
async def test_bad_new_conversations(client, body: str) -> None:
    one_shape(await client.post("/api/v1/conversations", content=body, headers={"content-type": "application/json"}),
              422)


async def test_staff_api_errors_have_the_same_shape(client) -> None:
    staff = {"Authorization": "Bearer change-me-staff-token"}
    one_shape(await client.get("/api/v1/staff/tickets"), 401)
    one_shape(await client.get("/api/v1/staff/tickets", params={"status": "nope"}, headers=staff), 422)
    one_shape(await client.post("/api/v1/staff/tickets/W-1/claim", json={"staff": ""}, headers=staff), 422)
    one_shape(await client.post("/api/v1/staff/tickets/W-999/claim", json={"staff": "Anna"}, headers=staff), 404)
