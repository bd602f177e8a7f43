"""A knowledge-base entry as the person receives it (from the bot, or sent by staff from the inbox)."""

from __future__ import annotations

from bot import i18n
from bot.conversations.messages import Button, Envelope, SourceRef, person_button
from bot.knowledge.schema import Entry


def answer_envelope(entry: Entry, language: str, confidence: float | None) -> Envelope:
    if language in entry.answers:
        text = entry.answers[language]
        if entry.is_draft(language):  # one short line: nobody has checked this translation yet
            text = f"{text}\n\n({i18n.text('draft_translation', language)})"
    else:  # no curated answer in this language: German and English
        text = "\n\n".join([i18n.text("not_in_your_language", language), entry.answers["de"], entry.answers["en"]])
    return Envelope(
        kind="answer", text=text, language=language, topic=entry.topic, kb_id=entry.id,
        confidence=confidence,
        sources=[SourceRef(title=s.title, url=str(s.url), reviewed=entry.reviewed) for s in entry.sources],
        buttons=[Button(title=i18n.text("button_yes", language), payload="/feedback_positive"),
                 Button(title=i18n.text("button_no", language), payload="/feedback_negative"),
                 person_button(language)],
    )
