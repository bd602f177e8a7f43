"""Rendering the inbox's pages (Jinja2, German labels) and the small helpers every page route shares."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from bot.inbox import labels
from bot.inbox.auth import Staff
from bot.knowledge.schema import TOPICS
from bot.languages import SUPPORTED_LANGUAGES

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals.update(labels=labels, languages=SUPPORTED_LANGUAGES, topics=TOPICS)
templates.env.filters["ago"] = labels.ago
templates.env.filters["clock"] = labels.clock
templates.env.filters["language"] = labels.language_label
templates.env.filters["number"] = labels.number
templates.env.finalize = labels.neutral_bidi  # a person's text cannot turn the staff's view around


def render(request: Request, name: str, staff: Staff | None, status_code: int = 200, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"staff": staff, **context}, status_code=status_code)


def fields(form: FormData) -> Callable[[str], str]:
    return lambda name: str(form.get(name) or "")


ERROR_TITLES = {403: "Keine Berechtigung", 404: "Nicht gefunden"}


def error_page(request: Request, status_code: int, message: str) -> HTMLResponse:
    """An inbox error as a page a caseworker can read (JSON clients get the usual JSON)."""
    return render(request, "error.html", None, status_code=status_code, message=message,
                  title=ERROR_TITLES.get(status_code, "Fehler"))


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=status.HTTP_303_SEE_OTHER)


async def discard(session: AsyncSession) -> None:
    """Undo a refused action; the page is then rendered from freshly loaded rows."""
    await session.rollback()
    session.expunge_all()
