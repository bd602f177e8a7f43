"""`python -m bot.privacy`: the retention purge and data-subject requests from the command line.

    purge [--days N]                      erase every conversation with no message for N days (RETENTION_DAYS)
    export  --ticket W-000012 | --conversation ID | --channel whatsapp --sender 4915...  [--out FILE]
    erase   (the same selectors) --yes    erase those conversations in both databases

Every action is written to the inbox's audit log (with counts, never with whose data it was).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import make_engine, make_sessionmaker
from bot.privacy.records import audit, erase, export, find, purge
from bot.privacy.tracker import TrackerStore
from bot.settings import Settings


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(prog="python -m bot.privacy")
    commands = cli.add_subparsers(dest="command", required=True)
    commands.add_parser("purge").add_argument("--days", type=int, help="default: RETENTION_DAYS")
    for name in ("export", "erase"):
        command = commands.add_parser(name)
        command.add_argument("--ticket")
        command.add_argument("--conversation")
        command.add_argument("--channel", choices=["web", "telegram", "whatsapp"])
        command.add_argument("--sender", help="the channel's id of the person (chat id, phone number, user id)")
        command.add_argument("--actor", default=os.environ.get("USER", "admin"), help="who asks (audit log)")
        if name == "export":
            command.add_argument("--out", type=Path, help="default: standard output")
        else:
            command.add_argument("--yes", action="store_true", help="really erase")
    return cli


async def run(args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings.database_url)
    sessions, tracker = make_sessionmaker(engine), TrackerStore(settings.tracker_url)
    try:
        if args.command == "purge":
            erased = await purge(sessions, tracker, args.days or settings.retention_days)
            print(json.dumps(erased.as_dict()))
            return 0
        async with sessions() as session:
            return await subject_request(args, session, tracker)
    finally:
        await tracker.close()
        await engine.dispose()


async def subject_request(args: argparse.Namespace, session: AsyncSession, tracker: TrackerStore) -> int:
    ids = await find(session, ticket=args.ticket, conversation=args.conversation, channel=args.channel,
                     sender=args.sender)
    if not ids:
        print("nothing found for that selector", file=sys.stderr)
        return 1
    if args.command == "export":
        document = json.dumps(await export(session, tracker, ids), ensure_ascii=False, indent=2)
        await audit(session, args.actor, "data_exported", {"conversations": len(ids)})
        if args.out:
            args.out.touch(mode=0o600)
            args.out.write_text(document, encoding="utf-8")
        else:
            print(document)
        return 0
    if not args.yes:
        print(f"{len(ids)} conversation(s) found; add --yes to erase them", file=sys.stderr)
        return 2
    print(json.dumps((await erase(session, tracker, ids, actor=args.actor)).as_dict()))
    return 0


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(run(parser().parse_args(argv), Settings()))


if __name__ == "__main__":
    sys.exit(main())
