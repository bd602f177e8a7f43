"""The staff queue as pages: which tickets a view holds, in which order, and where a page starts.

Keyset pagination, not OFFSET. A page link carries the sort key of the last (or first) ticket shown
(`after=` / `before=`), and the next page is "the tickets after that one". Two reasons:

- The queue moves while people read it: tickets are claimed, resolved and handed off all the time,
  and the open page refreshes itself (`inbox.js`). With OFFSET, every ticket that leaves page 1
  pushes one ticket of page 2 onto page 1, where nobody looks again: "next" skips it. A keyset
  link always continues right after the last ticket the caseworker saw.
- The cost does not grow with the depth: the database seeks to the key in an index and reads one
  page, instead of reading and throwing away all the rows before it (page 100 of OFFSET reads
  5,000 rows first).

The price: no "page 37 of 200" and no jumping to a page number; the page shows first / previous /
next and how many tickets the view holds (`queue_counts.py`).

The order of the open views (urgent first, then the longest waiting) mixes directions: urgent
descending, created_at ascending. One index cannot seek to such a key with one row comparison, and
an index on an expression (`NOT urgent`) is lost on SQLite whenever a later migration rebuilds the
table (batch mode cannot reflect it). So a page is read in legs: the urgent tickets, then the
others, each an ascending sweep of `ix_tickets_open_queue (urgent, created_at, id)` from the
cursor. The resolved view has one leg, newest first (`ix_tickets_resolved_queue`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, false, select, true, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from bot.conversations.models import Conversation, Ticket, as_utc
from bot.conversations.states import TicketStatus

STATUSES = ("waiting", "assigned", "resolved", "open", "mine")
OPEN = (TicketStatus.WAITING, TicketStatus.ASSIGNED)
CHANNELS = ("web", "telegram", "whatsapp")
PAGE_SIZE = 50
MAX_PAGE_SIZE = 500  # what the staff API has always returned at most
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[a-z]{1,2})?$")  # what tickets.language (5 characters) can hold
TOPIC = re.compile(r"^[a-z_]{1,20}$")
TOKEN = re.compile(r"^([01])\.(\d{1,18})\.(\d{1,12})$")


@dataclass(frozen=True)
class QueueFilter:
    """A view of the queue; None = no filter on that field."""

    status: str = "open"  # waiting | assigned | resolved | open (waiting or assigned) | mine
    office: str | None = None
    language: str | None = None
    topic: str | None = None
    channel: str | None = None  # web | telegram | whatsapp (the conversation's)
    urgent: bool | None = None


def conditions(wanted: QueueFilter, *, visible_office: str | None = None, me: str | None = None,
               skip: str | None = None) -> list[ColumnElement[bool]]:
    """The WHERE terms of a view. `skip`: a filter left out (the counts per value of that filter).

    `visible_office` is never skipped: an agent's counts, too, are of their own office only."""
    terms: list[ColumnElement[bool]] = []
    if skip != "status":
        if wanted.status == "open":
            terms.append(Ticket.status.in_(OPEN))
        elif wanted.status == "mine":
            terms += [Ticket.status == TicketStatus.ASSIGNED, Ticket.assignee == me]
        else:
            terms.append(Ticket.status == wanted.status)
    if visible_office:
        terms.append(Ticket.office == visible_office)
    for name, column in (("office", Ticket.office), ("language", Ticket.language), ("topic", Ticket.topic)):
        value = getattr(wanted, name)
        if value and skip != name:
            terms.append(column == value)
    if wanted.urgent is not None and skip != "urgent":
        terms.append(Ticket.urgent == (true() if wanted.urgent else false()))
    if wanted.channel and skip != "channel":
        terms.append(Ticket.conversation_id.in_(select(Conversation.id).where(Conversation.channel == wanted.channel)))
    return terms


@dataclass(frozen=True)
class Cursor:
    """A ticket's place in the order: `urgent.<µs since 1970>.<id>` in a link (the time is created_at,
    or resolved_at in the resolved view)."""

    urgent: bool
    at: dt.datetime
    id: int

    def token(self) -> str:
        micros = (as_utc(self.at) - EPOCH) // dt.timedelta(microseconds=1)
        return f"{int(self.urgent)}.{micros}.{self.id}"

    @classmethod
    def parse(cls, token: str | None) -> Cursor | None:
        """None for a missing or malformed token (the view's first page)."""
        match = TOKEN.match(token or "")
        if match is None:
            return None
        return cls(match.group(1) == "1", EPOCH + dt.timedelta(microseconds=int(match.group(2))),
                   int(match.group(3)))

    @classmethod
    def of(cls, ticket: Ticket, status: str) -> Cursor:
        # a resolved ticket always has resolved_at (TicketService.resolve sets it)
        at = ticket.resolved_at if status == "resolved" and ticket.resolved_at else ticket.created_at
        return cls(ticket.urgent, at, ticket.id)


