"""The languages Willkommen supports, in one place (imported by the Rasa components too: stdlib only)."""

SUPPORTED_LANGUAGES: tuple[str, ...] = ("de", "en", "ar", "tr", "uk", "ru", "fa", "fr", "es", "pl", "ro", "it")
DEFAULT_LANGUAGE = "de"
# a person writing in a language we do not support is answered in English, never in a third language
UNSUPPORTED_FALLBACK = "en"
RTL_LANGUAGES = frozenset({"ar", "fa"})

NATIVE_NAMES: dict[str, str] = {
    "de": "Deutsch",
    "en": "English",
    "ar": "العربية",
    "tr": "Türkçe",
    "uk": "Українська",
    "ru": "Русский",
    "fa": "فارسی",
    "fr": "Français",
    "es": "Español",
    "pl": "Polski",
    "ro": "Română",
    "it": "Italiano",
}

_SCRIPTS = {"de": "latin", "en": "latin", "tr": "latin", "fr": "latin", "es": "latin", "pl": "latin", "ro": "latin",
            "it": "latin",
            "ar": "arabic", "fa": "arabic", "uk": "cyrillic", "ru": "cyrillic"}
SWITCH_MIN_WORDS = 4
# lingua's confidences are relative among the candidate languages; a clear French sentence that
# mentions "Musterstadt" scores 0.66 for French, a German one scores above 0.95 for German.
SWITCH_MIN_CONFIDENCE = 0.6


def choose_language(current: str | None, detection: dict | None, picked: str | None = None) -> str:
    """The language to answer in, given the conversation's language and this message's detection.

    A language the person picked always wins. A message in a language we do not support keeps the
    conversation's language, or starts it in English. A new conversation takes a reliable detection.
    An ongoing one keeps its language unless the person clearly switched: a different script,
    or a sentence of several words that the detector is sure about. "ok" or "Hi" in a German
    conversation does not turn it into English.
    """
    if picked in SUPPORTED_LANGUAGES:
        return picked
    detection = detection or {}
    code, reliable = detection.get("code"), bool(detection.get("reliable"))
    if detection.get("unsupported"):  # keep a language the person has read so far, else English
        return current if current in SUPPORTED_LANGUAGES else UNSUPPORTED_FALLBACK
    if current not in SUPPORTED_LANGUAGES:
        return code if reliable and code in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE
    if not reliable or code not in SUPPORTED_LANGUAGES or code == current:
        return current
    if _SCRIPTS[code] != _SCRIPTS[current]:
        return code
    clear_sentence = (detection.get("words", 0) >= SWITCH_MIN_WORDS
                      and float(detection.get("confidence", 0.0)) >= SWITCH_MIN_CONFIDENCE)
    return code if clear_sentence else current
