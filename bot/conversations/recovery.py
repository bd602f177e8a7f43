"""After a crash: every message that was stored but not yet answered gets its answer.

A messenger's webhook answers 200 as soon as the message is stored; if the gateway dies before the
turn is done, nobody would ever answer it (the person would have to write again). At start the gateway
therefore works through every conversation that has an unhandled message of the person, oldest first,
through the same pipeline (`ConversationService.process`: in order, one turn at a time).

With several gateway workers, a worker can die while the others go on: nobody restarts to recover
its messages. Every worker therefore also sweeps periodically (`sweep_forever`) for messages that
have waited longer than any live turn takes (`older_than`); the dead worker's conversation lock
expires after one lease, and the sweeping worker takes it like any other turn would.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from sqlalchemy import func, select

from bot.conversations.models import Message, utcnow
from bot.conversations.service import ConversationService

logger = logging.getLogger(__name__)


async def unanswered(service: ConversationService, older_than: dt.timedelta | None = None) -> list[str]:
    """Conversations with a person's message that was stored but not handled (for longer than
    `older_than`), the longest waiting first."""
    waiting = [Message.role == "person", Message.handled_at.is_(None)]
    if older_than is not None:
        waiting.append(Message.created_at < utcnow() - older_than)
    async with service.sessions() as session:
        rows = await session.execute(
            select(Message.conversation_id, func.min(Message.created_at).label("since"))
            .where(*waiting).group_by(Message.conversation_id).order_by("since"))
        return [conversation_id for conversation_id, _ in rows]


async def answer_the_unanswered(service: ConversationService, older_than: dt.timedelta | None = None) -> int:
    """Process every such conversation; how many there were. A failure is logged and the next one goes on."""
    waiting = await unanswered(service, older_than)
    for conversation_id in waiting:
        try:
            await service.process(conversation_id)
        except Exception:
            logger.exception("recovery: conversation %s could not be answered now", conversation_id)
    if waiting:
        logger.info("recovery: answered what %d conversation(s) had waiting", len(waiting))
    return len(waiting)


async def sweep_forever(service: ConversationService, every: dt.timedelta, older_than: dt.timedelta) -> None:
    """At start everything waiting, then every `every` what waited longer than `older_than`."""
    await answer_the_unanswered(service)
    while True:
        await asyncio.sleep(every.total_seconds())
        try:
            await answer_the_unanswered(service, older_than)
        except Exception:  # the database away for a moment: the next sweep tries again
            logger.exception("recovery sweep failed")
