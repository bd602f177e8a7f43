"""Greeting, small talk, feedback and off-topic turns: short replies, a person always on offer."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.replies import ReplyAction, person_button, send, simple
from bot import i18n
from bot.conversations.envelopes import Envelope

SMALLTALK_KEYS = {
    "goodbye": "goodbye",
    "thank": "thanks_reply",
    "bot_challenge": "bot_challenge",
    "affirm": "affirm_ack",
    "deny": "deny_ack",
}


class ActionGreet(ReplyAction):
    """First contact: bot disclosure, privacy notice, what it can do, and a way to a person."""

    def name(self) -> str:
        return "action_greet"

    async def reply(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                    language: str) -> list[EventType]:
        text = "\n\n".join(i18n.text(key, language) for key in ("greeting", "privacy_notice", "ask_anything"))
        send(dispatcher, Envelope(kind="info", text=text, language=language,
                                  buttons=[person_button(language)]))
        return []


class ActionSmalltalk(ReplyAction):
    def name(self) -> str:
        return "action_smalltalk"

    async def reply(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                    language: str) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        key = SMALLTALK_KEYS.get(intent, "ask_anything")
        buttons = [person_button(language)] if intent == "bot_challenge" else []
        send(dispatcher, simple("smalltalk", key, language, buttons=buttons))
        return []


class ActionFeedback(ReplyAction):
    def name(self) -> str:
        return "action_feedback"

    async def reply(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                    language: str) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent == "feedback_negative":
            send(dispatcher, simple("handoff_offer", "feedback_sorry", language,
                                    buttons=[person_button(language)]))
        else:
            send(dispatcher, simple("smalltalk", "feedback_thanks", language))
        return []


class ActionOutOfScope(ReplyAction):
    def name(self) -> str:
        return "action_out_of_scope"

    async def reply(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                    language: str) -> list[EventType]:
        send(dispatcher, simple("out_of_scope", "out_of_scope", language,
                                buttons=[person_button(language)]))
        return []

