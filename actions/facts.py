"""What the person told about themselves (the entity layer's slots), and what follows from it.

The slots keep what was said in earlier turns; `mentioned` tells what the latest message said.
A value with '|' is ambiguous: the dialogue asks instead of guessing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from rasa_sdk import Tracker

from bot.conversations.messages import CaseFacts
from bot.knowledge.schema import FREE_MOVEMENT, Country, Site
from bot.rasa_ext.entities.lexicon import TERMS_DIR

URGENT_WITHIN = dt.timedelta(days=14)  # a deadline this close, or passed, makes a handoff urgent
SLOTS = ("nationality", "country", "profession", "deadline", "reference")
UNSUPPORTED_LANGUAGE_SLOT = "unsupported_language"  # "Portuguese (pt)": a language we do not support, for staff


def mentioned(tracker: Tracker, entity: str) -> list[str]:
    """The values of an entity in the latest message."""
    return [str(e["value"]) for e in tracker.latest_message.get("entities") or []
            if e.get("entity") == entity and e.get("value") is not None]


def office_today(site: Site) -> dt.date:
    return dt.datetime.now(ZoneInfo(site.staff_hours.timezone)).date()


@cache
def profession_labels(language: str, folder: Path = TERMS_DIR) -> dict[str, str]:
    """How a reply names each profession in a language (entity_terms/<lang>.yml), English as fallback."""
    def read(code: str) -> dict[str, str]:
        path = folder / f"{code}.yml"
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
        return {str(k): str(v.get("label") or k) for k, v in ((raw or {}).get("professions") or {}).items()}
    return {**read("en"), **read(language)}


@dataclass(frozen=True)
class Case:
    """The facts of one conversation, as the slots hold them."""

    nationality: str | None
    country: str | None
    profession: str | None
    deadline: dt.date | None
    reference: str | None
    detected_language: str | None = None

    @classmethod
    def of(cls, tracker: Tracker) -> Case:
        values = {slot: tracker.get_slot(slot) or None for slot in SLOTS}
        try:
            deadline = dt.date.fromisoformat(values["deadline"]) if values["deadline"] else None
        except ValueError:
            deadline = None
        return cls(values["nationality"], values["country"], values["profession"], deadline, values["reference"],
                   tracker.get_slot(UNSUPPORTED_LANGUAGE_SLOT) or None)

    def citizenship(self, countries: dict[str, Country]) -> str | None:
        """germany | eu | eea | ch | third, or None when unknown or ambiguous."""
        country = countries.get(self.nationality or "")
        return country.status if country else None

    def free_movement(self, countries: dict[str, Country]) -> str | None:
        status = self.citizenship(countries)
        return status if status in FREE_MOVEMENT else None

    def urgent(self, today: dt.date) -> bool:
        return self.deadline is not None and self.deadline - today <= URGENT_WITHIN

    def for_ticket(self, site: Site, countries: dict[str, Country]) -> CaseFacts:
        return CaseFacts(nationality=self.nationality, nationality_status=self.citizenship(countries),
                         country=self.country, profession=self.profession,
                         competent_body=site.recognition_bodies.get(self.profession or ""),
                         deadline=self.deadline, reference=self.reference,
                         detected_language=self.detected_language)
