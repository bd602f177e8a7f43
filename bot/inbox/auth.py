"""Who is using the inbox: the session cookie, the CSRF token on every form, admin-only pages."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from bot.gateway.deps import SessionDep
from bot.inbox.accounts import SESSION_HOURS, Accounts
from bot.inbox.models import StaffUser

SESSION_COOKIE = "wk_staff"
LOGIN_CSRF_COOKIE = "wk_login_csrf"
CSRF_FIELD = "csrf_token"
SESSION_MAX_AGE = SESSION_HOURS * 3600  # the cookie lives as long as the session row


class LoginRequired(Exception):
    """No valid session: pages redirect to the login form, the inbox's JSON and event routes answer 401."""


@dataclass(frozen=True)
class Identity:
    """A snapshot of the logged-in account (never a database row that a rollback could expire)."""

    username: str
    display_name: str
    role: str
    office: str | None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @classmethod
    def of(cls, user: StaffUser) -> Identity:
        return cls(user.username, user.display_name, user.role, user.office)


@dataclass(frozen=True)
class Staff:
    user: Identity
    csrf_token: str

    @property
    def username(self) -> str:
        return self.user.username

    @property
    def visible_office(self) -> str | None:
        """The office whose tickets this person may see; None = all (admins)."""
        return None if self.user.is_admin else self.user.office


async def current_staff(request: Request, session: SessionDep) -> Staff:
    token = request.cookies.get(SESSION_COOKIE)
    found = await Accounts(session).session_for(token) if token else None
    if found is None:
        raise LoginRequired
    login, user = found
    return Staff(user=Identity.of(user), csrf_token=login.csrf_token)


def check_csrf(sent: str | None, expected: str | None) -> None:
    if not sent or not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            "Sicherheitsprüfung fehlgeschlagen (CSRF): Bitte laden Sie die Seite neu und "
                            "versuchen Sie es noch einmal.")


async def staff_form(request: Request, staff: Annotated[Staff, Depends(current_staff)]) -> Staff:
    """A logged-in person posting a form of the inbox with the right CSRF token."""
    sent = (await request.form()).get(CSRF_FIELD)
    check_csrf(sent if isinstance(sent, str) else None, staff.csrf_token)
    return staff


def _only_admins(staff: Staff) -> Staff:
    if not staff.user.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Nur für Administratorinnen und Administratoren.")
    return staff


async def admin_form(staff: Annotated[Staff, Depends(staff_form)]) -> Staff:
    return _only_admins(staff)


async def admin(staff: Annotated[Staff, Depends(current_staff)]) -> Staff:
    return _only_admins(staff)


StaffDep = Annotated[Staff, Depends(current_staff)]
StaffFormDep = Annotated[Staff, Depends(staff_form)]
AdminDep = Annotated[Staff, Depends(admin)]
AdminFormDep = Annotated[Staff, Depends(admin_form)]
