"""Retention and data-subject requests in both databases: the gateway's and Rasa's tracker store."""

import datetime as dt
import json
import sqlite3
import uuid

import pytest
from sqlalchemy import func, select

from bot.conversations.models import Conversation, Delivery, Message, SentPart, Ticket, utcnow
from bot.inbox.models import AuditEntry, TicketNote
from bot.privacy.records import erase, export, find, purge
from bot.privacy.tracker import TrackerStore

RASA_EVENTS = """CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, sender_id VARCHAR(255) NOT NULL,
    type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"""


@pytest.fixture
def tracker_file(tmp_path):
    path = tmp_path / "rasa_tracker.db"
    with sqlite3.connect(path) as connection:  # the table Rasa's SQL tracker store writes
        connection.execute(RASA_EVENTS)
    return path


@pytest.fixture
async def tracker(tracker_file):
    store = TrackerStore(f"sqlite+aiosqlite:///{tracker_file}")
    yield store
    await store.close()


def rasa_events(path, sender_id: str, texts: list[str], timestamp: float = 1.0) -> None:
    with sqlite3.connect(path) as connection:
        for text in texts:
            connection.execute("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, 'user', ?, ?)",
                               (sender_id, timestamp, json.dumps({"event": "user", "text": text})))


def tracker_senders(path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return sorted({row[0] for row in connection.execute("SELECT sender_id FROM events")})


async def seed(sessions, tracker_file, *, channel: str, sender: str, days_ago: float) -> tuple[str, int]:
    """A conversation with a person's message, a reply with its delivery, a ticket with a note and an audit entry."""
    moment = utcnow() - dt.timedelta(days=days_ago)
    conversation_id = str(uuid.uuid4())
    async with sessions() as session:
        session.add(Conversation(id=conversation_id, channel=channel, sender=sender, language="de", created_at=moment,
                                 updated_at=moment, next_seq=3, display_name="Amina"))
        await session.flush()
        session.add_all([
            Message(id=f"{conversation_id[:30]}-p", conversation_id=conversation_id, seq=1, role="person",
                    text="Mein Aktenzeichen ist 123", channel=channel, external_id=f"x-{conversation_id}"),
            Message(id=f"{conversation_id[:30]}-r", conversation_id=conversation_id, seq=2, role="bot", kind="handoff",
                    text="Ticket", reply_to=1)])
        ticket = Ticket(conversation_id=conversation_id, reason="requested", language="de", guesses=[])
        session.add(ticket)
        await session.flush()
        session.add_all([
            Delivery(message_id=f"{conversation_id[:30]}-r", conversation_id=conversation_id, channel=channel,
                     status="sent", attempts=1, external_ids=["wamid.1"]),
            TicketNote(ticket_id=ticket.id, author="anna", text="Person hat Termin am Freitag"),
            AuditEntry(actor="anna", action="noted", ticket_id=ticket.id, details={})])
        await session.flush()
        session.add(SentPart(channel=channel, external_id=f"wamid-{conversation_id}",
                             message_id=f"{conversation_id[:30]}-r"))
        # the timestamps as they would be after 100 days of silence (the flushes above moved updated_at)
        (await session.get(Conversation, conversation_id)).updated_at = moment
        await session.commit()
        ticket_id = ticket.id
    rasa_events(tracker_file, conversation_id, ["Hallo", "Mein Aktenzeichen ist 123"])
    return conversation_id, ticket_id


async def count(sessions, model, *where) -> int:
    async with sessions() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where))


async def test_the_purge_leaves_nothing_of_old_conversations_in_either_database_and_keeps_the_new(
        live_app, tracker, tracker_file) -> None:
    sessions = live_app.state.services.sessions
    old, old_ticket = await seed(sessions, tracker_file, channel="whatsapp", sender="4915100000001", days_ago=100)
    new, new_ticket = await seed(sessions, tracker_file, channel="web", sender="web-new", days_ago=10)
    erased = await purge(sessions, tracker, retention_days=90)
    assert erased.as_dict() == {"conversations": 1, "messages": 2, "tickets": 1, "tracker_events": 2}
    for model, column in ((Conversation, Conversation.id), (Message, Message.conversation_id),
                          (Ticket, Ticket.conversation_id), (Delivery, Delivery.conversation_id)):
        assert await count(sessions, model, column == old) == 0, model
        assert await count(sessions, model, column == new) >= 1, model
    assert await count(sessions, TicketNote, TicketNote.ticket_id == old_ticket) == 0
    assert await count(sessions, SentPart, SentPart.external_id == f"wamid-{old}") == 0
    assert tracker_senders(tracker_file) == [new]
    async with sessions() as session:  # the audit log keeps facts, not people
        kept = list(await session.scalars(select(AuditEntry).where(AuditEntry.action == "noted")))
        [purged] = list(await session.scalars(select(AuditEntry).where(AuditEntry.action == "retention_purge")))
    assert sorted(e.ticket_id or 0 for e in kept) == [0, new_ticket]
    assert purged.actor == "system" and purged.details["conversations"] == 1


