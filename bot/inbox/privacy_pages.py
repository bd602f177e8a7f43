"""Data-subject requests in the inbox (admins only): find a person's conversations by ticket number,
conversation id or channel identity, download everything held about them as one JSON file (GDPR Art. 15),
or erase it from both databases (Art. 17). Both are written to the audit log, with counts only."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, Response

from bot.gateway.deps import ServicesDep, SessionDep
from bot.inbox.auth import AdminDep, AdminFormDep
from bot.inbox.rendering import fields, render
from bot.inbox.staff_api import TicketsDep
from bot.privacy.records import audit, erase, export, find

router = APIRouter(prefix="/inbox/admin/privacy", include_in_schema=False)
CHANNELS = ("web", "telegram", "whatsapp")


async def _found(session: SessionDep, ticket: str, conversation: str, channel: str, sender: str) -> list[str]:
    return await find(session, ticket=ticket or None, conversation=conversation or None,
                      channel=channel if channel in CHANNELS else None, sender=sender or None)


@router.get("")
async def privacy_page(request: Request, staff: AdminDep, session: SessionDep, tickets: TicketsDep,
                       ticket: str = "", conversation: str = "", channel: str = "", sender: str = "",
                       done: str = "") -> HTMLResponse:
    searched = bool(ticket or conversation or (channel and sender))
    found = await _found(session, ticket, conversation, channel, sender) if searched else []
    return render(request, "privacy.html", staff, ticket=ticket, conversation=conversation, channel=channel,
                  sender=sender, searched=searched, found=found, done=done, channels=CHANNELS,
                  waiting=await tickets.count_waiting(None))


@router.post("/{action}")
async def privacy_action(request: Request, action: str, staff: AdminFormDep, session: SessionDep,
                         services: ServicesDep, tickets: TicketsDep) -> Response:
    field = fields(await request.form())
    found = await _found(session, field("ticket"), field("conversation"), field("channel"), field("sender"))
    if action == "export" and found:
        document = await export(session, services.tracker, found)
        await audit(session, staff.username, "data_exported", {"conversations": len(found)})
        return Response(json.dumps(document, ensure_ascii=False, indent=2), media_type="application/json",
                        headers={"Content-Disposition": 'attachment; filename="willkommen-daten.json"'})
    if action == "erase" and found and field("confirm") == "ja":
        erased = await erase(session, services.tracker, found, actor=staff.username)
        return await privacy_page(request, staff, session, tickets,
                                  done=f"{erased.conversations} Gespräch(e), {erased.messages} Nachrichten, "
                                       f"{erased.tickets} Ticket(s) und {erased.tracker_events} Rasa-Ereignisse "
                                       "gelöscht.")
    page = await privacy_page(request, staff, session, tickets, ticket=field("ticket"),
                              conversation=field("conversation"), channel=field("channel"), sender=field("sender"))
    page.status_code = status.HTTP_422_UNPROCESSABLE_CONTENT  # nothing found, or erasing not confirmed
    return page
