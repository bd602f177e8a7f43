"""Working on tickets in the inbox: queue, claim, reply, notes, resolve, offices, audit."""

import re

from sqlalchemy import select

from bot import i18n
from bot.conversations import transcript
from bot.conversations.messages import Envelope
from bot.conversations.models import Conversation, Ticket
from bot.inbox.labels import canned_replies
from bot.inbox.models import AuditEntry, TicketNote
from tests.inbox.support import HTML, act, login, person_messages
from tests.inbox.test_staff_api import open_ticket
from tests.support.app import new_conversation


async def test_an_agent_of_another_office_gets_404(client, accounts) -> None:
    _, _, number = await open_ticket(client)  # routed to the Welcome Center
    csrf = await login(client, "bora")  # immigration office
    page = await client.get(f"/inbox/tickets/{number}", headers=HTML)
    assert page.status_code == 404 and "Nicht gefunden" in page.text and "Zur Warteschlange" in page.text
    assert (await act(client, number, "claim", csrf)).status_code == 404
    queue = await client.get("/inbox/?status=open", headers=HTML)
    assert number not in queue.text
    search = await client.get("/inbox/search", params={"q": number})
    assert "notfound" in search.headers["location"]


async def test_moving_a_ticket_to_another_office_hands_it_over(client, accounts) -> None:
    _, _, number = await open_ticket(client)
    csrf = await login(client, "anna")
    moved = await act(client, number, "move", csrf, office="auslaenderbehoerde")
    assert moved.status_code == 303 and moved.headers["location"] == "/inbox/"
    assert (await client.get(f"/inbox/tickets/{number}", headers=HTML)).status_code == 404
    await login(client, "bora")
    assert (await client.get(f"/inbox/tickets/{number}", headers=HTML)).status_code == 200


async def test_claim_reply_reaches_the_person_and_the_queue_shows_who_has_it(client, accounts) -> None:
    conversation_id, headers, number = await open_ticket(client, language="ar")
    csrf = await login(client, "anna")
    assert (await act(client, number, "claim", csrf)).status_code == 303
    assert (await act(client, number, "reply", csrf, text="مرحبا، أنا آنا من مركز الترحيب.")).status_code == 303
    last = (await person_messages(client, conversation_id, headers))[-1]
    assert (last["role"], last["text"], last["ticket"]) == ("staff", "مرحبا، أنا آنا من مركز الترحيب.",
                                                                          number)
    mine = await client.get("/inbox/?status=mine", headers=HTML)
    assert number in mine.text


async def test_answering_with_a_knowledge_base_entry_sends_it_in_the_persons_language(client, app, accounts) -> None:
    conversation_id, headers, number = await open_ticket(client, language="ar")
    entry = app.state.services.knowledge.entries["registration-anmeldung"]
    csrf = await login(client, "anna")
    assert (await act(client, number, "answer", csrf, kb_id=entry.id)).status_code == 303
    envelope = (await person_messages(client, conversation_id, headers))[-1]
    assert (envelope["role"], envelope["kind"], envelope["language"], envelope["kb_id"]) == (
        "staff", "answer", "ar", entry.id)
    assert envelope["text"].startswith(entry.answers["ar"])  # and, for a draft translation, one line that says so
    assert entry.is_draft("ar") == envelope["text"].endswith(f"({i18n.text('draft_translation', 'ar')})")
    assert [s["url"] for s in envelope["sources"]] == [str(s.url) for s in entry.sources]


async def test_a_canned_reply_goes_out_in_the_persons_language(client, accounts) -> None:
    conversation_id, headers, number = await open_ticket(client, language="uk")
    csrf = await login(client, "anna")
    assert (await act(client, number, "canned", csrf, key="book_appointment")).status_code == 303
    last = (await person_messages(client, conversation_id, headers))[-1]
    assert last["text"] == canned_replies()["book_appointment"]["text"]["uk"]


async def test_notes_stay_internal(client, app, accounts) -> None:
    conversation_id, headers, number = await open_ticket(client)
    before = await person_messages(client, conversation_id, headers)
    csrf = await login(client, "anna")
    assert (await act(client, number, "note", csrf, text="Ruft morgen an")).status_code == 303
    assert await person_messages(client, conversation_id, headers) == before
    page = await client.get(f"/inbox/tickets/{number}", headers=HTML)
    assert "Ruft morgen an" in page.text
    async with app.state.services.sessions() as session:
        [note] = await session.scalars(select(TicketNote))
    assert (note.author, note.text) == ("anna", "Ruft morgen an")


async def test_reply_to_a_resolved_conversation_is_refused_with_a_clear_message(client, accounts) -> None:
    conversation_id, headers, number = await open_ticket(client)
    csrf = await login(client, "anna")
    await act(client, number, "resolve", csrf)
    before = await person_messages(client, conversation_id, headers)
    response = await act(client, number, "reply", csrf, text="Noch eine Frage?")
    assert response.status_code == 409
    assert "ist abgeschlossen" in response.text and "erneut" in response.text
    assert await person_messages(client, conversation_id, headers) == before


