"""Switching the conversation's language on request."""

from __future__ import annotations

import re

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.replies import LANGUAGE_SLOT, ReplyAction, picked_language, send
from bot import i18n
from bot.conversations.messages import Button, Envelope
from bot.languages import NATIVE_NAMES, SUPPORTED_LANGUAGES

# Stems of each language's name as people write it in the supported languages.
LANGUAGE_NAME_STEMS: dict[str, tuple[str, ...]] = {
    "de": ("deutsch", "german", "allemand", "almanca", "німецьк", "немецк", "الألمان", "الالمان", "آلمانی", "alemán",
           "aleman", "niemiecki", "niemiecku", "germană", "germana", "tedesco"),
    "en": ("englisch", "english", "anglais", "ingilizce", "İngilizce", "англійськ", "английск", "الإنجليز", "الانجليز",
           "الإنكليز", "انگلیسی", "inglés", "ingles", "angielski", "angielsku", "engleză", "engleza", "inglese"),
    "ar": ("arabisch", "arabic", "arabe", "arapça", "арабськ", "арабск", "العربي", "عربی", "árabe", "arabsk", "arabă",
           "araba", "arabo"),
    "tr": ("türkisch", "turkish", "turc", "türkçe", "turkce", "турецьк", "турецк", "التركي", "ترکی", "turco", "tureck",
           "turcă", "turca"),
    "uk": ("ukrainisch", "ukrainian", "ukrainien", "ukraynaca", "українськ", "украинск", "الأوكراني", "اوکراینی",
           "ucraniano", "ukraińsk", "ukrainsk", "ucraineană", "ucraineana", "ucraino"),
    "ru": ("russisch", "russian", "russe", "rusça", "російськ", "русск", "الروسي", "روسی", "ruso", "rosyjsk", "rusă",
           "rusa", "russo"),
    "fa": ("persisch", "farsi", "persian", "persan", "dari", "farsça", "перськ", "персидск", "фарси", "الفارسي",
           "فارسی", "persa", "perski", "persană", "persana", "persiano"),
    "fr": ("französisch", "french", "français", "francais", "fransızca", "французьк", "французск", "الفرنسي",
           "فرانسوی", "francés", "frances", "francusk", "franceză", "franceza", "francese"),
    "es": ("spanisch", "spanish", "espagnol", "ispanyolca", "іспанськ", "испанск", "الإسبان", "الاسبان", "اسپانیایی",
           "español", "espanol", "castellano", "hiszpańsk", "hiszpansk", "spaniolă", "spaniola", "spagnolo"),
    "pl": ("polnisch", "polish", "polonais", "lehçe", "польськ", "польск", "البولند", "لهستانی", "polski", "polsku",
           "polaco", "poloneză", "poloneza", "polacco"),
    "ro": ("rumänisch", "romanian", "roumain", "rumence", "румунськ", "румынск", "الروماني", "رومانیایی", "rumano",
           "rumuńsk", "rumunsk", "română", "romana", "româneşte", "romaneste", "rumeno"),
    "it": ("italienisch", "italian", "italien", "italyanca", "італійськ", "итальянск", "الإيطال", "الايطال",
           "ایتالیایی", "italiano", "włosk", "wlosk", "italiană", "italiana"),
}


def requested_language(text: str) -> str | None:
    """The language a message names ("auf Englisch bitte" -> en); None if none or several."""
    lowered = text.lower()
    named = {code for code, stems in LANGUAGE_NAME_STEMS.items()
             if any(re.search(re.escape(stem.lower()), lowered) for stem in stems)}
    return named.pop() if len(named) == 1 else None


class ActionSwitchLanguage(ReplyAction):
    def name(self) -> str:
        return "action_switch_language"

    async def reply(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                    language: str) -> list[EventType]:
        target = picked_language(tracker) or requested_language(tracker.latest_message.get("text") or "")
        if target in SUPPORTED_LANGUAGES:
            send(dispatcher, Envelope(kind="info", language=target,
                                      text=i18n.text("language_switched", target, language=NATIVE_NAMES[target])))
            return [SlotSet(LANGUAGE_SLOT, target)]
        buttons = [Button(title=name, payload=f'/switch_language{{"language_choice": "{code}"}}')
                   for code, name in NATIVE_NAMES.items()]
        send(dispatcher, Envelope(kind="info", language=language, buttons=buttons,
                                  text=i18n.text("language_prompt", language)))
        return []
