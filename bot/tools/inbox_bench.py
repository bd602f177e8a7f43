"""`python -m bot.tools.inbox_bench`: the staff inbox's queue page at 10,000 tickets, over real HTTP.

Creates a scratch PostgreSQL database and migrates it (alembic upgrade head), seeds `--tickets` tickets
(`inbox_seed.py`), creates an admin and an agent with the inbox's accounts code, starts the gateway in its
own process (uvicorn, a free loopback port), logs both in through the login form and requests every
case (first pages, pages deep in the list, each filter) `--requests` times, one after another. The
EXPLAIN part runs the very statements a case's page sends (recorded here, from the same query code),
with ANALYZE. Writes reports/inbox/bench.json and bench.md; the scratch database is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import numpy as np
import psycopg
from alembic import command
from alembic.config import Config
from sqlalchemy import func, select

from bot.conversations.models import Ticket
from bot.db import make_engine, make_sessionmaker
from bot.inbox.accounts import Accounts
from bot.inbox.queue import OPEN, Cursor, read_page
from bot.inbox.queue_counts import queue_counts
from bot.inbox.queue_view import QueueQuery
from bot.paths import ROOT
from bot.tools.inbox_seed import routing_of, seed
from bot.tools.local_env import UNLIMITED_RATES, free_port
from bot.tools.postgres_admin import driver_url, drop_databases, ensure_database
from bot.tools.query_plans import Plan, explain, recorded
from bot.tools.reports import save_report
from bot.tools.staff_session import logged_in

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/willkommen_inbox_bench"
OUT = ROOT / "reports" / "inbox"
ADMIN, AGENT = "bench-admin", "bench-agent"
ROWS = re.compile(r'data-ticket="')
TOTAL = re.compile(r"([\d.]+) Tickets? in dieser Ansicht")
CASES = [  # name, who asks, query string ({open} and {resolved}: a cursor in the middle of that view)
    ("first page (waiting)", ADMIN, ""),
    ("first page, all open", ADMIN, "status=open"),
    ("deep page, all open (middle)", ADMIN, "status=open&after={open}"),
    ("previous page from the middle", ADMIN, "status=open&before={open}"),
    ("resolved, first page", ADMIN, "status=resolved"),
    ("resolved, deep page (middle)", ADMIN, "status=resolved&after={resolved}"),
    ("filter: language=ar", ADMIN, "status=open&language=ar"),
    ("filter: channel=telegram", ADMIN, "status=open&channel=telegram"),
    ("filter: office=auslaenderbehoerde", ADMIN, "status=open&office=auslaenderbehoerde"),
    ("filter: urgent=1", ADMIN, "status=open&urgent=1"),
    ("filter: topic=health", ADMIN, "status=open&topic=health"),
    ("filter: state=assigned", ADMIN, "status=assigned"),
    ("filters combined", ADMIN, "status=open&language=uk&channel=whatsapp&urgent=0"),
    ("agent (one office), all open", AGENT, "status=open"),
    ("agent, mine", AGENT, "status=mine"),
]


@dataclass
class Result:
    name: str
    user: str
    path: str
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    errors: int
    rows_on_page: int
    total: int
    plan: dict[str, Any]


def create_database(url: str) -> None:
    """A new, empty database, migrated to the newest schema."""
    drop_databases(url)
    ensure_database(url)
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")


async def prepare(url: str, tickets: int, password: str) -> dict[str, Any]:
    """Seed, VACUUM ANALYZE (as autovacuum would have by now), the two accounts, and the cursors of the deep cases."""
    routing = routing_of()
    engine = make_engine(url)
    started = time.perf_counter()
    async with engine.begin() as connection:
        seeded = await seed(connection, tickets, assignees=(AGENT, "anna", "bora", "chef", "dilan", "emre"))
    seconds = time.perf_counter() - started
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.exec_driver_sql("VACUUM ANALYZE")
    async with make_sessionmaker(engine)() as session:
        accounts = Accounts(session)
        await accounts.sync_offices(routing)
        await accounts.create_user(username=ADMIN, display_name="Bench Admin", password=password, role="admin",
                                   office=None, actor="inbox_bench")
        await accounts.create_user(username=AGENT, display_name="Bench Agent", password=password, role="agent",
                                   office=routing.default_office, actor="inbox_bench")
        cursors = {}
        for view, where, order in (
                ("open", Ticket.status.in_(OPEN), (Ticket.urgent.desc(), Ticket.created_at, Ticket.id)),
                ("resolved", Ticket.status == "resolved", (Ticket.resolved_at.desc(), Ticket.id.desc()))):
            count = await session.scalar(select(func.count()).select_from(Ticket).where(where)) or 0
            middle = await session.scalar(select(Ticket).where(where).order_by(*order).offset(count // 2).limit(1))
            assert middle is not None, f"no {view} tickets to page through"
            cursors[view] = Cursor.of(middle, view).token()
    await engine.dispose()
    return {"seeded": vars(seeded), "seed_seconds": round(seconds, 1), "cursors": cursors,
            "agent_office": routing.default_office}


class Gateway:
    """The gateway as it runs in production, in its own process; Rasa is not needed for the inbox."""

    def __init__(self, url: str, var: Path) -> None:
        self.port, closed = free_port(), free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "DATABASE_URL": url, "ENVIRONMENT": "development", "REDIS_URL": "",
               "RASA_URL": f"http://127.0.0.1:{closed}", "ACTION_SERVER_URL": f"http://127.0.0.1:{closed}",
               "RASA_TRACKER_DB": str(var / "rasa_tracker.db"), "TELEGRAM_BOT_TOKEN": "",
               "WHATSAPP_ACCESS_TOKEN": "", **UNLIMITED_RATES}
        self.log = (var / "gateway.log").open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "bot.gateway.app:create_app", "--factory", "--host", "127.0.0.1",
             "--port", str(self.port), "--no-access-log", "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait(self, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the gateway stopped at start; see {self.log.name}")
            try:
                httpx.get(f"{self.base}/health", timeout=2)
                return
            except httpx.TransportError:
                time.sleep(0.25)
        raise RuntimeError("the gateway did not answer in time")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def measure(client: httpx.Client, path: str, requests: int, warmup: int = 10) -> dict[str, Any]:
    latencies, errors, text = [], 0, ""
    for number in range(warmup + requests):
        started = time.perf_counter()
        response = client.get(path)
        elapsed = time.perf_counter() - started
        errors += response.status_code != 200
        text = response.text
        if number >= warmup:
            latencies.append(elapsed * 1000)
    values = np.array(latencies)
    total = TOTAL.search(text)
    return {"p50_ms": round(float(np.percentile(values, 50)), 2), "p95_ms": round(float(np.percentile(values, 95)), 2),
            "p99_ms": round(float(np.percentile(values, 99)), 2), "mean_ms": round(float(values.mean()), 2),
            "errors": errors, "rows_on_page": len(ROWS.findall(text)),
            "total": int(total.group(1).replace(".", "")) if total else 0}


async def plans(url: str, path: str, office: str | None, me: str) -> dict[str, Any]:
    """EXPLAIN ANALYZE of what the page asks the database for the queue: the page query (or its legs) and the counts."""
    asked = QueueQuery.read(dict(parse_qsl(urlsplit(path).query)))
    engine = make_engine(url)
    async with make_sessionmaker(engine)() as session:
        with recorded(engine) as statements:
            await read_page(session, asked.wanted, visible_office=office, me=me, after=asked.after,
                            before=asked.before, limit=asked.limit)
            await queue_counts(session, asked.wanted, visible_office=office, me=me)
        connection = await session.connection()
        explained = [await explain(connection, statement, analyze=True) for statement in statements]
    await engine.dispose()
    page = [p for p in explained if "LIMIT" in p.statement.sql]
    counts = [p for p in explained if "LIMIT" not in p.statement.sql]
    return {"page": _summary(page), "counts": _summary(counts)}


def _summary(explained: list[Plan]) -> dict[str, Any]:
    return {"queries": len(explained), "indexes": sorted({i for p in explained for i in p.indexes}),
            "seq_scans": sorted({s for p in explained for s in p.seq_scans}),
            "execution_ms": round(sum(p.milliseconds or 0 for p in explained), 2)}


def markdown(report: dict[str, Any]) -> str:
    seeded = report["seeded"]
    lines = [f"# Inbox queue at {seeded['tickets']:,} tickets", "",
             f"{report['database']}; {seeded['tickets']:,} tickets, {seeded['messages']:,} messages (seeded in "
             f"{report['seed_seconds']} s); {report['requests']} sequential requests per case after 10 warm-up "
             "requests, over HTTP to the gateway (uvicorn, one process), logged in; page size 50.",
             "Page and counts: EXPLAIN ANALYZE of the statements of the case (database time only).", "",
             "| case | rows / total | p50 ms | p95 ms | page query: indexes | counts: indexes | seq scans | "
             "DB ms page + counts |", "|---|---|---|---|---|---|---|---|"]
    for case in report["cases"]:
        page, counts = case["plan"]["page"], case["plan"]["counts"]
        scans = ", ".join(f"{s} (page)" for s in page["seq_scans"]) or ""
        scans = ", ".join(filter(None, [scans, ", ".join(f"{s} (counts)" for s in counts["seq_scans"])])) or "none"
        lines.append(f"| {case['name']} | {case['rows_on_page']} / {case['total']:,} | {case['p50_ms']} | "
                     f"{case['p95_ms']} | {', '.join(page['indexes']) or '–'} | {', '.join(counts['indexes']) or '–'}"
                     f" | {scans} | {page['execution_ms']} + {counts['execution_ms']} |")
    whole = [case["name"] for case in report["cases"] if "tickets" in case["plan"]["page"]["seq_scans"]]
    lines += ["", "Sequential scans in the counts are expected: the tabs count every ticket of the office per status "
              "(one GROUP BY over the table), and the counts per channel join the conversations (hash join). "
              + (f"Page queries that read the tickets table whole: {', '.join(whole)}." if whole else
                 "No page query read the tickets table whole.")]
    return "\n".join(lines) + "\n"


def run(url: str, tickets: int, requests: int, out: Path) -> dict[str, Any]:
    password = secrets.token_urlsafe(16)
    create_database(url)
    with tempfile.TemporaryDirectory(prefix="inbox_bench_") as var:
        prepared = asyncio.run(prepare(url, tickets, password))
        gateway = Gateway(url, Path(var))
        results = []
        try:
            gateway.wait()
            clients = {user: logged_in(gateway.base, user, password) for user in (ADMIN, AGENT)}
            for name, user, query in CASES:
                path = "/inbox/?" + query.format(**prepared["cursors"])
                print(f"{name} ...", flush=True)
                office = prepared["agent_office"] if user == AGENT else None
                results.append(Result(name=name, user=user, path=path, **measure(clients[user], path, requests),
                                      plan=asyncio.run(plans(url, path, office, user))))
        finally:
            gateway.stop()
    with psycopg.connect(driver_url(url)) as connection:
        version = connection.execute("SHOW server_version").fetchone()
    report = {"database": f"PostgreSQL {version[0] if version else '?'}", "requests": requests,
              "seeded": prepared["seeded"], "seed_seconds": prepared["seed_seconds"],
              "cases": [vars(r) for r in results]}
    save_report(out, "bench", report, markdown(report))
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.tools.inbox_bench", description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL, help="a scratch PostgreSQL database (re-created)")
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200, help="per case")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database afterwards")
    args = parser.parse_args(argv)
    if not args.database_url.startswith("postgresql"):
        parser.error("the benchmark needs PostgreSQL (EXPLAIN, and a database it may drop)")
    try:
        run(args.database_url, args.tickets, args.requests, args.out)
    finally:
        if not args.keep:
            drop_databases(args.database_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
