"""Personal and high-stakes cases in every supported language.

A refusal, a letter about deportation, the state of one's own application, an expired permit,
lost documents, a dispute with the employer that threatens a residence title: general knowledge
cannot settle these, a person must. Recognised by reviewed patterns in `personal_terms/<lang>.yml`,
whatever the classifier thinks of the message.
"""

from __future__ import annotations

from pathlib import Path

from bot.rasa_ext.phrases import PhraseLexicon

TERMS_DIR = Path(__file__).with_name("personal_terms")
# checked in this order: the most pressing first
CATEGORIES = ("deportation", "expired_permit", "refusal", "lost_documents", "employer_dispute", "own_status")
# where danger is named: these hand off as urgent even without a date
URGENT_CATEGORIES = frozenset({"deportation", "expired_permit"})


def personal_lexicon(folder: Path = TERMS_DIR) -> PhraseLexicon:
    return PhraseLexicon.load(folder, CATEGORIES)
