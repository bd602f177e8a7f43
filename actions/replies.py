"""What every action shares: its services, the conversation's language and sending reply envelopes."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.facts import UNSUPPORTED_LANGUAGE_SLOT, Case, mentioned, office_today
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
from bot.knowledge.answers import answer_envelope
from bot.knowledge.retrieval import Candidate
from bot.languages import NATIVE_NAMES, SUPPORTED_LANGUAGES, choose_language
from bot.rasa_ext.personal import URGENT_CATEGORIES

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


def unsupported_notice(tracker: Tracker, language: str) -> tuple[Envelope, str] | None:
    """A message in a language we do not support, named for the first time in this conversation:
    one line on the languages we do support, a person on offer; and the language for the ticket."""
    detection = tracker.latest_message.get("language") or {}
    code, name = detection.get("unsupported"), detection.get("unsupported_name")
    label = f"{name or code} ({code})"
    if not code or tracker.get_slot(UNSUPPORTED_LANGUAGE_SLOT) == label:
        return None
    supported = ", ".join(NATIVE_NAMES[c] for c in SUPPORTED_LANGUAGES)
    return Envelope(kind="info", language=language, buttons=[person_button(language)],
                    text=i18n.text("unsupported_language", language, supported=supported)), label


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
        notice = unsupported_notice(tracker, language)
        if notice is not None:
            send(dispatcher, notice[0])
            introduced.append(SlotSet(UNSUPPORTED_LANGUAGE_SLOT, notice[1]))
            tracker.slots[UNSUPPORTED_LANGUAGE_SLOT] = notice[1]  # a handoff in this very turn names it too
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
                      reading: Envelope | None = None, candidates: Sequence[Candidate] = (),
                      force: bool = False) -> list[EventType] | None:
        """A personal or high-stakes case in this message: the person's own file number, a deadline
        that is close or passed, or a phrase of `personal_terms/` (a refusal, a deportation letter, an
        expired permit, ...); `force`: the best entry is one that always needs a person. Say so, send
        `reading` (the general entry, else the one for the phrase's category) and hand off: urgent
        for a close deadline or where danger is named. None when the message is none of these."""
        facts, urgent = self.case_facts(tracker)
        reference = bool(mentioned(tracker, "reference"))
        deadline = urgent and bool(mentioned(tracker, "deadline"))
        phrase = self.services.personal.match(tracker.latest_message.get("text") or "")
        if not (reference or deadline or phrase or force):
            return None
        if phrase is not None:
            facts = facts.model_copy(update={"personal_case": phrase.category})
            urgent = urgent or phrase.category in URGENT_CATEGORIES
        reading = reading or self.reading_for(phrase.category if phrase else None, language)
        date = facts.deadline.strftime("%d.%m.%Y") if facts.deadline else ""
        key = "personal_reference" if reference else "deadline_urgent" if deadline else "personal_case"
        notice = Envelope(kind="info", language=language, text=i18n.text(key, language, date=date))
        # "... Meanwhile, here is general information:" comes before the entry it announces
        for envelope in ([notice, reading] if key == "personal_case" else [reading, notice]):
            if envelope is not None:
                send(dispatcher, envelope)
        reason: HandoffReason = "deadline" if deadline and not reference else "personal_case"
        return [SlotSet(CLARIFY_SLOT, False),
                *handoff(dispatcher, language, reason=reason, urgent=urgent,
                         topic=reading.topic if reading else None, candidates=candidates, facts=facts)]

    def reading_for(self, category: str | None, language: str) -> Envelope | None:
        """The general entry for a kind of personal case, when the index is ready."""
        entry_id = READING_BY_CATEGORY.get(category or "")
        loaded = self.services.knowledge.wait(timeout=0) if entry_id else None
        entry = loaded.kb.entries.get(entry_id) if loaded and entry_id else None
        return answer_envelope(entry, language, None) if entry else None


# the general entry sent as reading while a person takes over a personal case of each kind
READING_BY_CATEGORY = {
    "deportation": "refusal-or-deportation",
    "refusal": "refusal-or-deportation",
    "expired_permit": "residence-permit-extension",
    "lost_documents": "lost-passport-or-residence-card",
    "employer_dispute": "changing-employer",
    "own_status": "application-status",
}


def simple(kind: Kind, key: str, language: str, *, buttons: list[Button] | None = None,
           **params: object) -> Envelope:
    return Envelope(kind=kind, text=i18n.text(key, language, **params), language=language,
                    buttons=buttons or [])
