"""The word lists of one language (entity_terms/<lang>.yml), compiled for matching tokens.

A term is a sequence of token patterns (regular expressions matched against a whole normalised
token) with what it stands for: `nationality IT`, `country KR|KP`, `profession nurse`. Values with
a `|` are ambiguous: the dialogue asks instead of guessing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.rasa_ext.entities.normalise import normalise

TERMS_DIR = Path(__file__).resolve().parent.parent / "entity_terms"
WEEKDAYS, MONTHS = 7, 12
RELATIVE_DAYS = {"today": 0, "tomorrow": 1, "day_after_tomorrow": 2, "yesterday": -1, "day_before_yesterday": -2}


def compile_any(patterns: Iterable[str]) -> re.Pattern[str] | None:
    """One regex that fully matches a token matching any of the patterns (None for no patterns)."""
    parts = [f"(?:{normalise(p)})" for p in patterns]
    return re.compile("|".join(parts)) if parts else None


def fits(pattern: re.Pattern[str] | None, form: str) -> bool:
    return pattern is not None and pattern.fullmatch(form) is not None


@dataclass(frozen=True)
class Term:
    parts: tuple[re.Pattern[str], ...]  # one per token
    label: str  # nationality | country | profession
    value: str


class TermList:
    """Terms matched at a token position; a combined regex of all first tokens filters quickly."""

    def __init__(self, terms: list[Term]) -> None:
        self.terms = terms
        self._first = re.compile("|".join(f"(?:{t.parts[0].pattern})" for t in terms)) if terms else None

    def __len__(self) -> int:
        return len(self.terms)

    def at(self, forms: list[str], start: int) -> list[tuple[int, Term]]:
        """The terms that match the tokens from `start`, with the index after their last token."""
        if not fits(self._first, forms[start]):
            return []
        found = []
        for term in self.terms:
            end = start + len(term.parts)
            if end <= len(forms) and all(p.fullmatch(forms[start + i]) for i, p in enumerate(term.parts)):
                found.append((end, term))
        return found

    def longest_at(self, forms: list[str], start: int) -> tuple[int, Term] | None:
        found = self.at(forms, start)
        return max(found, key=lambda f: f[0]) if found else None


def term_list(patterns_by_value: Iterable[tuple[Iterable[str], str, str]]) -> TermList:
    """Terms from (patterns, label, value); a pattern with spaces spans several tokens."""
    terms = []
    for patterns, label, value in patterns_by_value:
        for pattern in patterns:
            parts = tuple(re.compile(normalise(part)) for part in str(pattern).split())
            if parts:
                terms.append(Term(parts, label, value))
    return TermList(terms)


@dataclass
class DateWords:
    """The words the date rules need (see dates.py)."""

    days: TermList = field(default_factory=lambda: TermList([]))  # today, tomorrow, ...: value = days from today
    weekdays: TermList = field(default_factory=lambda: TermList([]))  # value: 0 = Monday
    months: TermList = field(default_factory=lambda: TermList([]))  # value: 1 = January
    next: re.Pattern[str] | None = None
    last: re.Pattern[str] | None = None
    this: re.Pattern[str] | None = None
    future: re.Pattern[str] | None = None
    past: re.Pattern[str] | None = None
    units: dict[str, re.Pattern[str] | None] = field(default_factory=dict)  # day | week | month
    duals: dict[str, re.Pattern[str] | None] = field(default_factory=dict)  # unit -> a word meaning two of them
    numbers: list[tuple[re.Pattern[str], int]] = field(default_factory=list)


@dataclass
class Lexicon:
    language: str
    terms: TermList
    not_a_person: re.Pattern[str] | None
    dates: DateWords
    deadline_cues: re.Pattern[str] | None
    reference_cues: re.Pattern[str] | None
    labels: dict[str, str]  # profession key -> how a reply names it

    @classmethod
    def load(cls, language: str, folder: Path = TERMS_DIR) -> Lexicon:
        raw: dict[str, Any] = yaml.safe_load((folder / f"{language}.yml").read_text(encoding="utf-8")) or {}
        return cls.build(language, raw)

    @classmethod
    def build(cls, language: str, raw: dict[str, Any]) -> Lexicon:
        sources: list[tuple[Iterable[str], str, str]] = []

        def add(patterns: Iterable[str], label: str, value: str) -> None:
            sources.append((patterns, label, value))

        for code, names in (raw.get("countries") or {}).items():
            if not isinstance(code, str):  # YAML reads an unquoted NO as false
                raise ValueError(f"{language}: country key {code!r} must be a quoted string")
            for label in ("nationality", "country"):
                add((names or {}).get(label) or [], label, str(code))
        labels = {}
        for key, profession in (raw.get("professions") or {}).items():
            labels[str(key)] = str(profession.get("label") or key)
            add(profession.get("terms") or [], "profession", str(key))
        for group in raw.get("ambiguous_professions") or []:
            add(group.get("terms") or [], "profession", "|".join(group.get("professions") or []))
        return cls(language=language, terms=term_list(sources),
                   not_a_person=compile_any(raw.get("not_a_person") or []),
                   dates=_date_words(raw.get("dates") or {}),
                   deadline_cues=compile_any(raw.get("deadline_cues") or []),
                   reference_cues=compile_any(raw.get("reference_cues") or []),
                   labels=labels)


def _date_words(raw: dict[str, Any]) -> DateWords:
    def words(key: str) -> re.Pattern[str] | None:
        return compile_any(raw.get(key) or [])

    def each(key: str, count: int, first: int) -> TermList:
        """One entry per weekday or month, each a list of patterns (several tokens allowed: "سه شنبه")."""
        lists = list(raw.get(key) or [])
        if lists and len(lists) != count:
            raise ValueError(f"dates.{key}: {len(lists)} entries, expected {count}")
        return term_list((x if isinstance(x, list) else [x], key, str(first + i)) for i, x in enumerate(lists))

    return DateWords(
        days=term_list((raw.get(key) or [], "day", str(offset)) for key, offset in RELATIVE_DAYS.items()),
        weekdays=each("weekdays", WEEKDAYS, 0), months=each("months", MONTHS, 1),
        next=words("next"), last=words("last"), this=words("this"), future=words("future"), past=words("past"),
        units={unit: compile_any(p or []) for unit, p in (raw.get("units") or {}).items()},
        duals={unit: compile_any(p or []) for unit, p in (raw.get("duals") or {}).items()},
        numbers=[(re.compile(normalise(str(p))), int(n)) for p, n in (raw.get("numbers") or {}).items()])
