"""Answering questions from the curated knowledge base: answer, clarify, or hand off."""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import handoff
from actions.replies import CLARIFY_SLOT, LAST_ANSWER_SLOT, OUT_OF_SCOPE_SLOT, ReplyAction, person_button, send
from bot import i18n
from bot.conversations.envelopes import Button, Envelope
from bot.knowledge.answers import answer_envelope
from bot.knowledge.index import DEFAULT_INDEX_DIR, build_index
from bot.knowledge.loader import KnowledgeBase, KnowledgeBaseError, load
from bot.knowledge.retrieval import Decision, Retriever
from bot.knowledge.schema import Entry
from bot.nlu.query_vector import unpack

logger = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]
KB_ROOT = Path(os.environ.get("KB_ROOT", ROOT / "knowledge_base"))
SITE_FILE = Path(os.environ.get("KB_SITE_FILE", KB_ROOT / "site" / "musterstadt.yml"))


def content_stamp(root: Path = KB_ROOT) -> tuple[int, float]:
    """Cheap fingerprint of the content files: how many, and the newest modification time."""
    files = list(root.rglob("*.yml"))
    return len(files), max((f.stat().st_mtime for f in files), default=0.0)


class KnowledgeService:
    """The content and its index, loaded once per process.

    Reloaded when the content files change (the index is rebuilt incrementally: only changed
    texts are embedded) or when someone else rebuilt the index. Checked at most every
    `CHECK_EVERY` seconds, so the hot path stays cheap. Invalid content keeps the last good one.
    """

    CHECK_EVERY = 5.0
    _instance: KnowledgeService | None = None
    _lock = threading.Lock()

    def __init__(self, root: Path = KB_ROOT, site_file: Path = SITE_FILE,
                 index_dir: Path = DEFAULT_INDEX_DIR) -> None:
        self.root, self.site_file, self.index_dir = root, site_file, index_dir
        self.stamp = content_stamp(root)
        self.kb: KnowledgeBase = load(root, site_file)
        build_index(self.kb, index_dir=index_dir)
        self.retriever = Retriever(index_dir)
        self.checked_at = time.monotonic()

    def refresh(self) -> None:
        self.checked_at = time.monotonic()
        stamp = content_stamp(self.root)
        if stamp != self.stamp:
            try:
                kb = load(self.root, self.site_file)
            except KnowledgeBaseError:
                logger.exception("the changed knowledge base does not validate; keeping the last good one")
                return
            build_index(kb, index_dir=self.index_dir)
            self.kb, self.stamp = kb, stamp
            self.retriever.reload_if_changed()
        elif self.retriever.reload_if_changed():  # someone else rebuilt the index
            self.kb = load(self.root, self.site_file)
            logger.info("knowledge base reloaded: %s", self.retriever.manifest)

    @classmethod
    def get(cls) -> KnowledgeService:
        with cls._lock:
            if cls._instance is None:
                cls._instance = cls()
            elif time.monotonic() - cls._instance.checked_at >= cls.CHECK_EVERY:
                cls._instance.refresh()
            return cls._instance


def clarify_envelope(kb: KnowledgeBase, decision: Decision, language: str) -> Envelope:
    buttons = []
    for candidate in decision.candidates[:2]:
        entry = kb.entries[candidate.entry_id]
        label = (entry.questions.get(language) or entry.questions["en"])[0]
        buttons.append(Button(title=label, payload=f'/ask_question{{"kb_id": "{entry.id}"}}'))
    buttons.append(Button(title=i18n.text("none_of_these", language), payload="/request_human"))
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
        service = KnowledgeService.get()
        picked = chosen_entry(tracker)
        if picked in service.kb.entries:
            entry, confidence = service.kb.entries[picked], None
        else:
            message = tracker.latest_message
            decision = service.retriever.decide(message.get("text") or "",
                                                unpack(message, service.retriever.embedder.name))
            if decision.action == "clarify" and not tracker.get_slot(CLARIFY_SLOT):
                send(dispatcher, clarify_envelope(service.kb, decision, language))
                return [SlotSet(CLARIFY_SLOT, True)]
            if decision.action != "answer":  # nothing fits, or a second guess in a row: a person
                return [SlotSet(CLARIFY_SLOT, False),
                        *handoff(dispatcher, language, reason="no_answer", candidates=decision.candidates)]
            entry, confidence = service.kb.entries[decision.candidates[0].entry_id], decision.candidates[0].score
        send(dispatcher, answer_envelope(entry, language, confidence))
        events: list[EventType] = [SlotSet(CLARIFY_SLOT, False), SlotSet(LAST_ANSWER_SLOT, entry.id),
                                   SlotSet(OUT_OF_SCOPE_SLOT, 0.0)]
        if entry.handoff == "always":
            return events + handoff(dispatcher, language, reason="personal_case", topic=entry.topic)
        referral = referral_envelope(service.kb, entry, language)
        if referral is not None:
            send(dispatcher, referral)
        return events


if os.environ.get("KB_PRELOAD") == "1":  # set by the stack: load content and index when the server starts
    KnowledgeService.get()
