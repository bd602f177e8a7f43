"""Many realistic handoff tickets at once, for the inbox benchmark and the queue's scale tests.

Bulk inserts (SQLAlchemy Core, one executemany per table and batch), no ORM objects: 10,000 tickets
with their conversations and messages take seconds. A fixed random seed gives the same data every
time. The spread: statuses as a busy office sees them (most tickets resolved, a backlog waiting),
12 languages with Arabic, Ukrainian and English far ahead, three channels, the site file's offices
by topic (emergencies to the default office, as the hand-off desk routes them), about 10% urgent,
a few messages per conversation, created over the last `days` days.

Twelve languages although the assistant speaks eight (`bot.languages`): four more codes stand for
tickets whose language the queue has never heard of, and the filters and counts must still reach them.

Every ticket's status is the end of a history of legal transitions run through the state machine
(`states.apply`), so the conversation's state always matches its ticket's status.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.conversations import states
from bot.conversations.models import Conversation, Message, Ticket, utcnow
from bot.conversations.states import TicketStatus, Transition
from bot.knowledge.loader import load_site
from bot.knowledge.schema import InboxRouting
from bot.paths import SITE_FILE

LANGUAGES = {"ar": 18, "uk": 16, "en": 14, "tr": 10, "de": 8, "ru": 8, "fa": 7, "fr": 5,
             "ro": 5, "pl": 4, "es": 3, "ti": 2}
CHANNELS = {"web": 50, "whatsapp": 35, "telegram": 15}
TOPIC_WEIGHTS = {"residence": 30, "work": 15, "housing": 12, "language": 10, "recognition": 8, "health": 8,
                 "education": 6, "daily_life": 6, "office": 5}
HISTORIES = {  # what happened to a ticket since the hand-off -> how often
    (Transition.HAND_OFF,): 26,
    (Transition.HAND_OFF, Transition.CLAIM): 11,
    (Transition.HAND_OFF, Transition.CLAIM, Transition.RELEASE): 2,
    (Transition.HAND_OFF, Transition.CLAIM, Transition.RESOLVE): 50,
    (Transition.HAND_OFF, Transition.RESOLVE): 8,
    (Transition.HAND_OFF, Transition.CLAIM, Transition.RESOLVE, Transition.REOPEN): 3,
}
REASONS = ("requested", "no_answer", "personal_case", "negative_feedback", "out_of_scope", "deadline", "technical")
URGENT_SHARE = 0.10
BATCH = 2000
WORDS = ("Termin", "Aufenthaltstitel", "Wohnung", "Arbeit", "Anmeldung", "Kita", "Sprachkurs", "Frist",
         "Krankenkasse", "Anerkennung", "Brief", "Hilfe")


@dataclass
class _Case:
    """The state machine's view of one seeded conversation and its ticket."""

    state: str = "bot"
    status: str = ""


@dataclass(frozen=True)
class Seeded:
    tickets: int
    conversations: int
    messages: int


def routing_of(site_file: Path = SITE_FILE) -> InboxRouting:
    """The site file's offices and how topics are routed to them."""
    return load_site(site_file).inbox


def _pick(rng: random.Random, weights: dict[Any, int]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _rows(index: int, rng: random.Random, routing: InboxRouting, assignees: Sequence[str], now: dt.datetime,
          days: int, messages: int) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    case = _Case()
    history = _pick(rng, HISTORIES)
    for step, transition in enumerate(history):
        states.apply(transition, case, case, new_ticket=step == 0)
    urgent = rng.random() < URGENT_SHARE
    topic = _pick(rng, TOPIC_WEIGHTS) if rng.random() < 0.9 else None
    language, channel = _pick(rng, LANGUAGES), _pick(rng, CHANNELS)
    created = now - dt.timedelta(seconds=rng.uniform(60, days * 86400))
    claimed = created + dt.timedelta(minutes=rng.uniform(1, 600)) if Transition.CLAIM in history else None
    resolved = (claimed or created) + dt.timedelta(minutes=rng.uniform(5, 900)) if (
        case.status == TicketStatus.RESOLVED) else None
    conversation_id = str(uuid.uuid4())
    said = [created - dt.timedelta(minutes=2 * (messages - n)) for n in range(messages)]
    conversation = {"id": conversation_id, "channel": channel, "sender": f"seed-{index}-{conversation_id[:8]}",
                    "display_name": None if channel == "web" else f"Person {index}", "language": language,
                    "state": case.state, "created_at": said[0], "updated_at": resolved or claimed or created,
                    "last_person_at": said[-1], "next_seq": messages + 1}
    ticket = {"conversation_id": conversation_id, "reason": "emergency" if urgent else rng.choice(REASONS),
              "urgent": urgent, "language": language, "topic": topic,
              "office": routing.default_office if urgent else routing.office_for(topic), "guesses": [],
              "facts": None, "status": case.status, "created_at": created,
              "assignee": rng.choice(assignees) if claimed and case.status != TicketStatus.WAITING else None,
              "claimed_at": claimed if case.status != TicketStatus.WAITING else None, "resolved_at": resolved}
    rows = []
    for seq, at in enumerate(said, start=1):
        person = seq % 2 == 1 or seq == messages  # the person writes, the bot answers, the person writes last
        role = "person" if person else ("staff" if claimed and seq == messages - 1 else "bot")
        rows.append({"id": str(uuid.uuid4()), "conversation_id": conversation_id, "seq": seq, "role": role,
                     "kind": None if person else ("info" if role == "staff" else "handoff"),
                     "text": " ".join(rng.choices(WORDS, k=rng.randint(3, 12))), "language": language,
                     "channel": channel if person else None, "handled_at": at, "created_at": at})
    return conversation, ticket, rows


async def seed(connection: AsyncConnection, count: int, *, assignees: Sequence[str] = ("anna", "bora", "chef"),
               routing: InboxRouting | None = None, days: int = 30, messages: tuple[int, int] = (2, 6),
               random_seed: int = 7) -> Seeded:
    """Insert `count` tickets (each in its own conversation, with 2-6 messages); the caller commits."""
    rng, now, routing = random.Random(random_seed), utcnow(), routing or routing_of()
    written = Seeded(0, 0, 0)
    for start in range(0, count, BATCH):
        conversations, tickets, said = [], [], []
        for index in range(start, min(start + BATCH, count)):
            conversation, ticket, rows = _rows(index, rng, routing, assignees, now, days, rng.randint(*messages))
            conversations.append(conversation)
            tickets.append(ticket)
            said += rows
        await connection.execute(insert(Conversation), conversations)
        await connection.execute(insert(Ticket), tickets)
        await connection.execute(insert(Message), said)
        written = Seeded(written.tickets + len(tickets), written.conversations + len(conversations),
                         written.messages + len(said))
    return written

