"""The retention period, kept by the stack itself: once a day the gateway erases every conversation whose
last message is older than `RETENTION_DAYS` (90 by default, as the privacy notice says), in its own
database and in Rasa's tracker store. `make purge` does the same at once."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.privacy.records import purge
from bot.privacy.tracker import TrackerStore

logger = logging.getLogger(__name__)
DAY_SECONDS = 24 * 3600.0


async def purge_daily(sessions: async_sessionmaker[AsyncSession], tracker: TrackerStore, retention_days: int,
                      every_seconds: float = DAY_SECONDS, first_after: float = 60.0) -> None:
    """Until cancelled: purge shortly after the start, then every day. A failed run is logged and retried."""
    await asyncio.sleep(first_after)
    while True:
        try:
            erased = await purge(sessions, tracker, retention_days)
            if erased.conversations:
                logger.info("retention: erased %s", erased.as_dict())
        except Exception:
            logger.exception("retention: the purge failed; it runs again in %s s", every_seconds)
        await asyncio.sleep(every_seconds)
