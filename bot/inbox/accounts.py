"""Staff accounts, offices and login sessions (argon2 password hashes, hashed session tokens)."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversations.models import as_utc, utcnow
from bot.inbox.models import ROLES, AuditEntry, Office, StaffSession, StaffUser
from bot.knowledge.schema import InboxRouting
from bot.tokens import hash_token, new_token

SESSION_HOURS = 12  # one working day; then log in again
MIN_PASSWORD_CHARS = 10
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
OFFICE_KEY = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verifying against this keeps a login for an unknown user as slow as one with a wrong password."""
    return _hasher.hash(secrets.token_urlsafe(16))


class AccountError(Exception):
    """Invalid account or office data; the message is shown to the admin."""


class Accounts:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- offices ---
    async def offices(self) -> list[Office]:
        return list(await self.session.scalars(select(Office).order_by(Office.name)))

    async def sync_offices(self, routing: InboxRouting) -> None:
        """Create the site file's offices that the database does not have yet (names stay editable)."""
        known = {office.key for office in await self.offices()}
        for key, name in routing.offices.items():
            if key not in known:
                self.session.add(Office(key=key, name=name))
        await self.session.commit()

    async def create_office(self, key: str, name: str, actor: str) -> Office:
        key, name = key.strip(), name.strip()
        if not OFFICE_KEY.match(key):
            raise AccountError("Kürzel: Kleinbuchstaben, Ziffern und _, 2–40 Zeichen, beginnt mit einem Buchstaben.")
        if not name:
            raise AccountError("Der Name der Dienststelle fehlt.")
        if await self.session.get(Office, key):
            raise AccountError(f"Die Dienststelle {key} gibt es schon.")
        office = Office(key=key, name=name)
        self.session.add(office)
        self.session.add(AuditEntry(actor=actor, action="office_created", details={"office": key, "name": name}))
        await self.session.commit()
        return office

    # --- users ---
    async def users(self) -> list[StaffUser]:
        return list(await self.session.scalars(select(StaffUser).order_by(StaffUser.username)))

    async def user(self, username: str) -> StaffUser | None:
        return await self.session.scalar(select(StaffUser).where(StaffUser.username == username))

    async def create_user(self, *, username: str, display_name: str, password: str, role: str,
                          office: str | None, actor: str) -> StaffUser:
        username = username.strip().lower()
        if not USERNAME.match(username):
            raise AccountError("Benutzername: 2–80 Zeichen, Kleinbuchstaben, Ziffern, Punkt, Binde- oder Unterstrich.")
        await self._check_role(role, office)
        if await self.user(username):
            raise AccountError(f"Den Benutzernamen {username} gibt es schon.")
        user = StaffUser(username=username, display_name=display_name.strip() or username,
                         password_hash=self._hash(password), role=role, office=office or None)
        self.session.add(user)
        self.session.add(AuditEntry(actor=actor, action="user_created",
                                    details={"user": username, "role": role, "office": office}))
        await self.session.commit()
        return user

    async def set_password(self, username: str, password: str, actor: str) -> None:
        user = await self._existing(username)
        user.password_hash = self._hash(password)
        await self.session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
        self.session.add(AuditEntry(actor=actor, action="password_set", details={"user": username}))
        await self.session.commit()

    async def set_role(self, username: str, role: str, office: str | None, actor: str) -> None:
        """Change what an account may see: its role and its office."""
        user = await self._existing(username)
        await self._check_role(role, office)
        if actor == username and role != "admin":
            raise AccountError("Sie können sich nicht selbst die Administration entziehen.")
        user.role, user.office = role, office or None
        self.session.add(AuditEntry(actor=actor, action="user_changed",
                                    details={"user": username, "role": role, "office": office}))
        await self.session.commit()

    async def set_active(self, username: str, active: bool, actor: str) -> None:
        user = await self._existing(username)
        if actor == username and not active:
            raise AccountError("Sie können Ihr eigenes Konto nicht deaktivieren.")
        user.active = active
        if not active:  # a deactivated account is logged out everywhere at once
            await self.session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
        self.session.add(AuditEntry(actor=actor, action="user_activated" if active else "user_deactivated",
                                    details={"user": username}))
        await self.session.commit()

    async def _check_role(self, role: str, office: str | None) -> None:
        if role not in ROLES:
            raise AccountError(f"Rolle muss eine von {', '.join(ROLES)} sein.")
        if role == "agent" and not office:
            raise AccountError("Sachbearbeitende brauchen eine Dienststelle.")
        if office and not await self.session.get(Office, office):
            raise AccountError(f"Unbekannte Dienststelle {office}.")

    async def _existing(self, username: str) -> StaffUser:
        user = await self.user(username)
        if user is None:
            raise AccountError(f"Unbekannter Benutzer {username}.")
        return user

    @staticmethod
    def _hash(password: str) -> str:
        if len(password) < MIN_PASSWORD_CHARS:
            raise AccountError(f"Das Passwort braucht mindestens {MIN_PASSWORD_CHARS} Zeichen.")
        return _hasher.hash(password)

    # --- login sessions ---
    async def authenticate(self, username: str, password: str) -> StaffUser | None:
        user = await self.user(username.strip().lower())
        try:
            _hasher.verify(user.password_hash if user else _dummy_hash(), password)
        except (VerificationError, InvalidHashError):
            return None
        if user is None or not user.active:
            return None
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        return user

    async def start_session(self, user: StaffUser) -> str:
        """A new login; returns the cookie token (the database keeps only its hash)."""
        token = new_token()
        now = utcnow()
        self.session.add(StaffSession(token_hash=hash_token(token), user_id=user.id,
                                      csrf_token=secrets.token_urlsafe(32), created_at=now,
                                      expires_at=now + dt.timedelta(hours=SESSION_HOURS)))
        user.last_login_at = now
        self.session.add(AuditEntry(actor=user.username, action="login", details={}))
        await self.session.commit()
        return token

    async def session_for(self, token: str) -> tuple[StaffSession, StaffUser] | None:
        login = await self.session.get(StaffSession, hash_token(token))
        if login is None or as_utc(login.expires_at) <= utcnow():
            return None
        user = await self.session.get(StaffUser, login.user_id)
        if user is None or not user.active:
            return None
        return login, user

    async def end_session(self, token: str, actor: str) -> None:
        await self.session.execute(delete(StaffSession).where(StaffSession.token_hash == hash_token(token)))
        self.session.add(AuditEntry(actor=actor, action="logout", details={}))
        await self.session.commit()
