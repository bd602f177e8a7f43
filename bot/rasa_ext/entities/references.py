"""File, application and ticket numbers: they make a message a personal case for staff.

Found without context: our ticket numbers (W-000123) and structured numbers with letters and
digits ("ABH-2024-12345") or three groups of digits ("123/45-67", at least 7 digits, not a
date, not starting with 0 like a phone number). After a cue word ("Aktenzeichen", "file number",
"رقم الملف"), any token with at least 4 digits within the next 4 tokens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.rasa_ext.entities.lexicon import fits

TICKET = re.compile(r"(?<![\w-])W-\d{6}(?![\w-])", re.IGNORECASE)
LETTERS_AND_DIGITS = re.compile(r"(?<![\w/.-])[A-Za-z]{1,6}[-/.]?\d{2,}(?:[-/.][A-Za-z0-9]+)+(?![\w/-])")
DIGIT_GROUPS = re.compile(r"(?<![\w/.+-])[1-9]\d{1,}(?:[-/]\d{2,}){2,}(?![\w/-])")
DATE_LIKE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}")
MIN_GROUP_DIGITS = 7
CUED_DIGITS = 4
CUE_WINDOW = 4
_TRAILING = ".,;:!?)»\"'؟،؛"


@dataclass(frozen=True)
class ReferenceMention:
    start: int
    end: int
    value: str


def _digits(text: str) -> int:
    return sum(c.isdigit() for c in text)


SERVICE_NUMBER = re.compile(r"11\d{1,4}")  # 110, 112, 115, 116 117, 118 33: Germany's short service numbers


def _looks_like_phone(text: str, start: int, value: str) -> bool:
    """+49 ..., an area code followed by more digits ("0171 2345678"), or a service number."""
    following = text[start + len(value):start + len(value) + 2]
    return (value.startswith("+") or SERVICE_NUMBER.fullmatch(value) is not None
            or (value.startswith("0") and following[:1].isspace() and following[1:].isdigit()))


def patterned(text: str) -> list[ReferenceMention]:
    found = [ReferenceMention(m.start(), m.end(), m.group()) for m in TICKET.finditer(text)]
    found += [ReferenceMention(m.start(), m.end(), m.group()) for m in LETTERS_AND_DIGITS.finditer(text)]
    found += [ReferenceMention(m.start(), m.end(), m.group()) for m in DIGIT_GROUPS.finditer(text)
              if _digits(m.group()) >= MIN_GROUP_DIGITS and not DATE_LIKE.fullmatch(m.group())]
    return found


def cued(text: str, forms: list[str], spans: list[tuple[int, int]], cues: re.Pattern[str] | None
         ) -> list[ReferenceMention]:
    """A number after a cue word: the whole run of non-space characters around the digits."""
    found = []
    for i, form in enumerate(forms):
        if not fits(cues, form):
            continue
        for j in range(i + 1, min(i + 1 + CUE_WINDOW, len(forms))):
            start = spans[j][0]
            end = start
            while end < len(text) and not text[end].isspace():
                end += 1
            value = text[start:end].rstrip(_TRAILING)
            if _digits(value) >= CUED_DIGITS and not _looks_like_phone(text, start, value):
                found.append(ReferenceMention(start, start + len(value), value))
            if _digits(value):  # the first number after the cue decides
                break
    return found
