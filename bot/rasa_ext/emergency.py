"""Emergency phrases in every supported language (stdlib + yaml: runs inside Rasa's env too).

A safety net that does not depend on the classifier: violence, threats, suicidal thoughts, no
place to sleep tonight and medical emergencies are recognised by reviewed patterns in
`emergency_terms/<lang>.yml`. An unnecessary emergency notice costs much less than a missed one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

TERMS_DIR = Path(__file__).with_name("emergency_terms")
CATEGORIES = ("violence", "threat", "suicide", "homeless_tonight", "medical")


@dataclass(frozen=True)
class EmergencyMatch:
    category: str
    language: str
    pattern: str


# Arabic vowel marks (tashkeel), the superscript alef and the tatweel stretch: people type them or
# not, the patterns are written without them.
_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")


def normalise(text: str) -> str:
    return _ARABIC_MARKS.sub("", unicodedata.normalize("NFKC", text).lower())


class EmergencyLexicon:
    def __init__(self, patterns: dict[str, dict[str, list[str]]]) -> None:
        self._compiled = [(category, language, re.compile(pattern))
                          for language, by_category in patterns.items()
                          for category in CATEGORIES
                          for pattern in by_category.get(category, [])]

    @classmethod
    def load(cls, folder: Path = TERMS_DIR) -> EmergencyLexicon:
        """One file per language: {category: [regular expressions]}."""
        patterns = {path.stem: yaml.safe_load(path.read_text(encoding="utf-8")) or {}
                    for path in sorted(folder.glob("*.yml"))}
        if not patterns:
            raise FileNotFoundError(f"no emergency terms in {folder}")
        return cls(patterns)

    def match(self, text: str) -> EmergencyMatch | None:
        normalised = normalise(text)
        for category, language, pattern in self._compiled:
            if pattern.search(normalised):
                return EmergencyMatch(category, language, pattern.pattern)
        return None
