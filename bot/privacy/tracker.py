"""Rasa's tracker store, seen from the gateway: it keeps a second copy of every conversation.

Rasa's SQL tracker store writes one row per event into the table `events`, keyed by `sender_id`,
which is our conversation id. Purging and erasing delete those rows; an export reads them. A tracker
database that Rasa has not created yet holds nothing.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

BATCH = 500


class TrackerStore:
    def __init__(self, url: str) -> None:
        self.engine: AsyncEngine = create_async_engine(url)

    async def close(self) -> None:
        await self.engine.dispose()

    async def _has_events(self) -> bool:
        async with self.engine.connect() as connection:
            try:
                await connection.execute(text("SELECT 1 FROM events WHERE 1 = 0"))
            except DBAPIError:
                return False
        return True

    async def events(self, sender_id: str) -> list[dict[str, Any]]:
        """The conversation's events as Rasa stored them, oldest first."""
        if not await self._has_events():
            return []
        async with self.engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT data FROM events WHERE sender_id = :sender ORDER BY id"), {"sender": sender_id})
            return [json.loads(data) if isinstance(data, str) else data for (data,) in rows]

    async def senders_quiet_since(self, cutoff: float) -> list[str]:
        """Conversations whose last tracker event is older than `cutoff` (Unix seconds)."""
        if not await self._has_events():
            return []
        async with self.engine.connect() as connection:
            rows = await connection.execute(text(
                "SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff"), {"cutoff": cutoff})
            return [sender for (sender,) in rows]

    async def delete(self, sender_ids: list[str]) -> int:
        """Delete every event of these conversations; how many rows went."""
        if not sender_ids or not await self._has_events():
            return 0
        deleted = 0
        statement = text("DELETE FROM events WHERE sender_id IN :senders").bindparams(
            bindparam("senders", expanding=True))
        async with self.engine.begin() as connection:
            for start in range(0, len(sender_ids), BATCH):
                result = await connection.execute(statement, {"senders": sender_ids[start:start + BATCH]})
                deleted += result.rowcount or 0
        return deleted
