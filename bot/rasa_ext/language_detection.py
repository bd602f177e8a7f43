"""Language identification for short chat messages (stdlib + lingua only: runs inside Rasa's env).

lingua alone is unreliable on one or two words ("Hallo" scores as English), which is exactly
what people send first. So three layers decide, most specific first:
1. letters that only one supported language uses (Persian پ چ ژ گ, Ukrainian і ї є ґ, ...),
2. a small lexicon of the greetings and dialogue words people send on their own,
3. lingua restricted to the supported languages, for everything else.

A message in a language we do not support must not be read as the nearest supported one
(Portuguese as Spanish, Kurmanji as French): `unsupported` names it when a second, wide lingua
detector (many more languages, low-accuracy mode: ~40 MB) or a script rule is clear about it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from bot.languages import SUPPORTED_LANGUAGES

_LINGUA_NAMES = {
    "de": "GERMAN", "en": "ENGLISH", "ar": "ARABIC", "tr": "TURKISH",
    "uk": "UKRAINIAN", "ru": "RUSSIAN", "fa": "PERSIAN", "fr": "FRENCH",
    "es": "SPANISH", "pl": "POLISH", "ro": "ROMANIAN", "it": "ITALIAN",
}
# Languages newcomers write in that we do not (yet) support and lingua knows: the wide detector
# tells them from the supported ones. Pashto, Sorani, Kurmanji and Tigrinya are not in lingua;
# `_UNSUPPORTED_LETTERS` and `_KURMANJI_WORDS` catch them.
_WIDE_LANGUAGES = ("pt", "nl", "sq", "sr", "bs", "hr", "bg", "el", "hu", "cs", "sk", "sl", "mk", "so", "sw",
                   "vi", "zh", "hi", "ur", "ko", "ja", "ka", "hy", "az", "he", "tl", "id", "da", "sv")
CLEAR_LEAD_MIN_WORDS, CLEAR_LEAD_MIN_CONFIDENCE = 4, 0.35
UNSUPPORTED_MIN_CONFIDENCE = 0.7  # all unsupported languages together
UNSUPPORTED_MIN_TOP = 0.5  # the likeliest of them
UNSUPPORTED_MIN_WORDS = 3
_UNSUPPORTED_LETTERS = (  # checked before the supported scripts: these letters never occur in ar/fa
    ("ps", "Pashto", set("ټډړږښګڼېۍځڅ")),
    ("ckb", "Kurdish (Sorani)", set("ڕڵۆێە")),
    ("ti", "Tigrinya", {chr(c) for c in range(0x1200, 0x1380)}),  # Ethiopic script: Tigrinya or Amharic
)
_KURMANJI_WORDS = {"ez", "dixwazim", "dikarim", "bikim", "heye", "nîne", "çawa", "kengê", "xwe", "hûn", "spas",
                   "silav", "rûniştinê", "destûra", "nizanim", "min", "çi", "ji", "bi", "kurmancî", "divê",
                   "karê", "zarokên", "malê", "dibe", "naxwe", "erê"}

_DISTINCT_LETTERS = {
    "fa": set("پچژگکی"),
    "ar": set("ةىيك"),
    "uk": set("іїєґ"),
    "ru": set("ыэъё"),
}
# Persian keyboards still produce Arabic ك/ي sometimes, so Persian letters win over Arabic ones.
_SCRIPT_PRIORITY = ("fa", "uk", "ru", "ar")

_LEXICON: dict[str, set[str]] = {
    "de": {"hallo", "moin", "servus", "guten tag", "guten morgen", "guten abend", "danke",
           "danke schön", "vielen dank", "tschüss", "tschüs", "ja", "nein", "ja bitte",
           "nein danke", "grüß gott", "hallo zusammen", "bitte", "genau", "stimmt"},
    "en": {"hi", "hello", "hey", "good morning", "good evening", "thanks", "thank you",
           "bye", "goodbye", "yes", "no", "yes please", "no thanks", "ok thanks", "cheers",
           "hello there", "hi there", "please"},
    "fr": {"bonjour", "salut", "bonsoir", "merci", "merci beaucoup", "au revoir", "oui",
           "non", "oui merci", "non merci", "coucou", "bonne journée", "s'il vous plaît"},
    "tr": {"merhaba", "selam", "günaydın", "iyi akşamlar", "teşekkürler", "teşekkür ederim",
           "sağol", "sağ ol", "evet", "hayır", "görüşürüz", "hoşça kal", "tamam", "lütfen",
           "selamünaleyküm", "mersi"},
    "ar": {"مرحبا", "اهلا", "أهلا", "شكرا", "شكرا جزيلا", "نعم", "لا", "مع السلامة",
           "السلام عليكم", "صباح الخير", "مساء الخير", "تمام", "من فضلك"},
    "fa": {"سلام", "درود", "مرسی", "ممنون", "خیلی ممنون", "بله", "آره", "نه", "خداحافظ",
           "صبح بخیر", "لطفا", "باشه"},
    "uk": {"привіт", "добрий день", "дякую", "так", "ні", "до побачення", "будь ласка",
           "вітаю", "добрий ранок"},
    "ru": {"привет", "здравствуйте", "добрый день", "спасибо", "да", "нет", "до свидания",
           "пожалуйста", "доброе утро", "пока"},
    "es": {"hola", "buenos días", "buenas tardes", "buenas noches", "gracias", "muchas gracias", "sí",
           "adiós", "hasta luego", "por favor", "vale", "no gracias", "sí gracias"},
    "pl": {"dzień dobry", "dzien dobry", "cześć", "czesc", "dziękuję", "dziekuje", "dzięki", "tak", "nie",
           "do widzenia", "proszę", "prosze", "dobry wieczór", "witam"},
    "ro": {"bună", "buna", "bună ziua", "buna ziua", "salut", "mulțumesc", "multumesc", "mersi", "da", "nu",
           "la revedere", "vă rog", "va rog", "bună seara", "buna dimineata"},
    "it": {"ciao", "buongiorno", "buonasera", "grazie", "grazie mille", "sì", "arrivederci", "per favore",
           "no grazie", "salve", "prego"},
}
# German words of the German system that people keep in any language ("Où faire la Gewerbeanmeldung ?",
# "Ce e Fiktionsbescheinigung?"): they pull lingua towards German, so they are left out before it
# decides whenever at least two other words remain.
_GERMAN_TERM_STEMS = (
    "ausländerbeh", "auslaenderbeh", "aufenthalt", "niederlassung", "anmeld", "abmeld", "bürgeramt", "bürgerbüro",
    "bürgergeld", "jobcenter", "kindergeld", "elterngeld", "fiktionsbesch", "duldung", "chancenkarte", "anerkennung",
    "anpassungslehrgang", "kenntnisprüfung", "integrationskurs", "zertifikat", "gewerbe", "versicherung",
    "umweltplakette", "sperrmüll", "deutschlandticket", "musterstadt", "wohnungsgeber", "steuer", "krankenkasse",
    "mietvertrag", "kaution", "wohngeld", "wohnberechtigung", "rundfunk", "ausreise", "abschiebung", "ablehnung",
    "bescheid", "widerspruch", "aktenzeichen", "erwerbstätig", "gestattet", "sozialversicherung", "arbeitsagentur",
    "familiennachzug", "einbürgerung", "ausbildung", "jugendamt", "beratungsstelle", "personalausweis", "reisepass",
    "gesundheitskarte", "hausarzt", "kindergarten", "schulamt", "standesamt", "meldebescheinigung", "blaue",
    "sprachkurs", "berufssprachkurs", "haftpflicht", "minijob", "schufa", "kündigung", "arbeitsvertrag",
)
_GERMAN_TERMS = frozenset({"kita", "amt", "eat", "zab", "bamf", "wbs", "ice", "tafel", "karte", "eu", "termin",
                           "agentur", "für", "arbeit"})
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)


@dataclass(frozen=True)
class Detection:
    code: str | None  # ISO 639-1 code of a supported language, None when nothing fits
    confidence: float
    method: str  # "script", "lexicon", "lingua" or "none"
    reliable: bool  # confident enough to set a conversation's language
    words: int = 0
    unsupported: str | None = None  # a language we do not support, clearly detected (ISO 639 code)
    unsupported_name: str | None = None  # its English name, for staff and the one-line notice

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _is_german_term(word: str) -> bool:
    return word in _GERMAN_TERMS or any(stem in word for stem in _GERMAN_TERM_STEMS)


class LanguageDetector:
    """Detects the language of a message among the configured languages."""

    def __init__(self, languages: tuple[str, ...] = SUPPORTED_LANGUAGES, min_confidence: float = 0.6,
                 preload: bool = False) -> None:
        unknown = set(languages) - set(_LINGUA_NAMES)
        if unknown:
            raise ValueError(f"unsupported language codes: {sorted(unknown)}")
        from lingua import Language, LanguageDetectorBuilder

        self.languages = tuple(languages)
        self.min_confidence = min_confidence
        builder = LanguageDetectorBuilder.from_languages(
            *(getattr(Language, _LINGUA_NAMES[code]) for code in self.languages))
        if preload:
            builder = builder.with_preloaded_language_models()
        self._lingua = builder.build()
        self._from_lingua = {getattr(Language, _LINGUA_NAMES[c]): c for c in self.languages}
        wide = [lang for lang in Language.all()
                if lang.iso_code_639_1.name.lower() in (*self.languages, *_WIDE_LANGUAGES)]
        self._wide = LanguageDetectorBuilder.from_languages(*wide).with_low_accuracy_mode().build()

    def warm_up(self) -> None:
        """Load lingua's lazily loaded models now, not on the first message of each language."""
        for sample in ("Guten Tag, wie geht es Ihnen heute?", "Good morning, how are you today?",
                       "صباح الخير كيف حالك اليوم", "Günaydın, bugün nasılsınız?", "Доброго ранку, як ви сьогодні?",
                       "Доброе утро, как вы сегодня?", "صبح بخیر، امروز حال شما چطور است؟",
                       "Bonjour, comment allez-vous aujourd'hui ?", "Buenos días, ¿cómo está usted hoy?",
                       "Dzień dobry, jak się pan dzisiaj czuje?", "Bună ziua, ce mai faceți astăzi?",
                       "Buongiorno, come sta oggi?"):
            self._lingua.compute_language_confidence_values(sample)
            self._wide.compute_language_confidence_values(sample)

    def detect(self, text: str) -> Detection:
        words = [w.lower() for w in _WORD.findall(text)]
        if not words:
            return Detection(None, 0.0, "none", False)
        own = [w for w in words if not _is_german_term(w)]
        if len(own) >= 2 and len(own) < len(words):  # decide on the person's own words
            text, words = " ".join(own), own
        foreign = self._unsupported(text, words)
        if foreign is not None:
            return Detection(None, 0.0, "unsupported", False, len(words), *foreign)
        return self._supported(text, words)

    def _supported(self, text: str, words: list[str]) -> Detection:
        n = len(words)
        by_script = self._by_distinct_letters(text)
        phrase = " ".join(words)
        by_lexicon = [lang for lang in self.languages if phrase in _LEXICON.get(lang, ())]
        if len(words) <= 3 and len(by_lexicon) == 1 and by_script in (None, by_lexicon[0]):
            return Detection(by_lexicon[0], 0.95, "lexicon", True, n)
        if by_script is not None and by_script in self.languages:
            return Detection(by_script, 0.95, "script", True, n)
        values = self._lingua.compute_language_confidence_values(text)
        if not values:
            return Detection(None, 0.0, "none", False, n)
        best = values[0]
        code = self._from_lingua[best.language]
        confidence = round(float(best.value), 3)
        runner_up = float(values[1].value) if len(values) > 1 else 0.0
        # a single word is a weak signal even when lingua is sure of itself; with 12 languages a clear
        # English sentence can score 0.46 (Spanish and Italian take a share), so a sentence of several
        # words whose language leads the next one twice over counts too
        reliable = ((confidence >= self.min_confidence and (len(words) > 1 or confidence >= 0.9))
                    or (len(words) >= CLEAR_LEAD_MIN_WORDS and confidence >= CLEAR_LEAD_MIN_CONFIDENCE
                        and confidence >= 2 * runner_up))
        return Detection(code, confidence, "lingua", reliable, n)

    def _unsupported(self, text: str, words: list[str]) -> tuple[str, str] | None:
        """(code, English name) of a language we do not support, when the message is clearly in one."""
        letters = set(text)
        for code, name, distinct in _UNSUPPORTED_LETTERS:
            if letters & distinct:
                return code, name
        if len(set(words) & _KURMANJI_WORDS) >= 2 and letters & set("êîûçş"):
            return "ku", "Kurdish (Kurmanji)"
        if len(words) < UNSUPPORTED_MIN_WORDS:
            return None
        values = self._wide.compute_language_confidence_values(text)
        if not values:
            return None
        code = values[0].language.iso_code_639_1.name.lower()
        # Croatian, Bosnian and Serbian share their confidence: count all languages we do not support
        foreign = sum(v.value for v in values if v.language.iso_code_639_1.name.lower() not in self.languages)
        if code in self.languages or foreign < UNSUPPORTED_MIN_CONFIDENCE or values[0].value < UNSUPPORTED_MIN_TOP:
            return None
        return code, values[0].language.name.title()

    def _by_distinct_letters(self, text: str) -> str | None:
        letters = set(text.lower())
        for lang in _SCRIPT_PRIORITY:
            if letters & _DISTINCT_LETTERS[lang]:
                return lang
        return None