async def test_resolve_hands_back_to_the_bot_and_reopen_brings_a_person_back(client, accounts) -> None:
    conversation_id, headers, number = await open_ticket(client, language="ar")
    csrf = await login(client, "anna")
    await act(client, number, "resolve", csrf)
    texts = [m["text"] for m in await person_messages(client, conversation_id, headers)]
    assert i18n.text("resolved_back", "ar") in texts
    assert (await act(client, number, "reopen", csrf)).status_code == 303
    last = (await person_messages(client, conversation_id, headers))[-1]
    assert last["text"] == i18n.text("staff_joined", "ar", name="Anna")
    page = await client.get(f"/inbox/tickets/{number}", headers=HTML)
    assert "in Bearbeitung · anna" in page.text


async def test_assign_and_unassign(client, accounts) -> None:
    _, _, number = await open_ticket(client)
    csrf = await login(client, "chef")
    refused = await act(client, number, "assign", csrf, to="bora")  # bora works for another office
    assert refused.status_code == 409 and "anderen Dienststelle" in refused.text
    assert (await act(client, number, "assign", csrf, to="anna")).status_code == 303
    page = await client.get(f"/inbox/tickets/{number}", headers=HTML)
    assert "in Bearbeitung · anna" in page.text
    assert (await act(client, number, "unassign", csrf)).status_code == 303
    assert "wartet" in (await client.get(f"/inbox/tickets/{number}", headers=HTML)).text


async def test_every_staff_action_is_in_the_audit_log(client, app, accounts) -> None:
    _, _, number = await open_ticket(client)
    csrf = await login(client, "anna")
    await act(client, number, "claim", csrf)
    await act(client, number, "reply", csrf, text="Hallo")
    await act(client, number, "resolve", csrf)
    async with app.state.services.sessions() as session:
        entries = list(await session.scalars(select(AuditEntry).where(AuditEntry.ticket_id == int(number[2:]))
                                             .order_by(AuditEntry.id)))
    assert [(e.actor, e.action) for e in entries] == [("anna", "claimed"), ("anna", "replied"), ("anna", "resolved")]
    await login(client, "chef")
    audit = await client.get("/inbox/audit", params={"ticket": number}, headers=HTML)
    assert audit.status_code == 200 and audit.text.count(number) >= 3


async def test_search_by_ticket_number(client, accounts) -> None:
    _, _, number = await open_ticket(client)
    await login(client, "anna")
    for query in (number, number.lower(), str(int(number[2:]))):
        response = await client.get("/inbox/search", params={"q": query})
        assert response.headers["location"] == f"/inbox/tickets/{number}", query


async def test_new_conversation_is_not_visible_to_staff_until_handed_off(client, accounts) -> None:
    await new_conversation(client)
    await login(client, "chef")
    queue = await client.get("/inbox/?status=open", headers=HTML)
    assert "Keine Tickets" in queue.text


async def test_a_handoff_after_an_answer_takes_its_topic_office_and_entry_as_the_best_guess(client, app) -> None:
    conversation_id, headers = await new_conversation(client, language="en")
    async with app.state.services.sessions() as session:
        conversation = await session.get(Conversation, conversation_id)
        await transcript.append_replies(session, conversation, [Envelope(
            kind="answer", text="...", language="en", topic="residence", kb_id="blue-card", confidence=0.9)])
        await session.commit()
    response = await client.post(f"/api/v1/conversations/{conversation_id}/messages", json={"text": "help"},
                                 headers=headers)
    number = response.json()["messages"][0]["ticket"]
    async with app.state.services.sessions() as session:
        ticket = await session.get(Ticket, int(number[2:]))
    assert (ticket.topic, ticket.office, ticket.guesses) == ("residence", "auslaenderbehoerde",
                                                             [{"kb_id": "blue-card", "score": 0.9}])


async def test_the_queue_shows_the_persons_last_words_and_whether_staff_answered(client, accounts) -> None:
    conversation_id, headers, number = await open_ticket(client, language="ar")
    await client.post(f"/api/v1/conversations/{conversation_id}/messages", json={"text": "هل من أحد هنا؟"},
                      headers=headers)
    csrf = await login(client, "anna")
    row = re.search(rf'<tr[^>]*data-ticket="{number}">(.*?)</tr>', (await client.get("/inbox/", headers=HTML)).text,
                    re.S).group(1)
    assert "هل من أحد هنا؟" in row and "unbeantwortet" in row
    await act(client, number, "reply", csrf, text="نعم، أنا هنا.")
    row = re.search(rf'<tr[^>]*data-ticket="{number}">(.*?)</tr>',
                    (await client.get("/inbox/?status=mine", headers=HTML)).text, re.S).group(1)
    assert "هل من أحد هنا؟" in row and "unbeantwortet" not in row
