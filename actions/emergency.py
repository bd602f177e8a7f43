"""Emergencies: the right numbers first, in the person's language, then a person, urgently."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.replies import ReplyAction, handoff, send
from bot import i18n
from bot.conversations.messages import Envelope, person_button
from bot.knowledge.schema import Site

# Which of the site's emergency numbers fit which situation, most important first.
NUMBERS_BY_CATEGORY: dict[str | None, tuple[str, ...]] = {
    "violence": ("110", "116 016", "112"),
    "threat": ("110", "116 016"),
    "suicide": ("112", "0800 111 0 111", "0800 111 0 222"),
    "homeless_tonight": ("110",),
    "medical": ("112", "116 117"),
    None: ("110", "112"),
}
SHELTER_CONTACT = "sozialamt"


def emergency_text(site: Site, category: str | None, language: str) -> str:
    wanted = NUMBERS_BY_CATEGORY.get(category, NUMBERS_BY_CATEGORY[None])
    by_number = {entry.number: entry for entry in site.emergency_numbers}
    lines = [i18n.text("emergency_intro", language)]
    lines += [f"☎ {number} – {by_number[number].name}" for number in wanted if number in by_number]
    if category == "homeless_tonight" and SHELTER_CONTACT in site.contacts:
        shelter = site.contacts[SHELTER_CONTACT]
        lines.append(" · ".join(v for v in (shelter.name, shelter.phone and f"☎ {shelter.phone}", shelter.hours) if v))
    lines.append(i18n.text("emergency_handoff", language))
    return "\n".join(lines)


class ActionEmergency(ReplyAction):
    introduce_first = False  # the numbers come first, always
    personal_case_first = False  # an emergency hands off urgently anyway, with the facts

    def name(self) -> str:
        return "action_emergency"

    async def reply(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                    language: str) -> list[EventType]:
        category = (tracker.latest_message.get("emergency") or {}).get("category")
        send(dispatcher, Envelope(kind="emergency", text=emergency_text(self.services.site, category, language),
                                  language=language, buttons=[person_button(language)]))
        return handoff(dispatcher, language, reason="emergency", urgent=True, facts=self.case_facts(tracker)[0])
