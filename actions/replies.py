"""What every action shares: its services, the conversation's language and sending reply envelopes."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.facts import Case, mentioned, office_today
from actions.services import ActionServices
from bot import i18n
from bot.conversations.messages import (
    Button,
    CaseFacts,
    Envelope,
    Guess,
    HandoffReason,
    HandoffRequest,
    Kind,
    person_button,
)
from bot.knowledge.retrieval import Candidate
from bot.languages import choose_language

LANGUAGE_SLOT = "language"
CLARIFY_SLOT = "clarifying"  # the last turn offered a choice; a second unclear question goes to a person
LAST_ANSWER_SLOT = "last_answer"  # the entry answered last (for feedback)
OUT_OF_SCOPE_SLOT = "out_of_scope_turns"
NEGATIVE_FEEDBACK_SLOT = "negative_feedback"
GREETED_SLOT = "greeted"  # the bot has introduced itself in this conversation


def picked_language(tracker: Tracker) -> str | None:
    """A language the person chose (widget picker or language button), if any."""
    metadata = tracker.latest_message.get("metadata") or {}
    entities = {e.get("entity"): e.get("value") for e in tracker.latest_message.get("entities") or []}
    return entities.get("language_choice") or metadata.get("language")


def conversation_language(tracker: Tracker) -> str:
    return choose_language(tracker.get_slot(LANGUAGE_SLOT), tracker.latest_message.get("language"),
                           picked_language(tracker))


def introduction(language: str) -> Envelope:
    """Bot disclosure, privacy notice, what it can help with, and a visible way to a person."""
    text = "\n\n".join(i18n.text(key, language) for key in ("greeting", "privacy_notice", "ask_anything"))
    return Envelope(kind="info", text=text, language=language, buttons=[person_button(language)])


def send(dispatcher: CollectingDispatcher, reply: Envelope | HandoffRequest) -> None:
    """Emit an envelope, or a request for a person, as a Rasa custom payload for the gateway."""
    dispatcher.utter_message(json_message=reply.as_custom_payload())


def handoff(dispatcher: CollectingDispatcher, language: str, *, reason: HandoffReason, urgent: bool = False,
            topic: str | None = None, candidates: Sequence[Candidate] = (),
            facts: CaseFacts | None = None) -> list[EventType]:
    """Ask the gateway for a person. `facts` (what the person said about themselves) go on the ticket."""
    send(dispatcher, HandoffRequest(reason=reason, urgent=urgent, language=language, topic=topic,
                                    guesses=[Guess(kb_id=c.entry_id, score=c.score) for c in candidates[:3]],
                                    facts=facts))
    return []


class ReplyAction(Action, ABC):
    """An action that answers in the conversation's language and keeps the language slot current."""

    introduce_first = True  # on first contact, the introduction comes before the reply
    personal_case_first = True  # a file number or a close deadline in the message: a person, whatever the intent

    def __init__(self, services: ActionServices) -> None:
        self.services = services

    @abstractmethod
    def name(self) -> str:
        """The action's name in the domain."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        language = conversation_language(tracker)
        introduced: list[EventType] = []
        first_contact = not tracker.get_slot(GREETED_SLOT)  # whatever the person wrote first
        if first_contact:
            introduced = [SlotSet(GREETED_SLOT, True)]
            if self.introduce_first:
                send(dispatcher, introduction(language))
        personal = self.personal_case(dispatcher, tracker, language) if self.personal_case_first else None
        events = personal if personal is not None else await self.reply(dispatcher, tracker, language)
        if first_contact and not self.introduce_first:
            send(dispatcher, introduction(language))
        if tracker.get_slot(LANGUAGE_SLOT) != language:
            events = [SlotSet(LANGUAGE_SLOT, language), *events]
        return introduced + events

    @abstractmethod
    async def reply(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                    language: str) -> list[EventType]:
        """Send the reply envelopes; return further events."""

    def case_facts(self, tracker: Tracker, case: Case | None = None) -> tuple[CaseFacts, bool]:
        """What the person told about themselves (`case`, else read from the slots), for a ticket,
        and whether a deadline makes a handoff urgent."""
        case, site = case or Case.of(tracker), self.services.site
        return case.for_ticket(site, self.services.countries), case.urgent(office_today(site))

    def personal_case(self, dispatcher: CollectingDispatcher, tracker: Tracker, language: str, *,
                      reading: Envelope | None = None, candidates: Sequence[Candidate] = ()) -> list[EventType] | None:
        """The person's own file number, or a deadline that is close or passed, in this message: say
        so, send `reading` (the general entry) if any, and hand off (urgent for the deadline).
        None when the message has neither."""
        facts, urgent = self.case_facts(tracker)
        reference = bool(mentioned(tracker, "reference"))
        if not (reference or (urgent and mentioned(tracker, "deadline"))):
            return None
        if reading is not None:
            send(dispatcher, reading)
        date = facts.deadline.strftime("%d.%m.%Y") if facts.deadline else ""
        send(dispatcher, Envelope(kind="info", language=language, text=i18n.text(
            "personal_reference" if reference else "deadline_urgent", language, date=date)))
        return [SlotSet(CLARIFY_SLOT, False),
                *handoff(dispatcher, language, reason="personal_case" if reference else "deadline", urgent=urgent,
                         topic=reading.topic if reading else None, candidates=candidates, facts=facts)]


def simple(kind: Kind, key: str, language: str, *, buttons: list[Button] | None = None,
           **params: object) -> Envelope:
    return Envelope(kind=kind, text=i18n.text(key, language, **params), language=language,
                    buttons=buttons or [])
