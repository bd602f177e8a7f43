"""Greeting, small talk, feedback and off-topic turns: short replies, a person always on offer."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import KnowledgeReply
from actions.replies import (
    GREETED_SLOT,
    NEGATIVE_FEEDBACK_SLOT,
    OUT_OF_SCOPE_SLOT,
    ReplyAction,
    handoff,
    introduction,
    send,
    simple,
)
from bot.conversations.messages import person_button

SMALLTALK_KEYS = {
    "goodbye": "goodbye",
    "thank": "thanks_reply",
    "bot_challenge": "bot_challenge",
    "affirm": "affirm_ack",
    "deny": "deny_ack",
}


class ActionGreet(ReplyAction):
    """A greeting: the introduction (on first contact that is done by ReplyAction already)."""

    def name(self) -> str:
        return "action_greet"

    async def reply(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                    language: str) -> list[EventType]:
        if tracker.get_slot(GREETED_SLOT):  # greeted again later: introduce again, it does no harm
            send(dispatcher, introduction(language))
        return []


class ActionSmalltalk(KnowledgeReply):
    def name(self) -> str:
        return "action_smalltalk"

    async def reply(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                    language: str) -> list[EventType]:
        answered = await self.confident_answer(dispatcher, tracker, language)
        if answered is not None:  # "thanks, and where do I register?": the knowledge base knows
            return answered
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        key = SMALLTALK_KEYS.get(str(intent), "ask_anything")
        buttons = [person_button(language)] if intent == "bot_challenge" else []
        send(dispatcher, simple("smalltalk", key, language, buttons=buttons))
        return []


REPEATS_BEFORE_HANDOFF = 2


class ActionFeedback(ReplyAction):
    """Thanks for praise; for criticism a person on offer, and after the second one a person."""

    def name(self) -> str:
        return "action_feedback"

    async def reply(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                    language: str) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent != "feedback_negative":
            send(dispatcher, simple("smalltalk", "feedback_thanks", language))
            return [SlotSet(NEGATIVE_FEEDBACK_SLOT, 0.0)]
        count = (tracker.get_slot(NEGATIVE_FEEDBACK_SLOT) or 0) + 1
        if count >= REPEATS_BEFORE_HANDOFF:
            facts, urgent = self.case_facts(tracker)
            return [SlotSet(NEGATIVE_FEEDBACK_SLOT, 0.0),
                    *handoff(dispatcher, language, reason="negative_feedback", urgent=urgent, facts=facts)]
        send(dispatcher, simple("handoff_offer", "feedback_sorry", language, buttons=[person_button(language)]))
        return [SlotSet(NEGATIVE_FEEDBACK_SLOT, float(count))]


class ActionOutOfScope(KnowledgeReply):
    """What the assistant can do, a person on offer; the second off-topic turn in a row goes to a person.
    Unless the knowledge base is sure it answers the message: then that answer."""

    def name(self) -> str:
        return "action_out_of_scope"

    async def reply(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                    language: str) -> list[EventType]:
        answered = await self.confident_answer(dispatcher, tracker, language)
        if answered is not None:
            return answered
        count = (tracker.get_slot(OUT_OF_SCOPE_SLOT) or 0) + 1
        if count >= REPEATS_BEFORE_HANDOFF:
            facts, urgent = self.case_facts(tracker)
            return [SlotSet(OUT_OF_SCOPE_SLOT, 0.0),
                    *handoff(dispatcher, language, reason="out_of_scope", urgent=urgent, facts=facts)]
        send(dispatcher, simple("out_of_scope", "out_of_scope", language, buttons=[person_button(language)]))
        return [SlotSet(OUT_OF_SCOPE_SLOT, float(count))]

