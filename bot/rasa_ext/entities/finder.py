"""Finds the entities of one message: the terms of the message's language and of English and
German (their words turn up everywhere), dates and references. Pure: no Rasa here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import spacy
from spacy.language import Language

from bot.rasa_ext.entities.dates import DateMention, WordDates, numeric_dates
from bot.rasa_ext.entities.lexicon import TERMS_DIR, Lexicon, fits
from bot.rasa_ext.entities.normalise import token_form
from bot.rasa_ext.entities.references import ReferenceMention, cued, patterned

ALWAYS = ("en", "de")
MAX_CHARS = 2000  # longer messages are read up to here: a person's question fits, a pasted letter need not
NOT_A_PERSON_WINDOW = 2
ENTITY_TYPES = ("nationality", "country", "profession", "date", "deadline", "reference")


def overlaps(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    """Whether the characters start..end share any with one of the spans."""
    return any(start < other_end and other_start < end for other_start, other_end in spans)


@dataclass(frozen=True)
class Found:
    entity: str  # one of ENTITY_TYPES
    start: int
    end: int
    value: str  # ISO code, profession key, ISO date, the reference as written; "a|b" when ambiguous

    def as_rasa(self, extractor: str) -> dict[str, object]:
        return {"entity": self.entity, "start": self.start, "end": self.end, "value": self.value,
                "confidence_entity": 1.0, "extractor": extractor}


class EntityFinder:
    def __init__(self, lexicons: dict[str, Lexicon]) -> None:
        self.lexicons = lexicons
        self._pipelines: dict[str, Language] = {}

    @classmethod
    def load(cls, languages: Iterable[str], folder: Path = TERMS_DIR) -> EntityFinder:
        return cls({code: Lexicon.load(code, folder) for code in languages})

    def _tokenizer(self, language: str) -> Language:
        code = language if language in self.lexicons else "xx"
        if code not in self._pipelines:
            self._pipelines[code] = spacy.blank(code)
        return self._pipelines[code]

    def warm_up(self) -> None:
        for code in self.lexicons:
            self._tokenizer(code)

    def find(self, text: str, language: str | None, today: dt.date) -> list[Found]:
        text = text[:MAX_CHARS]
        doc = self._tokenizer(language or "xx").make_doc(text)
        forms = [token_form(token.text) for token in doc]
        spans = [(token.idx, token.idx + len(token.text)) for token in doc]
        used = [self.lexicons[code] for code in dict.fromkeys((language or "", *ALWAYS)) if code in self.lexicons]

        references = self._references(text, forms, spans, used)
        terms = self._terms(forms, spans, used)
        deadline = any(fits(lexicon.deadline_cues, form) for lexicon in used for form in forms)
        dates = self._dates(text, forms, spans, used, today, deadline)
        taken = [(r.start, r.end) for r in references]
        found = [Found("reference", r.start, r.end, r.value) for r in references]
        for item in [*terms, *(Found("deadline" if deadline else "date", d.start, d.end, d.date.isoformat())
                               for d in dates)]:
            if not overlaps(item.start, item.end, taken):
                found.append(item)
                taken.append((item.start, item.end))
        return sorted(found, key=lambda f: f.start)

    def _terms(self, forms: list[str], spans: list[tuple[int, int]], used: list[Lexicon]) -> list[Found]:
        found = []
        i = 0
        while i < len(forms):
            hits = [hit for lexicon in used for hit in lexicon.terms.at(forms, i)]
            if not hits:
                i += 1
                continue
            end, term = max(hits, key=lambda hit: hit[0])  # the longest; ties: the message's language first
            if term.label != "nationality" or not self._about_a_thing(forms, i, end, used):
                found.append(Found(term.label, spans[i][0], spans[end - 1][1], term.value))
            i = end
        return found

    @staticmethod
    def _about_a_thing(forms: list[str], start: int, end: int, used: list[Lexicon]) -> bool:
        """'Italian food', 'ich lerne Deutsch': a nationality word next to a word for a thing or a
        language, within the same clause (punctuation ends the look: "أنا سورية، أتكلم العربية")."""
        near = []
        for step, first in ((-1, start - 1), (1, end)):
            for k in range(NOT_A_PERSON_WINDOW):
                j = first + step * k
                if not 0 <= j < len(forms) or not forms[j]:
                    break
                near.append(j)
        return any(fits(lexicon.not_a_person, forms[j]) for lexicon in used for j in near)

    @staticmethod
    def _references(text: str, forms: list[str], spans: list[tuple[int, int]], used: list[Lexicon]
                    ) -> list[ReferenceMention]:
        found: list[ReferenceMention] = []
        after_cues = (m for lexicon in used for m in cued(text, forms, spans, lexicon.reference_cues))
        for mention in [*patterned(text), *after_cues]:
            if not overlaps(mention.start, mention.end, ((other.start, other.end) for other in found)):
                found.append(mention)
        return found

    @staticmethod
    def _dates(text: str, forms: list[str], spans: list[tuple[int, int]], used: list[Lexicon], today: dt.date,
               deadline: bool) -> list[DateMention]:
        found = numeric_dates(text, today)
        for lexicon in used:
            for mention in WordDates(lexicon.dates, forms, spans, today, deadline).find():
                if not overlaps(mention.start, mention.end, ((other.start, other.end) for other in found)):
                    found.append(mention)
        return found
