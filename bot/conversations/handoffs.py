"""The hand-off desk: opens a ticket for a `HandoffRequest` and writes what the person reads about it.

The only author of that text: the ticket number and an honest wait estimate (within staff hours,
or when they start again), in the person's language, once. Actions only ask (reason, urgency,
language, best guesses); a technical failure asks the same way.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from bot import i18n
from bot.conversations import states, transcript
from bot.conversations.messages import Envelope, HandoffRequest, ReplyRole
from bot.conversations.models import Conversation, Ticket
from bot.conversations.office_hours import next_opening
from bot.knowledge.schema import Site
from bot.languages import DEFAULT_LANGUAGE

# what the person reads first, by reason (the ticket number and the wait follow)
INTRO_BY_REASON = {"technical": "technical_problem"}


class HandoffDesk:
    def __init__(self, site: Site, expected_reply_minutes: int) -> None:
        self.site = site
        self.expected_reply_minutes = expected_reply_minutes

    async def open_ticket(self, session: AsyncSession, conversation: Conversation, request: HandoffRequest,
                          now: dt.datetime | None = None) -> tuple[Ticket, Envelope]:
        """A new ticket in the right office's queue (not committed) and the envelope that announces it.

        Raises `states.IllegalTransition` when the conversation is already with staff."""
        topic, guesses = request.topic, [g.model_dump() for g in request.guesses]
        if topic is None or not guesses:  # "a person, please" after an answer: that answer is the best guess
            last = await transcript.last_answer(session, conversation.id)
            if last is not None:
                topic = topic or last.get("topic")
                guesses = guesses or ([{"kb_id": last["kb_id"], "score": last.get("confidence")}]
                                      if last.get("kb_id") else [])
        language = request.language or conversation.language or DEFAULT_LANGUAGE
        ticket = Ticket(conversation_id=conversation.id, reason=request.reason, urgent=request.urgent,
                        language=language, topic=topic, guesses=guesses,
                        facts=request.facts and request.facts.model_dump(mode="json", exclude_none=True),
                        office=self.site.inbox.default_office if request.urgent else self.site.inbox.office_for(topic))
        states.apply(states.Transition.HAND_OFF, conversation, ticket, new_ticket=True)
        session.add(ticket)
        await session.flush()
        role: ReplyRole = "system" if request.reason == "technical" else "bot"
        envelope = Envelope(role=role, kind="handoff", language=language, topic=topic, ticket=ticket.number,
                            text=self.announcement(request, ticket, language, now or dt.datetime.now(dt.UTC)))
        return ticket, envelope

    def announcement(self, request: HandoffRequest, ticket: Ticket, language: str, now: dt.datetime) -> str:
        opens = next_opening(self.site.staff_hours, now)
        wait = (i18n.text("handoff_wait_open", language, minutes=self.expected_reply_minutes) if opens is None else
                i18n.text("handoff_wait_closed", language, next_open=opens.strftime("%d.%m. %H:%M")))
        parts = [i18n.text("handoff_created", language, ticket=ticket.number), wait]
        intro = INTRO_BY_REASON.get(request.reason)
        if intro is not None:
            parts.insert(0, i18n.text(intro, language))
        return "\n\n".join(parts)