@dataclass(frozen=True)
class Leg:
    """A stretch of the order that one index sweep reads: the urgent or the other open tickets, or all resolved."""

    position: int
    urgent: bool | None
    time: InstrumentedAttribute[Any]  # created_at, or resolved_at
    newest_first: bool

    def holds(self, cursor: Cursor) -> int:
        """-1, 0, 1: this leg comes before, holds, or comes after the cursor's ticket."""
        if self.urgent is None:
            return 0
        theirs = 0 if cursor.urgent else 1
        return (self.position > theirs) - (self.position < theirs)

    def query(self, where: list[ColumnElement[bool]], cursor: Cursor | None, backwards: bool, limit: int
              ) -> Select[Ticket]:
        query = select(Ticket).where(*where)
        if self.urgent is not None:
            query = query.where(Ticket.urgent == (true() if self.urgent else false()))
        descending = self.newest_first != backwards
        if cursor is not None:
            key, at = tuple_(self.time, Ticket.id), (as_utc(cursor.at), cursor.id)
            query = query.where(key < at if descending else key > at)
        order = (self.time.desc(), Ticket.id.desc()) if descending else (self.time, Ticket.id)
        return query.order_by(*order).limit(limit)


def legs(wanted: QueueFilter) -> list[Leg]:
    if wanted.status == "resolved":
        return [Leg(0, None, Ticket.resolved_at, newest_first=True)]
    return [Leg(position, urgent, Ticket.created_at, newest_first=False)
            for position, urgent in enumerate((True, False)) if wanted.urgent in (None, urgent)]


@dataclass
class QueuePage:
    tickets: list[Ticket] = field(default_factory=list)
    after: str | None = None  # the next page's link token; None on the last page
    before: str | None = None  # the previous page's; None on the first page


async def read_page(session: AsyncSession, wanted: QueueFilter, *, visible_office: str | None = None,
                    me: str | None = None, after: str | None = None, before: str | None = None,
                    limit: int = PAGE_SIZE) -> QueuePage:
    """One page of a view: from its start, after the ticket `after`, or before the ticket `before`."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    where = conditions(wanted, visible_office=visible_office, me=me)
    backwards = bool(before) and not after
    cursor = Cursor.parse(before if backwards else after)
    if backwards and cursor is not None:
        rows = (await _sweep(session, wanted, where, cursor, True, limit + 1))[::-1]
        if len(rows) > limit:
            return _page(wanted, rows[1:], more_before=True, more_after=True)
        if len(rows) == limit:
            return _page(wanted, rows, more_before=False, more_after=True)
        cursor = None  # fewer than a page before it (tickets left the queue): the first page, full
    rows = await _sweep(session, wanted, where, cursor, False, limit + 1)
    return _page(wanted, rows[:limit], more_before=cursor is not None, more_after=len(rows) > limit)


async def _sweep(session: AsyncSession, wanted: QueueFilter, where: list[ColumnElement[bool]], cursor: Cursor | None,
                 backwards: bool, limit: int) -> list[Ticket]:
    """Up to `limit` tickets from the cursor on (backwards: before it, the nearest first), leg after leg."""
    rows: list[Ticket] = []
    for leg in reversed(legs(wanted)) if backwards else legs(wanted):
        seek = None  # where in this leg to start: at the cursor if it holds it, else at the leg's start (or end)
        if cursor is not None:
            side = leg.holds(cursor)
            if side == (1 if backwards else -1):
                continue  # this whole leg lies on the other side of the cursor
            seek = cursor if side == 0 else None
        rows += await session.scalars(leg.query(where, seek, backwards, limit - len(rows)))
        if len(rows) >= limit:
            break
    return rows


def _page(wanted: QueueFilter, rows: list[Ticket], *, more_before: bool, more_after: bool) -> QueuePage:
    return QueuePage(rows, after=Cursor.of(rows[-1], wanted.status).token() if rows and more_after else None,
                     before=Cursor.of(rows[0], wanted.status).token() if rows and more_before else None)
