"""Data-subject requests in the inbox: an admin finds a person, downloads their data, erases it; agents cannot."""

import json

from sqlalchemy import select

from bot.conversations.models import Conversation
from bot.inbox.models import AuditEntry
from tests.inbox.support import HTML, login
from tests.inbox.test_staff_api import open_ticket


async def test_an_admin_exports_and_erases_a_persons_data_and_both_are_audited(client, app, accounts) -> None:
    conversation_id, _, number = await open_ticket(client)
    other_id, _, _ = await open_ticket(client)
    csrf = await login(client, "chef")
    page = await client.get("/inbox/admin/privacy", params={"ticket": number}, headers=HTML)
    assert page.status_code == 200 and "1 Gespräch(e) gefunden" in page.text
    selector = {"csrf_token": csrf, "ticket": number, "conversation": "", "channel": "", "sender": ""}

    download = await client.post("/inbox/admin/privacy/export", data=selector)
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    [held] = json.loads(download.text)["conversations"]
    assert held["conversation"]["id"] == conversation_id and held["messages"][0]["text"] == "مساعدة"
    assert held["tickets"][0]["number"] == number

    unconfirmed = await client.post("/inbox/admin/privacy/erase", data=selector)
    assert unconfirmed.status_code == 422
    erased = await client.post("/inbox/admin/privacy/erase", data={**selector, "confirm": "ja"})
    assert erased.status_code == 200 and "1 Gespräch(e)" in erased.text
    async with app.state.services.sessions() as session:
        remaining = set(await session.scalars(select(Conversation.id)))
        actions = [a.action for a in await session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert conversation_id not in remaining and other_id in remaining
    assert actions[-2:] == ["data_exported", "data_erased"]
    gone = await client.get("/inbox/admin/privacy", params={"conversation": conversation_id}, headers=HTML)
    assert "Nichts gefunden" in gone.text


async def test_agents_cannot_reach_the_privacy_pages(client, accounts) -> None:
    csrf = await login(client, "anna")
    assert (await client.get("/inbox/admin/privacy", headers=HTML)).status_code == 403
    assert (await client.post("/inbox/admin/privacy/export", data={"csrf_token": csrf, "ticket": "W-000001"})
            ).status_code == 403
