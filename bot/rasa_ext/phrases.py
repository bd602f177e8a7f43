"""Reviewed phrase lists in every supported language (stdlib + yaml: runs inside Rasa's env too).

Two safety nets that do not depend on the classifier use them: emergencies (`emergency_terms/`)
and personal cases (`personal_terms/`). Each folder holds one file per language,
`{category: [regular expressions]}`, matched with `re.search` on NFKC + lower-cased text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True)
class PhraseMatch:
    category: str
    language: str
    pattern: str


# Arabic vowel marks (tashkeel), the superscript alef and the tatweel stretch: people type them or
# not, the patterns are written without them.
_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")


def normalise(text: str) -> str:
    return _ARABIC_MARKS.sub("", unicodedata.normalize("NFKC", text).lower())


class PhraseLexicon:
    """The first category (in `categories` order) with a pattern that occurs in the text."""

    def __init__(self, patterns: dict[str, dict[str, list[str]]], categories: tuple[str, ...]) -> None:
        self._compiled = [(category, language, re.compile(pattern))
                          for category in categories
                          for language, by_category in patterns.items()
                          for pattern in by_category.get(category, [])]

    @classmethod
    def load(cls, folder: Path, categories: tuple[str, ...]) -> PhraseLexicon:
        patterns = {path.stem: yaml.safe_load(path.read_text(encoding="utf-8")) or {}
                    for path in sorted(folder.glob("*.yml"))}
        if not patterns:
            raise FileNotFoundError(f"no phrase lists in {folder}")
        return cls(patterns, categories)

    def match(self, text: str) -> PhraseMatch | None:
        normalised = normalise(text)
        for category, language, pattern in self._compiled:
            if pattern.search(normalised):
                return PhraseMatch(category, language, pattern.pattern)
        return None
