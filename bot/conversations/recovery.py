"""After a crash: every message that was stored but not yet answered gets its answer.

A messenger's webhook answers 200 as soon as the message is stored; if the gateway dies before the
turn is done, nobody would ever answer it (the person would have to write again). At start the gateway
therefore works through every conversation that has an unhandled message of the person, oldest first,
through the same pipeline (`ConversationService.process`: in order, one turn at a time).
"""

from __future__ import annotations

import logging

from sqlalchemy import func, select

from bot.conversations.models import Message
from bot.conversations.service import ConversationService

logger = logging.getLogger(__name__)


async def unanswered(service: ConversationService) -> list[str]:
    """Conversations with a person's message that was stored but not handled, the longest waiting first."""
    async with service.sessions() as session:
        rows = await session.execute(
            select(Message.conversation_id, func.min(Message.created_at).label("since"))
            .where(Message.role == "person", Message.handled_at.is_(None))
            .group_by(Message.conversation_id).order_by("since"))
        return [conversation_id for conversation_id, _ in rows]


async def answer_the_unanswered(service: ConversationService) -> int:
    """Process every such conversation; how many there were. A failure is logged and the next one goes on."""
    waiting = await unanswered(service)
    for conversation_id in waiting:
        try:
            await service.process(conversation_id)
        except Exception:
            logger.exception("recovery: conversation %s could not be answered now", conversation_id)
    if waiting:
        logger.info("recovery: answered what %d conversation(s) had waiting since before the start", len(waiting))
    return len(waiting)
