"""Handing a conversation to staff. The gateway owns tickets: the action asks for one.

The request says why, how urgent, in which language and what the bot guessed; the gateway's
hand-off desk opens the ticket and writes what the person reads (ticket number, wait), once.
"""

from __future__ import annotations

from collections.abc import Sequence

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.replies import ReplyAction, send
from bot.conversations.messages import CaseFacts, Guess, HandoffReason, HandoffRequest
from bot.knowledge.retrieval import Candidate


def handoff(dispatcher: CollectingDispatcher, language: str, *, reason: HandoffReason, urgent: bool = False,
            topic: str | None = None, candidates: Sequence[Candidate] = (),
            facts: CaseFacts | None = None) -> list[EventType]:
    """Ask the gateway for a person. `facts` (what the person said about themselves) go on the ticket."""
    send(dispatcher, HandoffRequest(reason=reason, urgent=urgent, language=language, topic=topic,
                                    guesses=[Guess(kb_id=c.entry_id, score=c.score) for c in candidates[:3]],
                                    facts=facts if facts and not facts.is_empty() else None))
    return []


class ActionHandoffToStaff(ReplyAction):
    def name(self) -> str:
        return "action_handoff_to_staff"

    async def reply(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                    language: str) -> list[EventType]:
        return handoff(dispatcher, language, reason="requested", **self.facts_and_urgency(tracker))
