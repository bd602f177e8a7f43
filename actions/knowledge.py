"""Answering questions from the curated knowledge base: answer, clarify, or hand off."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.facts import Case, profession_labels
from actions.replies import (
    CLARIFY_SLOT,
    LAST_ANSWER_SLOT,
    OUT_OF_SCOPE_SLOT,
    ReplyAction,
    handoff,
    send,
    simple,
)
from bot import i18n
from bot.conversations.messages import HUMAN_PAYLOAD, Button, Envelope, person_button
from bot.knowledge.answers import answer_envelope
from bot.knowledge.loader import KnowledgeBase
from bot.knowledge.retrieval import Decision
from bot.knowledge.schema import Entry
from bot.rasa_ext.query_vector import unpack

if TYPE_CHECKING:
    from actions.services import Loaded


def clarify_envelope(kb: KnowledgeBase, decision: Decision, language: str) -> Envelope:
    buttons = []
    for candidate in decision.candidates[:2]:
        entry = kb.entries[candidate.entry_id]
        label = (entry.questions.get(language) or entry.questions["en"])[0]
        buttons.append(Button(title=label, payload=f'/ask_question{{"kb_id": "{entry.id}"}}'))
    buttons.append(Button(title=i18n.text("none_of_these", language), payload=HUMAN_PAYLOAD))
    return Envelope(kind="clarify", text=i18n.text("clarify_prompt", language), language=language,
                    confidence=decision.candidates[0].score, buttons=buttons)


FREE_MOVEMENT_ENTRY = "eu-free-movement"
# a clarification's likelier entry that always needs a person hands off only when it is this likely
# (a fishing licence whose far-fetched best guess is the asylum entry is not an asylum case)
LIKELY = 0.3


def referral_envelope(kb: KnowledgeBase, entry: Entry, language: str, *, responsible: str | None = None,
                      intro: str | None = None) -> Envelope | None:
    """When another body than the Welcome Center is competent: who, how to reach them, what to
    bring, and still a person on offer. Never "not responsible". `responsible` overrides the
    entry's body (the one competent for the person's profession), `intro` the first line."""
    key = responsible or entry.responsible
    if key == kb.site.welcome_center:
        return None
    body = kb.site.contacts[key]
    lines = [intro or i18n.text("referral_intro", language, body=body.name)]
    lines += [value for value in (body.address, body.phone and f"☎ {body.phone}", body.email and f"✉ {body.email}",
                                  body.hours, body.url and str(body.url)) if value]
    if body.bring:
        lines.append(i18n.text("referral_bring", language) + " " + ", ".join(body.bring))
    lines.append(i18n.text("referral_offer_person", language))
    return Envelope(kind="referral", text="\n".join(lines), language=language, topic=entry.topic, kb_id=entry.id,
                    buttons=[person_button(language)])


def ask_which(kb: KnowledgeBase, entry: Entry, language: str, slot: str, values: list[str]) -> Envelope:
    """An ambiguous nationality or profession that changes the answer: ask, one button per reading."""
    labels = profession_labels(language)
    buttons = []
    for value in values:
        title = (labels.get(value, value) if slot == "profession"
                 else kb.countries[value].name if value in kb.countries else value)
        buttons.append(Button(title=title, payload=f'/ask_question{{"kb_id": "{entry.id}", "{slot}": "{value}"}}'))
    buttons.append(Button(title=i18n.text("none_of_these", language), payload=HUMAN_PAYLOAD))
    return Envelope(kind="clarify", text=i18n.text(f"ask_{slot}", language), language=language,
                    topic=entry.topic, kb_id=entry.id, buttons=buttons)


def ambiguity(case: Case, entry: Entry) -> tuple[str, list[str]] | None:
    """Which slot is ambiguous in a way that changes this entry's answer, and its readings."""
    if entry.third_country_only and case.nationality and "|" in case.nationality:
        return "nationality", case.nationality.split("|")
    if entry.topic == "recognition" and case.profession and "|" in case.profession:
        return "profession", case.profession.split("|")
    return None


SMALL_TALK_INTENTS = frozenset({"greet", "thank", "goodbye", "affirm", "deny", "bot_challenge"})


