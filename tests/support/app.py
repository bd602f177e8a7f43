"""The gateway app on a real database (SQLite file and the PostgreSQL server), one transaction per test.

Rasa is not running for these tests: its URL points at a closed port, which is exactly the
"Rasa is down" case. Conversations with the real Rasa live in tests/e2e.
"""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from alembic import command
from alembic.config import Config
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.db import make_engine
from bot.gateway.app import create_app
from bot.gateway.services import Services, run_channels, start_services, stop_services
from bot.knowledge.loader import KnowledgeBase, load
from bot.paths import KNOWLEDGE_BASE, ROOT, SITE_FILE
from bot.settings import Settings
from bot.tools.postgres_admin import ensure_database

# the rate limits out of the way; tests/gateway/test_rate_limits.py sets them low on purpose
UNLIMITED = {f"rate_{rule}": "100000/minute" for rule in ("new_conversations", "messages", "messages_per_address",
                                                          "logins")}
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/willkommen_test")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def migrate(url: str) -> None:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "bot" / "migrations"))
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["configure_logger"] = False
    command.downgrade(config, "base")
    command.upgrade(config, "head")


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'gateway.db'}"
    else:
        url = POSTGRES_URL
        ensure_database(url)
    migrate(url)
    return url


@pytest.fixture(scope="session")
def knowledge_base() -> KnowledgeBase:
    """The real content, validated once per test session (the app would load it at every start)."""
    return load(KNOWLEDGE_BASE, SITE_FILE)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    port = closed_port()
    return Settings(environment="test", database_url=database_url, rasa_url=f"http://127.0.0.1:{port}",
                    action_server_url=f"http://127.0.0.1:{port}", rasa_timeout_seconds=2, max_message_chars=2000,
                    rasa_tracker_db=tmp_path / "rasa_tracker.db", **UNLIMITED)


@pytest.fixture
async def app(settings: Settings, knowledge_base: KnowledgeBase) -> AsyncIterator[FastAPI]:
    """The app with its services on one connection whose transaction is rolled back after the test."""
    app = create_app(settings, start=False)
    engine = make_engine(settings.database_url)
    connection = await engine.connect()
    transaction = await connection.begin()
    # every commit inside the app becomes a savepoint; the test's transaction is rolled back
    sessions = async_sessionmaker(bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint")
    app.state.services = await start_services(settings, engine=engine, sessions=sessions, knowledge=knowledge_base)
    yield app
    await transaction.rollback()
    await connection.close()
    await stop_services(app.state.services)


def services_of(app: FastAPI) -> Services:
    services: Services = app.state.services
    return services


LIVE_TABLES = ("audit_log", "ticket_notes", "staff_sessions", "staff_users", "sent_parts", "deliveries", "messages",
               "tickets",
               "conversations")


@pytest.fixture
async def live_app(settings: Settings, knowledge_base: KnowledgeBase) -> AsyncIterator[FastAPI]:
    """The app as it runs: a pool of connections, real commits (for tests of concurrent requests).

    The database is emptied afterwards (the other tests roll back instead)."""
    app = create_app(settings, start=False)
    app.state.services = await start_services(settings, knowledge=knowledge_base)
    yield app
    await stop_services(app.state.services)
    await empty_the_database(settings.database_url)


async def empty_the_database(url: str) -> None:
    """After a test that committed for real."""
    engine = make_engine(url)
    async with engine.begin() as connection:
        for table in LIVE_TABLES:
            await connection.exec_driver_sql(f"DELETE FROM {table}")  # noqa: S608  (fixed names)
    await engine.dispose()


@pytest.fixture
async def live_client(live_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=live_app), base_url="http://test") as client:
        yield client


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client


async def new_conversation(client: httpx.AsyncClient, **body: object) -> tuple[str, dict[str, str]]:
    response = await client.post("/api/v1/conversations", json=body or None)
    assert response.status_code == 201, response.text
    data = response.json()
    return data["id"], {"Authorization": f"Bearer {data['token']}"}




@asynccontextmanager
async def running_app(settings: Settings, knowledge: KnowledgeBase, empty_after: str | None = None
                      ) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The app as it runs (its channels, outbox and background work started), with a client; stopped
    afterwards, and the database at `empty_after` emptied (tests that commit for real)."""
    app = create_app(settings, start=False)
    app.state.services = await start_services(settings, knowledge=knowledge)
    running = await run_channels(app.state.services)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            yield app, client
    finally:
        await stop_services(app.state.services, running)
        if empty_after:
            await empty_the_database(empty_after)
