"""The staff inbox: server-rendered pages under /inbox/ (Jinja2; a small script adds live updates).

Every form carries the session's CSRF token; every page needs a login; agents see their own
office's tickets only (another office's ticket is a 404, not a 403: its existence is not shown).
"""

from __future__ import annotations

import asyncio
import json
import secrets
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, Response
from sse_starlette import EventSourceResponse, ServerSentEvent

from bot.conversations.events import STAFF_CHANNEL
from bot.gateway.deps import EventsDep, KnowledgeDep, Limited, ServicesDep, SessionDep, SettingsDep, client_address
from bot.gateway.sse import event_stream, sse_response
from bot.inbox import labels
from bot.inbox.accounts import Accounts
from bot.inbox.auth import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    SESSION_MAX_AGE,
    Staff,
    StaffDep,
    StaffFormDep,
    check_csrf,
)
from bot.inbox.queue_view import QueueQuery, language_choices
from bot.inbox.rendering import discard, fields, render, see_other
from bot.inbox.staff_api import TicketsDep
from bot.inbox.ticket_reads import TicketNotFound
from bot.inbox.tickets import TicketConflict
from bot.knowledge.loader import KnowledgeBase

router = APIRouter(prefix="/inbox", include_in_schema=False)


# --- login ---

@router.get("/login")
async def login_form(request: Request, settings: SettingsDep, next: str = "/inbox/") -> HTMLResponse:  # noqa: A002
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = render(request, "login.html", None, login_csrf=token, next=_safe_next(next))
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/inbox/",
                        secure=settings.environment == "production")
    return response


@router.post("/login")
async def login(request: Request, session: SessionDep, settings: SettingsDep, services: ServicesDep,
                username: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
                csrf_token: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/inbox/") -> Response:  # noqa: A002
    check_csrf(csrf_token, request.cookies.get(LOGIN_CSRF_COOKIE))  # double submit: no session yet
    limits = services.rate_limits
    try:  # many attempts from one address are refused; failures on one account only slow it down
        await limits.check("logins", client_address(request))
    except Limited as exc:
        refused = render(request, "login.html", None, status_code=status.HTTP_429_TOO_MANY_REQUESTS,
                         login_csrf=csrf_token, next=_safe_next(next),
                         error=f"Zu viele Anmeldeversuche von dieser Adresse. Bitte in {exc.retry_after} Sekunden "
                               "erneut versuchen.")
        refused.headers["Retry-After"] = str(exc.retry_after)
        return refused
    await asyncio.sleep(await limits.login_delay(username))
    accounts = Accounts(session)
    user = await accounts.authenticate(username, password)
    if user is None:
        await limits.login_failed(username)
        return render(request, "login.html", None, status_code=status.HTTP_401_UNAUTHORIZED,
                      login_csrf=csrf_token, next=_safe_next(next),
                      error="Benutzername oder Passwort stimmt nicht (oder das Konto ist deaktiviert).")
    await limits.login_succeeded(username)
    token = await accounts.start_session(user)
    response = see_other(_safe_next(next))
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", path="/",
                        secure=settings.environment == "production", max_age=SESSION_MAX_AGE)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/inbox/")
    return response


def _safe_next(target: str) -> str:
    """Only a path inside the inbox: a login link must not send anyone elsewhere."""
    return target if target.startswith("/inbox/") else "/inbox/"


