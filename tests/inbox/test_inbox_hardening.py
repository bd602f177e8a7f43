"""The inbox's forms only from its own pages, and a person's bidirectional controls shown as what they are."""

from tests.inbox.support import HTML, login
from tests.inbox.test_staff_api import open_ticket


async def test_an_inbox_form_from_another_origin_is_refused_before_it_is_read(client, accounts) -> None:
    evil = {"Origin": "https://evil.example"}
    response = await client.post("/inbox/login", data={"username": "anna", "password": "x"}, headers=evil)
    assert response.status_code == 403 and response.json()["detail"]["code"] == "origin_forbidden"
    referer = {"Referer": "https://evil.example/page"}
    assert (await client.post("/inbox/logout", headers=referer)).status_code == 403
    own = {"Origin": "http://test"}  # the test client's own origin passes on to the usual checks
    wrong_password = await client.post("/inbox/login", data={"username": "anna", "password": "x"}, headers=own)
    assert "origin_forbidden" not in wrong_password.text
    csrf = await login(client, "anna")
    assert (await client.post("/inbox/logout", data={"csrf_token": csrf}, headers=own)).status_code == 303


async def test_staff_read_a_persons_override_characters_as_what_they_are(client, accounts) -> None:
    conversation_id, headers, number = await open_ticket(client)
    await client.post(f"/api/v1/conversations/{conversation_id}/messages", json={"text": "Datei \u202eFDP.exe"},
                      headers=headers)
    await login(client, "anna")
    page = await client.get(f"/inbox/tickets/{number}", headers=HTML)
    assert "Datei [RLO]FDP.exe" in page.text and "\u202e" not in page.text
