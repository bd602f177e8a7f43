"""Handing a conversation to staff. The gateway owns tickets: the action asks for one.

The envelope carries `kind: handoff`; the `handoff` instruction beside it tells the gateway why,
how urgent, and the bot's best guesses, so it can open the ticket, fill in the ticket number
and the wait estimate, and pause the bot.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.replies import ReplyAction, send
from bot import i18n
from bot.conversations.envelopes import Envelope
from bot.knowledge.retrieval import Candidate

Reason = Literal["requested", "no_answer", "personal_case", "emergency", "negative_feedback",
                 "out_of_scope", "technical"]


def handoff(dispatcher: CollectingDispatcher, language: str, *, reason: Reason, urgent: bool = False,
            topic: str | None = None, candidates: Sequence[Candidate] = ()) -> list[EventType]:
    send(dispatcher,
         Envelope(kind="handoff", text=i18n.text("handoff_created", language, ticket="{ticket}"),
                  language=language, topic=topic),
         handoff={"reason": reason, "urgent": urgent,
                  "guesses": [{"kb_id": c.entry_id, "score": c.score} for c in candidates[:3]]})
    return []


class ActionHandoffToStaff(ReplyAction):
    def name(self) -> str:
        return "action_handoff_to_staff"

    async def reply(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                    language: str) -> list[EventType]:
        return handoff(dispatcher, language, reason="requested")
