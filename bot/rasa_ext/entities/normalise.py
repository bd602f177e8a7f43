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


_EDGE_PUNCTUATION = ".,;:!?،؛؟…\"«»()[]"
_ELISIONS = {"l", "d", "j", "m", "n", "s", "t", "c", "qu"}  # French: l'Italie


def token_form(text: str) -> str:
    """The normal form of one token, without punctuation at its edges (spaCy leaves "غداً." whole).
    A token with an apostrophe: after a French elision the word ("d'italie" -> "italie"); after a
    name of 3 letters or more the name (Turkish suffixes: "abd'liyim" -> "abd", "italya'dan" ->
    "italya"); otherwise the longer side (Ukrainian "п'ятниця" -> "ятниця").
    A token of punctuation only has the empty form."""
    form = normalise(text).strip(_EDGE_PUNCTUATION)
    if "'" in form.strip("'"):
        before, _, after = form.partition("'")
        form = after if before in _ELISIONS else before if len(before) >= 3 else max(form.split("'"), key=len)
    return form
