"""Handing a conversation to staff. The gateway owns tickets: the action asks for one.

The request says why, how urgent, in which language and what the bot guessed; the gateway's
hand-off desk opens the ticket and writes what the person reads (ticket number, wait), once.
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.replies import ReplyAction, handoff


class ActionHandoffToStaff(ReplyAction):
    personal_case_first = False  # it hands off anyway, with the facts

    def name(self) -> str:
        return "action_handoff_to_staff"

    async def reply(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                    language: str) -> list[EventType]:
        facts, urgent = self.case_facts(tracker)
        return handoff(dispatcher, language, reason="requested", urgent=urgent, facts=facts)