@router.post("/logout")
async def logout(request: Request, staff: StaffFormDep, session: SessionDep) -> Response:
    await Accounts(session).end_session(request.cookies.get(SESSION_COOKIE, ""), staff.username)
    response = see_other("/inbox/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- the queue ---

@router.get("/")
async def queue(request: Request, staff: StaffDep, tickets: TicketsDep, session: SessionDep,
                notfound: str = "") -> HTMLResponse:
    """A page of a view (`queue.py`), with how many tickets each filter value gives (`queue_counts.py`);
    the view, its filters and the page come from the query string (`queue_view.py`)."""
    asked = QueueQuery.read(request.query_params)
    office, me = staff.visible_office, staff.username
    page = await tickets.queue_page(asked.wanted, visible_office=office, me=me, after=asked.after,
                                    before=asked.before, limit=asked.limit)
    counts = await tickets.queue_counts(asked.wanted, visible_office=office, me=me)
    return render(request, "queue.html", staff, tickets=page.tickets, page=page, asked=asked, wanted=asked.wanted,
                  counts=counts, language_choices=language_choices(counts.language),
                  last_words=await tickets.last_words(page.tickets), channels=await tickets.channels(page.tickets),
                  waiting=await tickets.count_waiting(office), offices=await Accounts(session).offices(),
                  notfound=notfound)


@router.get("/search")
async def search(staff: StaffDep, tickets: TicketsDep, q: str = "") -> Response:
    try:
        ticket = await tickets.get(q, staff.visible_office)
    except TicketNotFound:
        return see_other("/inbox/?" + urlencode({"status": "open", "notfound": q}))
    return see_other(f"/inbox/tickets/{ticket.number}")


@router.get("/events")
async def staff_events(staff: StaffDep, session: SessionDep, events: EventsDep) -> EventSourceResponse:
    """Server-sent events for the open inbox pages: a ticket was opened or changed, a person wrote."""
    office = staff.visible_office
    await session.close()  # no transaction may stay open for the life of the stream

    async def ticket_event(event: dict) -> list[ServerSentEvent]:
        if office is not None and event.get("office") != office:  # another office's ticket
            return []
        return [ServerSentEvent(data=json.dumps(event), event="ticket")]

    async def connected() -> list[ServerSentEvent]:
        return [ServerSentEvent(comment="connected")]

    return sse_response(event_stream(events, STAFF_CHANNEL, ticket_event, connected))


# --- one conversation ---

async def _ticket_page(request: Request, staff: Staff, tickets: TicketsDep, kb: KnowledgeBase, session: SessionDep,
                       number: str, *, error: str | None = None, status_code: int = 200) -> HTMLResponse:
    try:
        ticket = await tickets.get(number, staff.visible_office)
    except TicketNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Ticket {number} nicht gefunden.") from None
    conversation = await tickets.conversation(ticket)
    accounts = Accounts(session)
    colleagues = [u for u in await accounts.users()
                  if u.active and (u.is_admin or u.office == ticket.office)]
    guesses = [(kb.entries[g["kb_id"]], g.get("score")) for g in ticket.guesses or [] if g.get("kb_id") in kb.entries]
    return render(request, "ticket.html", staff, status_code=status_code, ticket=ticket, conversation=conversation,
                  transcript=await tickets.transcript(ticket), notes=await tickets.notes(ticket),
                  deliveries=await tickets.deliveries(ticket),
                  history=await tickets.history(ticket), colleagues=colleagues, offices=await accounts.offices(),
                  guesses=guesses, entries=sorted(kb.entries.values(), key=lambda e: (e.topic, e.id)),
                  kb=kb, canned=labels.canned_replies(), error=error,
                  waiting=await tickets.count_waiting(staff.visible_office))


@router.get("/tickets/{number}")
async def ticket_view(request: Request, number: str, staff: StaffDep, tickets: TicketsDep, kb: KnowledgeDep,
                      session: SessionDep) -> HTMLResponse:
    return await _ticket_page(request, staff, tickets, kb, session, number)


@router.post("/tickets/{number}/{action}")
async def ticket_action(request: Request, number: str, action: str, staff: StaffFormDep, tickets: TicketsDep,
                        kb: KnowledgeDep, session: SessionDep) -> Response:
    field = fields(await request.form())
    office, me = staff.visible_office, staff.username
    try:
        match action:
            case "claim":
                await tickets.claim(number, me, office)
            case "assign":
                await _check_assignee(session, tickets, number, field("to"), office)
                await tickets.assign(number, field("to"), me, office)
            case "unassign":
                await tickets.unassign(number, me, office)
            case "move":
                await tickets.move(number, field("office"), me, office)
            case "reply":
                await tickets.reply(number, me, field("text"), office)
            case "answer":
                entry = kb.entries.get(field("kb_id"))
                if entry is None:
                    raise TicketConflict("Bitte wählen Sie einen Eintrag der Wissensdatenbank.")
                await tickets.reply_with_entry(number, me, entry, office)
            case "canned":
                canned = labels.canned_replies().get(field("key"))
                if canned is None:
                    raise TicketConflict("Bitte wählen Sie eine vorbereitete Antwort.")
                await tickets.reply_canned(number, me, field("key"), canned["text"], office)
            case "note":
                await tickets.add_note(number, me, field("text"), office)
            case "resolve":
                await tickets.resolve(number, me, office)
            case "reopen":
                await tickets.reopen(number, me, staff.user.display_name, office)
            case _:
                raise HTTPException(status.HTTP_404_NOT_FOUND, "Unbekannte Aktion.")
    except TicketNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Ticket {number} nicht gefunden.") from None
    except TicketConflict as exc:
        await discard(session)
        return await _ticket_page(request, staff, tickets, kb, session, number, error=str(exc),
                                  status_code=status.HTTP_409_CONFLICT)
    if action == "move" and office is not None and field("office") != office:
        return see_other("/inbox/")  # handed to another team: no longer visible to this agent
    return see_other(f"/inbox/tickets/{(await tickets.get(number)).number}")


async def _check_assignee(session: SessionDep, tickets: TicketsDep, number: str, username: str,
                          office: str | None) -> None:
    ticket = await tickets.get(number, office)
    user = await Accounts(session).user(username)
    if user is None or not user.active or not (user.is_admin or user.office == ticket.office):
        raise TicketConflict(f"{username or 'Niemand'} kann dieses Ticket nicht übernehmen "
                             "(unbekannt, deaktiviert oder aus einer anderen Dienststelle).")
