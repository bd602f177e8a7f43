"""The gateway's composition root: every long-lived service is built here, once, at start-up.

Nothing is built at import time. The FastAPI lifespan calls `start_services` and keeps the result
on `app.state.services`; routes reach it through `bot.gateway.deps`. Tests build the same
services around a database connection of their own.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.conversations.events import EventBroker
from bot.conversations.handoffs import HandoffDesk
from bot.conversations.locks import InProcessLocks
from bot.conversations.rasa_client import RasaClient
from bot.conversations.rasa_turn import RasaTurn
from bot.conversations.service import ConversationService
from bot.db import make_engine, make_sessionmaker
from bot.inbox.accounts import Accounts
from bot.inbox.throttle import LoginThrottle
from bot.knowledge.loader import KnowledgeBase, load
from bot.settings import Settings


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    knowledge: KnowledgeBase  # staff answer with entries; the site file routes tickets to offices
    events: EventBroker
    locks: InProcessLocks
    rasa: RasaClient
    desk: HandoffDesk
    conversations: ConversationService
    login_throttle: LoginThrottle


async def start_services(settings: Settings, *, engine: AsyncEngine | None = None,
                         sessions: async_sessionmaker[AsyncSession] | None = None,
                         knowledge: KnowledgeBase | None = None) -> Services:
    """`engine`, `sessions`, `knowledge`: given by tests that share them; built from the settings otherwise."""
    engine = engine or make_engine(settings.database_url)
    sessions = sessions or make_sessionmaker(engine)
    knowledge = knowledge or load(settings.knowledge_dir, settings.site_file)
    async with sessions() as session:
        await Accounts(session).sync_offices(knowledge.site.inbox)
    events, locks = EventBroker(), InProcessLocks()
    rasa = RasaClient(settings.rasa_url, settings.rasa_token.get_secret_value(),
                      settings.rasa_channel_token.get_secret_value(), settings.action_server_url,
                      timeout=settings.rasa_timeout_seconds)
    desk = HandoffDesk(knowledge.site, settings.expected_staff_reply_minutes)
    conversations = ConversationService(sessions, RasaTurn(rasa), events, locks, desk, settings.max_message_chars)
    return Services(settings, engine, sessions, knowledge, events, locks, rasa, desk, conversations,
                    LoginThrottle())


async def stop_services(services: Services) -> None:
    await services.rasa.close()
    await services.engine.dispose()