def greeting_more_likely(tracker: Tracker) -> bool:
    """The NLU was unsure (nlu_fallback) and its likeliest real intent is a greeting or other small talk."""
    message = tracker.latest_message
    if (message.get("intent") or {}).get("name") != "nlu_fallback":
        return False
    ranked = [r.get("name") for r in message.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
    return bool(ranked) and ranked[0] in SMALL_TALK_INTENTS


def chosen_entry(tracker: Tracker) -> str | None:
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == "kb_id":
            return entity.get("value")
    return None


class KnowledgeReply(ReplyAction):
    """An action that asks the knowledge base: for a question, and for whatever the NLU took for
    small talk or out of scope, so a plain question the classifier misread still gets its answer."""

    def consult(self, tracker: Tracker, loaded: Loaded) -> Decision:
        message = tracker.latest_message
        return loaded.retriever.decide(message.get("text") or "", unpack(message, loaded.retriever.embedder.name))

    async def confident_answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                               language: str) -> list[EventType] | None:
        """The answer when the knowledge base is sure of one (never waiting for the index); else None."""
        loaded = self.services.knowledge.wait(timeout=0)
        if loaded is None:
            return None
        decision = await asyncio.to_thread(self.consult, tracker, loaded)
        if decision.action != "answer":
            return None
        best = decision.candidates[0]
        return self.answer(dispatcher, tracker, loaded.kb, loaded.kb.entries[best.entry_id], best.score, language)

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, kb: KnowledgeBase, entry: Entry,
               confidence: float | None, language: str) -> list[EventType]:
        """The entry's answer, changed by what the person said about themselves where that matters."""
        case = Case.of(tracker)
        facts, urgent = self.case_facts(tracker, case)
        unclear = ambiguity(case, entry)
        if unclear is not None:
            send(dispatcher, ask_which(kb, entry, language, *unclear))
            return [SlotSet(CLARIFY_SLOT, False)]
        understood = None
        free_movement = case.free_movement(kb.countries)
        if free_movement and entry.third_country_only and FREE_MOVEMENT_ENTRY in kb.entries:
            entry, understood = kb.entries[FREE_MOVEMENT_ENTRY], i18n.text(f"free_movement_{free_movement}", language)
        envelope = answer_envelope(entry, language, confidence)
        if understood:
            envelope = envelope.model_copy(update={"text": f"{understood}\n\n{envelope.text}"})
        send(dispatcher, envelope)
        events: list[EventType] = [SlotSet(CLARIFY_SLOT, False), SlotSet(LAST_ANSWER_SLOT, entry.id),
                                   SlotSet(OUT_OF_SCOPE_SLOT, 0.0)]
        if entry.handoff == "always":
            return events + handoff(dispatcher, language, reason="personal_case", topic=entry.topic,
                                    urgent=urgent, facts=facts)
        body = kb.site.recognition_bodies.get(case.profession or "") if entry.topic == "recognition" else None
        intro = body and i18n.text("competent_body", language, body=kb.site.contacts[body].name,
                                   profession=profession_labels(language).get(case.profession or "", ""))
        referral = referral_envelope(kb, entry, language, responsible=body, intro=intro)
        if referral is not None:
            send(dispatcher, referral)
        return events


class ActionAnswerQuestion(KnowledgeReply):
    personal_case_first = False  # checked after retrieval, so the general entry comes with it

    def name(self) -> str:
        return "action_answer_question"

    async def reply(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                    language: str) -> list[EventType]:
        facts, urgent = self.case_facts(tracker)
        loaded = await asyncio.to_thread(self.services.knowledge.wait)
        if loaded is None:  # the index is still loading after the wait: a person answers instead
            return handoff(dispatcher, language, reason="technical", urgent=urgent, facts=facts)
        kb = loaded.kb
        picked = chosen_entry(tracker)
        if picked in kb.entries:
            entry, confidence = kb.entries[picked], None
        else:
            decision = self.consult(tracker, loaded)
            top = decision.candidates[0] if decision.candidates else None
            # two entries compete and the likelier one always needs a person: when in doubt, a person
            always = (decision.action == "clarify" and top is not None and (top.probability or 0.0) >= LIKELY
                      and kb.entries[top.entry_id].handoff == "always")
            # the general entry to read if this turns out a personal case: the answer, or that likelier entry
            read = top if decision.action == "answer" or always else None
            reading = answer_envelope(kb.entries[read.entry_id], language, read.score) if read else None
            personal = self.personal_case(dispatcher, tracker, language, reading=reading,
                                          candidates=decision.candidates, force=always)
            if personal is not None:  # the general entry to read while waiting for a person
                return personal
            if decision.action == "clarify" and not tracker.get_slot(CLARIFY_SLOT):
                send(dispatcher, clarify_envelope(kb, decision, language))
                return [SlotSet(CLARIFY_SLOT, True)]
            if decision.action == "handoff" and greeting_more_likely(tracker):
                # "Hello, I am a nurse from India.": the NLU was unsure, nothing fits, and it reads as a
                # greeting: ask what they would like to know (the person button stays on offer)
                send(dispatcher, simple("smalltalk", "ask_anything", language, buttons=[person_button(language)]))
                return [SlotSet(CLARIFY_SLOT, False)]
            if decision.action != "answer" or top is None:  # nothing fits, or a second guess in a row: a person
                return [SlotSet(CLARIFY_SLOT, False),
                        *handoff(dispatcher, language, reason="no_answer", urgent=urgent,
                                 candidates=decision.candidates, facts=facts)]
            entry, confidence = kb.entries[top.entry_id], top.score
        return self.answer(dispatcher, tracker, kb, entry, confidence, language)
