"""German labels of the inbox (staff work in German; the person's language is shown by name)."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from bot.conversations.models import Conversation, as_utc, utcnow
from bot.conversations.reply_window import invited_since_last_message, window_ends
from bot.knowledge.loader import KnowledgeBase
from bot.languages import NATIVE_NAMES

LANGUAGES_DE = {"de": "Deutsch", "en": "Englisch", "ar": "Arabisch", "tr": "Türkisch", "uk": "Ukrainisch",
                "ru": "Russisch", "fa": "Persisch", "fr": "Französisch", "es": "Spanisch", "pl": "Polnisch",
                "ro": "Rumänisch", "it": "Italienisch"}
PERSONAL_CASES_DE = {"deportation": "Abschiebung / Ausreiseaufforderung", "expired_permit": "Titel abgelaufen",
                     "refusal": "Ablehnung", "lost_documents": "Dokumente verloren / gestohlen",
                     "employer_dispute": "Streit mit Arbeitgeber / Kündigung",
                     "own_status": "Stand des eigenen Antrags"}
TOPICS_DE = {"residence": "Aufenthalt", "work": "Arbeit", "housing": "Wohnen", "language": "Sprache",
             "recognition": "Anerkennung", "health": "Gesundheit", "education": "Bildung",
             "daily_life": "Alltag", "office": "Welcome Center"}
STATUS_DE = {"waiting": "wartet", "assigned": "in Bearbeitung", "resolved": "abgeschlossen"}
REASONS_DE = {"requested": "Person möchte einen Menschen", "emergency": "Notfall",
              "personal_case": "persönlicher Fall / nur durch Team", "no_answer": "Bot fand keine sichere Antwort",
              "negative_feedback": "Antwort half nicht", "out_of_scope": "außerhalb des Angebots",
              "technical": "technische Störung", "deadline": "Frist nah oder abgelaufen"}
STATUS_OF_CITIZENSHIP_DE = {"germany": "deutsch", "eu": "EU (Freizügigkeit)", "eea": "EWR (Freizügigkeit)",
                            "ch": "Schweiz (Freizügigkeitsabkommen)", "third": "Drittstaat"}
CHANNELS_DE = {"web": "Web-Chat", "telegram": "Telegram", "whatsapp": "WhatsApp"}
DELIVERY_DE = {"pending": "wird gesendet", "sent": "gesendet", "delivered": "zugestellt", "read": "gelesen",
               "failed": "nicht zugestellt", "unreachable": "nicht erreichbar",
               "held": "wartet, bis die Person schreibt (24-Stunden-Fenster)"}
ROLES_DE = {"person": "Person", "bot": "Assistent", "staff": "Team", "system": "System"}
QUEUE_TABS = (("waiting", "Wartend"), ("mine", "Meine"), ("assigned", "In Bearbeitung"), ("open", "Alle offenen"),
              ("resolved", "Abgeschlossen"))
CANNED_REPLIES_FILE = Path(__file__).parent / "canned_replies.yml"
LOCAL_TIME = ZoneInfo("Europe/Berlin")  # staff read times in the office's time zone


def language_label(code: str | None) -> str:
    if not code:
        return "unbekannt"
    return f"{LANGUAGES_DE.get(code, code)} ({NATIVE_NAMES.get(code, code)})"

# what a person's text may carry to turn the staff's view around: explicit overrides are shown as what they
# are, embeddings and isolates dropped (each message is shown in its own element with dir="auto")
BIDI_SHOWN = {"\u202d": "[LRO]", "\u202e": "[RLO]"}
BIDI_DROPPED = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u2066\u2067\u2068\u2069"))


def neutral_bidi(value: object) -> object:
    """Every value a template prints (Jinja's `finalize`): bidirectional controls neutralised."""
    if not isinstance(value, str):
        return value
    value = value.translate(BIDI_DROPPED)
    for char, shown in BIDI_SHOWN.items():
        value = value.replace(char, shown)
    return value


def number(count: int) -> str:
    """A count as German readers write it: 10.000."""
    return f"{count:,}".replace(",", ".")


def clock(moment: dt.datetime | str | None, with_date: bool = False) -> str:
    """A stored UTC time as the office's local time: `14:05` or `21.11.2026 14:05`."""
    if moment is None:
        return ""
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    moment = as_utc(moment).astimezone(LOCAL_TIME)
    return moment.strftime("%d.%m.%Y %H:%M" if with_date else "%H:%M")


def ago(moment: dt.datetime | None, now: dt.datetime | None = None) -> str:
    if moment is None:
        return ""
    minutes = int(((now or utcnow()) - as_utc(moment)).total_seconds() // 60)
    if minutes < 1:
        return "gerade eben"
    if minutes < 60:
        return f"{minutes} Min."
    hours = minutes // 60
    return f"{hours} Std. {minutes % 60} Min." if hours < 48 else f"{hours // 24} Tage"


def reply_window(conversation: Conversation) -> str:
    """WhatsApp's 24-hour window as staff read it: open for how long, or closed and what happens."""
    ends = window_ends(conversation)
    if ends is not None:
        left = int((ends - utcnow()).total_seconds() // 60)
        return f"offen, noch {left // 60} Std. {left % 60} Min. (bis {clock(ends)})"
    text = "geschlossen: Antworten werden zugestellt, sobald die Person wieder schreibt"
    if invited_since_last_message(conversation):
        text += f"; Einladung (Vorlage) gesendet {clock(conversation.invited_at, True)}"
    return text


@cache
def canned_replies() -> dict[str, dict]:
    """key -> {title (German), text: {language: reply}}."""
    with CANNED_REPLIES_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def case_facts(facts: dict[str, Any] | None, kb: KnowledgeBase, today: dt.date | None = None) -> list[tuple[str, str]]:
    """What the bot understood about the person, as rows for the ticket page (German)."""
    facts = facts or {}

    def country(code: str) -> str:
        return " oder ".join(kb.countries[c].name if c in kb.countries else c for c in code.split("|"))

    rows = []
    if facts.get("deadline"):
        day = dt.date.fromisoformat(facts["deadline"])
        days = (day - (today or dt.datetime.now(LOCAL_TIME).date())).days
        when = "heute" if days == 0 else f"vor {-days} Tagen" if days < 0 else f"in {days} Tagen"
        rows.append(("Frist", f"{day:%d.%m.%Y} ({when})"))
    if facts.get("personal_case"):
        rows.append(("Persönlicher Fall", PERSONAL_CASES_DE.get(facts["personal_case"], facts["personal_case"])))
    if facts.get("detected_language"):
        rows.append(("Schreibt auf (nicht unterstützt)", facts["detected_language"]))
    if facts.get("reference"):
        rows.append(("Aktenzeichen / Nummer (von der Person)", facts["reference"]))
    if facts.get("nationality"):
        status = STATUS_OF_CITIZENSHIP_DE.get(facts.get("nationality_status") or "", "unklar, nachgefragt")
        rows.append(("Staatsangehörigkeit", f"{country(facts['nationality'])} ({status})"))
    if facts.get("country"):
        rows.append(("Genanntes Land", country(facts["country"])))
    if facts.get("profession"):
        body = kb.site.contacts.get(facts.get("competent_body") or "")
        competent = f" → zuständig: {body.name}" if body else ""
        rows.append(("Beruf", facts["profession"].replace("|", " oder ") + competent))
    return rows
