"""The staff JSON API for integrations (one shared token, all offices); people use the inbox (`pages.py`)."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable
from typing import Annotated, Literal, TypeVar

from fastapi import APIRouter, Depends, Header, Query, status
from pydantic import BaseModel, Field

from bot.conversations import transcript
from bot.gateway.deps import EventsDep, SessionDep, SettingsDep
from bot.gateway.errors import ApiError
from bot.inbox.accounts import OFFICE_KEY
from bot.inbox.queue import LANGUAGE, MAX_PAGE_SIZE, TOPIC, Cursor, QueueFilter
from bot.inbox.ticket_reads import TicketNotFound, ticket_summary
from bot.inbox.tickets import TicketConflict, TicketService


def require_staff(settings: SettingsDep, authorization: Annotated[str | None, Header()] = None) -> None:
    expected = f"Bearer {settings.staff_api_token.get_secret_value()}".encode()
    if not hmac.compare_digest((authorization or "").encode(), expected):
        raise ApiError(status.HTTP_401_UNAUTHORIZED, "token_invalid", "The staff API token is missing or wrong.",
                       headers={"WWW-Authenticate": "Bearer"})


T = TypeVar("T")
router = APIRouter(prefix="/api/v1/staff/tickets", tags=["staff"], dependencies=[Depends(require_staff)])


def get_tickets(session: SessionDep, events: EventsDep) -> TicketService:
    return TicketService(session, events)


TicketsDep = Annotated[TicketService, Depends(get_tickets)]


class StaffAction(BaseModel):
    staff: str = Field(min_length=1, max_length=80, description="who acts (recorded in the audit log)")


class StaffReply(StaffAction):
    text: str = Field(min_length=1, max_length=4000)


async def _run(coro: Awaitable[T]) -> T:
    try:
        return await coro
    except TicketNotFound:
        raise ApiError(status.HTTP_404_NOT_FOUND, "ticket_not_found", "There is no such ticket.") from None
    except TicketConflict as exc:
        raise ApiError(status.HTTP_409_CONFLICT, "ticket_conflict", str(exc)) from None


@router.get("")
async def list_tickets(tickets: TicketsDep,
                       state: Annotated[Literal["waiting", "assigned", "resolved", "open"],
                                        Query(alias="status")] = "open",
                       office: Annotated[str | None, Query(pattern=OFFICE_KEY.pattern)] = None,
                       language: Annotated[str | None, Query(pattern=LANGUAGE.pattern)] = None,
                       topic: Annotated[str | None, Query(pattern=TOPIC.pattern)] = None,
                       channel: Literal["web", "telegram", "whatsapp"] | None = None,
                       urgent: bool | None = None,
                       limit: Annotated[int | None, Query(ge=1, le=MAX_PAGE_SIZE,
                                                          description="page size; with it (or `after`) the "
                                                          "answer also has `next_after`")] = None,
                       after: Annotated[str | None, Query(max_length=64, description="`next_after` of the "
                                                          "previous page")] = None) -> dict:
    """Urgent first, then the longest waiting (resolved: the latest first); at most 500 unless paged."""
    wanted = QueueFilter(status=state, office=office, language=language, topic=topic, channel=channel, urgent=urgent)
    if limit is None and after is None:  # the answer's shape from before there were pages
        return {"tickets": [ticket_summary(t) for t in await tickets.queue(wanted)]}
    if after is not None and Cursor.parse(after) is None:
        raise ApiError(status.HTTP_422_UNPROCESSABLE_CONTENT, "cursor_invalid",
                       "`after` must be the `next_after` of a previous page.")
    page = await tickets.queue_page(wanted, after=after, limit=limit or MAX_PAGE_SIZE)
    return {"tickets": [ticket_summary(t) for t in page.tickets], "next_after": page.after}


@router.get("/{number}")
async def get_ticket(number: str, tickets: TicketsDep) -> dict:
    ticket = await _run(tickets.get(number))
    return {"ticket": ticket_summary(ticket),
            "transcript": [m.model_dump(mode="json") for m in await tickets.transcript(ticket)]}


@router.post("/{number}/claim")
async def claim(number: str, body: StaffAction, tickets: TicketsDep) -> dict:
    return {"ticket": ticket_summary(await _run(tickets.claim(number, body.staff)))}


@router.post("/{number}/reply")
async def reply(number: str, body: StaffReply, tickets: TicketsDep) -> dict:
    message = await _run(tickets.reply(number, body.staff, body.text))
    return {"message": transcript.chat_message(message).model_dump(mode="json")}


@router.post("/{number}/resolve")
async def resolve(number: str, body: StaffAction, tickets: TicketsDep) -> dict:
    return {"ticket": ticket_summary(await _run(tickets.resolve(number, body.staff)))}
