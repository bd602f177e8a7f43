"""Seeded queues and what a view of them should show, worked out in Python from every row (the expectation)."""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass

import httpx
from sqlalchemy import select

from bot.conversations.models import Conversation, Ticket
from bot.inbox.queue import QueueFilter
from bot.tools.inbox_seed import seed
from tests.inbox.support import HTML

ROW = re.compile(r'<tr[^>]*data-ticket="(W-\d+)"')
NEXT = re.compile(r'<a href="([^"]+)" rel="next">')
PREV = re.compile(r'<a href="([^"]+)" rel="prev">')


@dataclass(frozen=True)
class Row:
    number: str
    status: str
    urgent: bool
    language: str | None
    topic: str | None
    office: str | None
    channel: str
    assignee: str | None
    created_at: object
    resolved_at: object
    id: int


async def seeded(app, count: int) -> list[Row]:
    """`count` tickets in the test's transaction; every one of them, as plain rows."""
    async with app.state.services.sessions() as session:
        await seed(await session.connection(), count, assignees=("anna", "bora", "chef"))
        await session.commit()
        rows = await session.execute(select(Ticket, Conversation.channel).join(Conversation))
        return [Row(t.number, t.status, t.urgent, t.language, t.topic, t.office, channel, t.assignee, t.created_at,
                    t.resolved_at, t.id) for t, channel in rows]


def matches(row: Row, wanted: QueueFilter, office: str | None = None, me: str | None = None,
            skip: str | None = None) -> bool:
    status = {"open": row.status in ("waiting", "assigned"),
              "mine": row.status == "assigned" and row.assignee == me}.get(wanted.status, row.status == wanted.status)
    return ((skip == "status" or status) and (office is None or row.office == office)
            and all(skip == name or getattr(wanted, name) in (None, getattr(row, name))
                    for name in ("office", "language", "topic", "channel", "urgent")))


def expected(rows: list[Row], wanted: QueueFilter, office: str | None = None, me: str | None = None) -> list[str]:
    """The view's tickets in the queue's order: urgent first, then the oldest (resolved: the latest first)."""
    chosen = [r for r in rows if matches(r, wanted, office, me)]
    if wanted.status == "resolved":
        return [r.number for r in sorted(chosen, key=lambda r: (r.resolved_at, r.id), reverse=True)]
    return [r.number for r in sorted(chosen, key=lambda r: (not r.urgent, r.created_at, r.id))]


def facet(rows: list[Row], wanted: QueueFilter, name: str, office: str | None = None,
          me: str | None = None) -> dict[str, int]:
    """How many tickets each value of one filter gives, with the other filters applied."""
    counted = Counter(getattr(r, name) for r in rows if matches(r, wanted, office, me, skip=name))
    return {("1" if value else "0") if isinstance(value, bool) else value: n
            for value, n in counted.items() if value is not None}


async def walk(client: httpx.AsyncClient, url: str, link: re.Pattern[str] = NEXT) -> list[list[str]]:
    """Follow a page's next (or previous) links to the end; the ticket numbers of every page."""
    pages = []
    while url:
        page = await client.get(url, headers=HTML)
        assert page.status_code == 200, page.text
        pages.append(ROW.findall(page.text))
        found = link.search(page.text)
        url = html.unescape(found.group(1)) if found else ""
        assert len(pages) < 500, "the links go round in circles"
    return pages
