"""Staff accounts from the command line: `python -m bot.inbox create-user|set-password|ensure-demo`.

The first admin of a city is created here; everyone else can then be managed in /inbox/admin.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import secrets
import string
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from bot.db import make_engine, make_sessionmaker
from bot.inbox.accounts import AccountError, Accounts
from bot.knowledge.loader import load_site
from bot.paths import ROOT
from bot.settings import get_settings

T = TypeVar("T")

DEMO_USER = "demo"


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Passwort: ")
    if getpass.getpass("Noch einmal: ") != first:
        raise AccountError("Die Passwörter stimmen nicht überein.")
    return first


async def _with_accounts(action: Callable[[Accounts], Awaitable[T]]) -> T:
    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            accounts = Accounts(session)
            await accounts.sync_offices(load_site(settings.site_file).inbox)
            return await action(accounts)
    finally:
        await engine.dispose()


def ensure_demo(var_dir: Path) -> str:
    """The demo account of `make run` (an admin who sees every office); its password lives in var/."""
    password_file = var_dir / "demo-staff-password"
    known = password_file.read_text().strip() if password_file.exists() else None
    password = known or "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(16))

    async def action(accounts: Accounts) -> None:
        if await accounts.user(DEMO_USER) is None:
            await accounts.create_user(username=DEMO_USER, display_name="Demo (Welcome Center)",
                                       password=password, role="admin", office="welcome_center", actor="cli")
        elif known is None:
            await accounts.set_password(DEMO_USER, password, actor="cli")

    asyncio.run(_with_accounts(action))
    if known is None:
        var_dir.mkdir(parents=True, exist_ok=True)
        password_file.write_text(password + "\n")
        password_file.chmod(0o600)
    return password


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.inbox", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-user", help="create a staff account (the first admin, say)")
    create.add_argument("--username", required=True)
    create.add_argument("--display-name", default="")
    create.add_argument("--role", choices=["agent", "admin"], default="agent")
    create.add_argument("--office", help="office key (agents need one): see the site file's inbox.offices")
    create.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    reset = commands.add_parser("set-password", help="set a new password (logs the account out everywhere)")
    reset.add_argument("--username", required=True)
    reset.add_argument("--password-stdin", action="store_true")
    demo = commands.add_parser("ensure-demo", help="create the demo account and print its credentials")
    demo.add_argument("--var-dir", type=Path, default=Path(os.environ.get("WILLKOMMEN_VAR_DIR", ROOT / "var")))
    args = parser.parse_args(argv)
    try:
        if args.command == "create-user":
            password = _password(args)
            asyncio.run(_with_accounts(lambda a: a.create_user(
                username=args.username, display_name=args.display_name or args.username, password=password,
                role=args.role, office=args.office, actor="cli")))
            print(f"created {args.role} {args.username}")
        elif args.command == "set-password":
            password = _password(args)
            asyncio.run(_with_accounts(lambda a: a.set_password(args.username, password, actor="cli")))
            print(f"new password set for {args.username}")
        else:
            print(f"{DEMO_USER} {ensure_demo(args.var_dir)}")
    except AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
