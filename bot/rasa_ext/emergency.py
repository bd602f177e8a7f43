"""Emergency phrases in every supported language.

A safety net that does not depend on the classifier: violence, threats, suicidal thoughts, no
place to sleep tonight and medical emergencies are recognised by reviewed patterns in
`emergency_terms/<lang>.yml`. An unnecessary emergency notice costs much less than a missed one.
"""

from __future__ import annotations

from pathlib import Path

from bot.rasa_ext.phrases import PhraseLexicon

TERMS_DIR = Path(__file__).with_name("emergency_terms")
CATEGORIES = ("violence", "threat", "suicide", "homeless_tonight", "medical")


def emergency_lexicon(folder: Path = TERMS_DIR) -> PhraseLexicon:
    return PhraseLexicon.load(folder, CATEGORIES)
