"""Answering questions from the curated knowledge base: answer, clarify, or hand off."""

from __future__ import annotations

import asyncio

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import handoff
from actions.replies import CLARIFY_SLOT, LAST_ANSWER_SLOT, OUT_OF_SCOPE_SLOT, ReplyAction, send
from bot import i18n
from bot.conversations.messages import HUMAN_PAYLOAD, Button, Envelope, person_button
from bot.knowledge.answers import answer_envelope
from bot.knowledge.loader import KnowledgeBase
from bot.knowledge.retrieval import Decision
from bot.knowledge.schema import Entry
from bot.rasa_ext.query_vector import unpack


def clarify_envelope(kb: KnowledgeBase, decision: Decision, language: str) -> Envelope:
    buttons = []
    for candidate in decision.candidates[:2]:
        entry = kb.entries[candidate.entry_id]
        label = (entry.questions.get(language) or entry.questions["en"])[0]
        buttons.append(Button(title=label, payload=f'/ask_question{{"kb_id": "{entry.id}"}}'))
    buttons.append(Button(title=i18n.text("none_of_these", language), payload=HUMAN_PAYLOAD))
    return Envelope(kind="clarify", text=i18n.text("clarify_prompt", language), language=language,
                    confidence=decision.candidates[0].score, buttons=buttons)


def referral_envelope(kb: KnowledgeBase, entry: Entry, language: str) -> Envelope | None:
    """When another body than the Welcome Center is competent: who, how to reach them, what to
    bring, and still a person on offer. Never "not responsible"."""
    if entry.responsible == kb.site.welcome_center:
        return None
    body = kb.site.contacts[entry.responsible]
    lines = [i18n.text("referral_intro", language, body=body.name)]
    lines += [value for value in (body.address, body.phone and f"☎ {body.phone}", body.email and f"✉ {body.email}",
                                  body.hours, body.url and str(body.url)) if value]
    if body.bring:
        lines.append(i18n.text("referral_bring", language) + " " + ", ".join(body.bring))
    lines.append(i18n.text("referral_offer_person", language))
    return Envelope(kind="referral", text="\n".join(lines), language=language, topic=entry.topic, kb_id=entry.id,
                    buttons=[person_button(language)])


def chosen_entry(tracker: Tracker) -> str | None:
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == "kb_id":
            return entity.get("value")
    return None


class ActionAnswerQuestion(ReplyAction):
    def name(self) -> str:
        return "action_answer_question"

    async def reply(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                    language: str) -> list[EventType]:
        loaded = await asyncio.to_thread(self.services.knowledge.wait)
        if loaded is None:  # the index is still loading after the wait: a person answers instead
            return handoff(dispatcher, language, reason="technical")
        kb, retriever = loaded.kb, loaded.retriever
        picked = chosen_entry(tracker)
        if picked in kb.entries:
            entry, confidence = kb.entries[picked], None
        else:
            message = tracker.latest_message
            decision = retriever.decide(message.get("text") or "", unpack(message, retriever.embedder.name))
            if decision.action == "clarify" and not tracker.get_slot(CLARIFY_SLOT):
                send(dispatcher, clarify_envelope(kb, decision, language))
                return [SlotSet(CLARIFY_SLOT, True)]
            if decision.action != "answer":  # nothing fits, or a second guess in a row: a person
                return [SlotSet(CLARIFY_SLOT, False),
                        *handoff(dispatcher, language, reason="no_answer", candidates=decision.candidates)]
            entry, confidence = kb.entries[decision.candidates[0].entry_id], decision.candidates[0].score
        send(dispatcher, answer_envelope(entry, language, confidence))
        events: list[EventType] = [SlotSet(CLARIFY_SLOT, False), SlotSet(LAST_ANSWER_SLOT, entry.id),
                                   SlotSet(OUT_OF_SCOPE_SLOT, 0.0)]
        if entry.handoff == "always":
            return events + handoff(dispatcher, language, reason="personal_case", topic=entry.topic)
        referral = referral_envelope(kb, entry, language)
        if referral is not None:
            send(dispatcher, referral)
        return events
