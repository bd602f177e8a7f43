"""The inbox's administration pages: accounts and offices, handoff statistics, the audit log (admins only)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from bot.gateway.deps import KnowledgeDep, SessionDep
from bot.inbox.accounts import AccountError, Accounts
from bot.inbox.auth import AdminDep, AdminFormDep
from bot.inbox.models import AuditEntry
from bot.inbox.rendering import discard, fields, render, see_other
from bot.inbox.staff_api import TicketsDep
from bot.inbox.stats import handoff_stats
from bot.inbox.ticket_reads import TicketNotFound
from bot.knowledge.loader import KnowledgeBase
from bot.languages import SUPPORTED_LANGUAGES

REVIEW_STATES = ("source", "reviewed", "draft")


def translation_review(kb: KnowledgeBase) -> dict[str, object]:
    """Per language, how many entries are in each review state; per entry, each language's state."""
    entries = sorted(kb.entries.values(), key=lambda e: (e.topic, e.id))
    counts = {lang: {state: sum(e.review.get(lang) == state for e in entries) for state in REVIEW_STATES}
              for lang in SUPPORTED_LANGUAGES}
    return {"languages": SUPPORTED_LANGUAGES, "counts": counts,
            "entries": [(e.id, e.topic, [e.review.get(lang, "draft") for lang in SUPPORTED_LANGUAGES])
                        for e in entries]}

router = APIRouter(prefix="/inbox", include_in_schema=False)


@router.get("/admin")
async def admin_page(request: Request, staff: AdminDep, session: SessionDep, tickets: TicketsDep, kb: KnowledgeDep,
                     error: str | None = None, status_code: int = 200) -> HTMLResponse:
    accounts = Accounts(session)
    return render(request, "admin.html", staff, status_code=status_code, users=await accounts.users(),
                  offices=await accounts.offices(), stats=await handoff_stats(session), error=error,
                  waiting=await tickets.count_waiting(None), review=translation_review(kb))


@router.post("/admin/{what}")
async def admin_action(request: Request, what: str, staff: AdminFormDep, session: SessionDep,
                       tickets: TicketsDep, kb: KnowledgeDep) -> Response:
    field = fields(await request.form())
    accounts = Accounts(session)
    try:
        match what:
            case "users":
                await accounts.create_user(username=field("username"), display_name=field("display_name"),
                                           password=field("password"), role=field("role"),
                                           office=field("office") or None, actor=staff.username)
            case "role":
                await accounts.set_role(field("username"), field("role"), field("office") or None, staff.username)
            case "active":
                await accounts.set_active(field("username"), field("active") == "1", staff.username)
            case "password":
                await accounts.set_password(field("username"), field("password"), staff.username)
            case "offices":
                await accounts.create_office(field("key"), field("name"), staff.username)
            case _:
                raise HTTPException(status.HTTP_404_NOT_FOUND, "Unbekannte Aktion.")
    except AccountError as exc:
        await discard(session)
        return await admin_page(request, staff, session, tickets, kb, error=str(exc),
                                status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    return see_other("/inbox/admin")


@router.get("/audit")
async def audit_page(request: Request, staff: AdminDep, session: SessionDep, tickets: TicketsDep,
                     ticket: str = "") -> HTMLResponse:
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(300)
    if ticket:
        try:
            query = query.where(AuditEntry.ticket_id == (await tickets.get(ticket)).id)
        except TicketNotFound:
            query = query.where(AuditEntry.id < 0)
    return render(request, "audit.html", staff, entries=list(await session.scalars(query)), ticket=ticket,
                  waiting=await tickets.count_waiting(None))
