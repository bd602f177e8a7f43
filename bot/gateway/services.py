"""The gateway's composition root: every long-lived service is built here, once, at start-up.

Nothing is built at import time. The FastAPI lifespan calls `start_services` and keeps the result
on `app.state.services`; routes reach it through `bot.gateway.deps`. Tests build the same
services around a database connection of their own.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.whatsapp.channel import WhatsAppChannel, whatsapp_sender
from bot.conversations.events import EventBroker, RedisEventBroker
from bot.conversations.handoffs import HandoffDesk
from bot.conversations.locks import ConversationLocks, InProcessLocks, RedisLocks
from bot.conversations.outbox import Outbox, Sender
from bot.conversations.rasa_client import RasaClient
from bot.conversations.rasa_turn import RasaTurn
from bot.conversations.recovery import sweep_forever
from bot.conversations.service import ConversationService
from bot.db import make_engine, make_sessionmaker
from bot.gateway.rate_limits import RateLimits
from bot.inbox.accounts import Accounts
from bot.knowledge.loader import KnowledgeBase, load
from bot.privacy.retention import purge_daily
from bot.privacy.tracker import TrackerStore
from bot.settings import Settings

STOP_SECONDS = 10.0


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    knowledge: KnowledgeBase  # staff answer with entries; the site file routes tickets to offices
    events: EventBroker
    locks: ConversationLocks
    rasa: RasaClient
    desk: HandoffDesk
    conversations: ConversationService
    rate_limits: RateLimits
    outbox: Outbox
    tracker: TrackerStore  # Rasa's tracker store: purged and erased together with ours
    telegram: TelegramChannel | None = None  # when TELEGRAM_BOT_TOKEN is set
    whatsapp: WhatsAppChannel | None = None  # when WHATSAPP_ACCESS_TOKEN is set
    redis: Redis | None = None  # when REDIS_URL is set: locks and live events shared by the gateway workers

    @property
    def channels(self) -> dict[str, bool]:
        """Which channels are on (for /health)."""
        return {"web": True, "telegram": self.telegram is not None, "whatsapp": self.whatsapp is not None}


async def start_services(settings: Settings, *, engine: AsyncEngine | None = None,
                         sessions: async_sessionmaker[AsyncSession] | None = None,
                         knowledge: KnowledgeBase | None = None) -> Services:
    """`engine`, `sessions`, `knowledge`: given by tests that share them; built from the settings otherwise."""
    engine = engine or make_engine(settings.database_url)
    sessions = sessions or make_sessionmaker(engine)
    knowledge = knowledge or load(settings.knowledge_dir, settings.site_file)
    async with sessions() as session:
        await Accounts(session).sync_offices(knowledge.site.inbox)
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    events, locks = _shared_or_local(settings, redis)
    await events.start()
    rasa = RasaClient(settings.rasa_url, settings.rasa_token.get_secret_value(),
                      settings.rasa_channel_token.get_secret_value(), settings.action_server_url,
                      timeout=settings.rasa_timeout_seconds)
    desk = HandoffDesk(knowledge.site, settings.expected_staff_reply_minutes)
    conversations = ConversationService(sessions, RasaTurn(rasa), events, locks, desk, settings.max_message_chars)
    limits = RateLimits(settings.rate_rules, settings.redis_url)
    telegram = TelegramChannel(settings, conversations, limits) if settings.telegram_on else None
    senders: dict[str, Sender] = {"telegram": telegram.sender} if telegram else {}
    wa_sender = whatsapp_sender(settings, knowledge.site.whatsapp.reply_waiting_template) if (
        settings.whatsapp_on) else None
    if wa_sender is not None:
        senders["whatsapp"] = wa_sender
    outbox = Outbox(sessions, senders, events, locks)
    whatsapp = WhatsAppChannel(settings, conversations, outbox, wa_sender, limits) if wa_sender else None
    return Services(settings, engine, sessions, knowledge, events, locks, rasa, desk, conversations,
                    limits, outbox, TrackerStore(settings.tracker_url), telegram, whatsapp, redis)


def _shared_or_local(settings: Settings, redis: Redis | None) -> tuple[EventBroker, ConversationLocks]:
    """Through Redis for several gateway workers, in this process's memory for one."""
    if redis is None:
        return EventBroker(), InProcessLocks()
    return RedisEventBroker(redis), RedisLocks(redis, lease_seconds=settings.lock_lease_seconds)


async def run_channels(services: Services) -> list[asyncio.Task[None]]:
    """What the app's lifespan runs besides the routes: the messenger channels, the outbox, the daily retention
    purge, and the answers to messages stored before a crash but never answered."""
    if services.telegram is not None:
        await services.telegram.start()
    retention = purge_daily(services.sessions, services.tracker, services.settings.retention_days)
    return [asyncio.create_task(services.outbox.run(), name="outbox"),
            asyncio.create_task(retention, name="retention"),
            asyncio.create_task(_recover(services), name="recovery")]


async def _recover(services: Services) -> None:
    settings = services.settings
    await sweep_forever(services.conversations, dt.timedelta(seconds=settings.recovery_sweep_seconds),
                        dt.timedelta(seconds=settings.recovery_after_seconds))


async def stop_services(services: Services, running: list[asyncio.Task[None]] | None = None) -> None:
    """The outbox finishes (and records) what it is sending; then everything closes."""
    services.outbox.stop()
    if running:
        for task in running:  # only the outbox has something to finish
            if task.get_name() != "outbox":
                task.cancel()
        _, late = await asyncio.wait(running, timeout=STOP_SECONDS)
        for task in late:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
    if services.telegram is not None:
        await services.telegram.stop()
    if services.whatsapp is not None:
        await services.whatsapp.stop()
    await services.rasa.close()
    await services.rate_limits.close()
    await services.tracker.close()
    await services.events.close()
    if services.redis is not None:
        await services.redis.aclose()
    await services.engine.dispose()
