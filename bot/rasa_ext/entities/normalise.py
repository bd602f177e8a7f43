"""One normal form for tokens and for the patterns written for them (entity_terms/README.md)."""

from __future__ import annotations

import re
import unicodedata

_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")  # vowel marks, superscript alef, tatweel
_INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff]")  # zero-width (non-)joiners, direction marks
_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه",
                          "’": "'", "ʼ": "'", "`": "'", "ё": "е"})


def normalise(text: str) -> str:
    """NFKC, lowercase (Turkish İ as plain i), Arabic marks dropped, Arabic/Persian letter variants
    folded, invisible joiners removed, apostrophe variants unified, ё as е."""
    text = unicodedata.normalize("NFKC", text).replace("İ", "i").lower().replace("i̇", "i")
    return _INVISIBLE.sub("", _ARABIC_MARKS.sub("", text)).translate(_LETTERS)


def token_form(text: str) -> str:
    """The normal form of one token; a token with an apostrophe keeps its longer side
    ("italya'dan" -> "italya", "d'italie" -> "italie")."""
    form = normalise(text)
    if "'" in form.strip("'"):
        form = max(form.split("'"), key=len)
    return form