async def test_the_purge_also_removes_old_tracker_events_of_conversations_the_gateway_no_longer_has(
        live_app, tracker, tracker_file) -> None:
    sessions = live_app.state.services.sessions
    kept, _ = await seed(sessions, tracker_file, channel="web", sender="web-kept", days_ago=5)  # (its events are old)
    rasa_events(tracker_file, "orphan-old", ["Hallo"])  # an erasure interrupted between the two databases
    rasa_events(tracker_file, "orphan-recent", ["Hallo"], timestamp=utcnow().timestamp())
    erased = await purge(sessions, tracker, retention_days=90)
    assert erased.conversations == 0 and erased.tracker_events == 1
    assert tracker_senders(tracker_file) == sorted([kept, "orphan-recent"])


async def test_a_person_is_found_exported_and_erased_in_both_databases(live_app, tracker, tracker_file) -> None:
    sessions = live_app.state.services.sessions
    mine, ticket = await seed(sessions, tracker_file, channel="whatsapp", sender="4915100000002", days_ago=1)
    other, _ = await seed(sessions, tracker_file, channel="telegram", sender="4711", days_ago=1)
    async with sessions() as session:
        assert await find(session, ticket=f"W-{ticket:06d}") == [mine]
        assert await find(session, conversation=mine) == [mine]
        assert await find(session, channel="whatsapp", sender="+4915100000002") == [mine]
        assert await find(session, channel="telegram", sender="4915100000002") == []
        assert await find(session, ticket="W-x") == [] and await find(session) == []
    async with sessions() as session:
        document = await export(session, tracker, [mine])
    [held] = document["conversations"]
    assert held["conversation"]["sender"] == "4915100000002" and "token_hash" not in held["conversation"]
    assert [m["text"] for m in held["messages"]] == ["Mein Aktenzeichen ist 123", "Ticket"]
    assert held["messages"][1]["delivery"]["status"] == "sent"
    assert held["tickets"][0]["notes"][0]["text"] == "Person hat Termin am Freitag"
    assert [e["text"] for e in held["rasa_tracker_events"]] == ["Hallo", "Mein Aktenzeichen ist 123"]
    json.dumps(document)  # one JSON file

    async with sessions() as session:
        erased = await erase(session, tracker, [mine], actor="chef")
    assert erased.conversations == 1 and erased.tracker_events == 2
    assert await count(sessions, Conversation, Conversation.id == mine) == 0
    assert await count(sessions, Conversation, Conversation.id == other) == 1
    assert tracker_senders(tracker_file) == [other]
    async with sessions() as session:
        [entry] = list(await session.scalars(select(AuditEntry).where(AuditEntry.action == "data_erased")))
    assert entry.actor == "chef" and "4915100000002" not in json.dumps(entry.details)


async def test_a_tracker_database_rasa_has_not_created_yet_holds_nothing(tmp_path) -> None:
    store = TrackerStore(f"sqlite+aiosqlite:///{tmp_path / 'none.db'}")
    try:
        assert await store.events("x") == [] and await store.delete(["x"]) == 0
    finally:
        await store.close()


async def test_the_command_line_exports_and_erases_only_when_told_to(live_app, settings, tracker_file, tmp_path,
                                                                       capsys) -> None:
    from bot.privacy.__main__ import parser, run

    settings = settings.model_copy(update={"rasa_tracker_db": tracker_file})
    sessions = live_app.state.services.sessions
    mine, _ = await seed(sessions, tracker_file, channel="telegram", sender="4711", days_ago=1)
    out = tmp_path / "export.json"
    assert await run(parser().parse_args(["export", "--channel", "telegram", "--sender", "4711", "--out", str(out)]),
                     settings) == 0
    assert json.loads(out.read_text())["conversations"][0]["conversation"]["id"] == mine
    assert out.stat().st_mode & 0o077 == 0  # owner only
    assert await run(parser().parse_args(["erase", "--conversation", mine]), settings) == 2  # not without --yes
    assert await count(sessions, Conversation, Conversation.id == mine) == 1
    assert await run(parser().parse_args(["erase", "--conversation", mine, "--yes"]), settings) == 0
    assert await count(sessions, Conversation, Conversation.id == mine) == 0 and tracker_senders(tracker_file) == []
    assert await run(parser().parse_args(["purge"]), settings) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["conversations"] == 0


def test_the_privacy_notice_promises_the_configured_retention_in_every_language() -> None:
    from bot import i18n
    from bot.languages import SUPPORTED_LANGUAGES
    from bot.settings import Settings

    days = str(Settings(environment="test").retention_days)
    assert all(days in i18n.text("privacy_notice", language) for language in SUPPORTED_LANGUAGES)
