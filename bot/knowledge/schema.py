"""Schema of a knowledge-base entry and of the site file (the city's offices and partners)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

from bot.languages import SUPPORTED_LANGUAGES

Topic = Literal[
    "residence", "work", "housing", "language", "recognition",
    "health", "education", "daily_life", "office",
]
TOPICS: tuple[str, ...] = Topic.__args__  # type: ignore[attr-defined]

# Who has checked each language's text of an entry: `source` (the German and English texts the facts
# were checked in against the cited pages), `reviewed` (a person who reads the language checked the
# translation), `draft` (machine translation nobody has checked yet: the answer says so).
ReviewState = Literal["source", "reviewed", "draft"]
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MIN_EXAMPLES = {"de": 3, "en": 3}  # every other supported language: at least 1
ANSWER_WORDS = (40, 120)  # of a source text (German, English)
TRANSLATION_LENGTH = 1.1  # Spanish, Romanian ... need about a tenth more words for the same facts


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=3)
    url: HttpUrl

    @field_validator("url")
    @classmethod
    def _https_only(cls, url: HttpUrl) -> HttpUrl:
        if url.scheme != "https":
            raise ValueError("sources must use https")
        return url


class Entry(BaseModel):
    """One curated answer: example questions and an answer in every supported language."""

    model_config = ConfigDict(extra="forbid")

    id: str
    topic: Topic
    title: str = Field(min_length=3, description="German title, shown to staff")
    questions: dict[str, list[str]]
    answers: dict[str, str]
    sources: list[Source] = Field(min_length=1)
    reviewed: dt.date
    responsible: str
    handoff: Literal["always"] | None = None
    # written for citizens of third countries: an EU, EEA or Swiss citizen gets eu-free-movement instead
    third_country_only: bool = False
    review: dict[str, ReviewState] = Field(default_factory=dict, description="language -> review state")

    def is_draft(self, language: str) -> bool:
        return self.review.get(language) == "draft"

    @field_validator("id")
    @classmethod
    def _id_form(cls, value: str) -> str:
        if not ID_PATTERN.match(value):
            raise ValueError(f"id {value!r} must be lowercase words joined by '-'")
        return value

    @model_validator(mode="after")
    def _languages_complete(self) -> Entry:
        problems = []
        for lang in SUPPORTED_LANGUAGES:
            examples = [q for q in self.questions.get(lang, []) if q.strip()]
            needed = MIN_EXAMPLES.get(lang, 1)
            if len(examples) < needed:
                problems.append(f"questions.{lang}: {len(examples)} example(s), need {needed}")
            if not self.answers.get(lang, "").strip():
                problems.append(f"answers.{lang}: missing")
            if lang not in self.review:
                problems.append(f"review.{lang}: missing (source, reviewed or draft)")
        unknown = (set(self.questions) | set(self.answers) | set(self.review)) - set(SUPPORTED_LANGUAGES)
        if unknown:
            problems.append(f"unsupported language(s): {sorted(unknown)}")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class Contact(BaseModel):
    """An office of the city or a partner body that newcomers can be referred to."""

    model_config = ConfigDict(extra="forbid")

    name: str
    kind: Literal["office", "partner"]
    description: str | None = None
    address: str | None = None
    phone: str | None = None
    email: str | None = None
    url: HttpUrl | None = None
    hours: str | None = None
    languages: list[str] = Field(default_factory=list)
    bring: list[str] = Field(default_factory=list, description="what to bring (German)")


class OfficeHours(BaseModel):
    """Weekly opening hours of the staff inbox: weekday (mon..sun) -> ["08:00-12:00", ...]."""

    model_config = ConfigDict(extra="forbid")

    timezone: str = "Europe/Berlin"
    weekly: dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], list[str]]


class EmergencyNumber(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: str
    name: str
    for_: str = Field(alias="for")


class InboxRouting(BaseModel):
    """The teams that answer handoffs in the staff inbox, and which topics go to which team."""

    model_config = ConfigDict(extra="forbid")

    offices: dict[str, str] = Field(default_factory=lambda: {"welcome_center": "Welcome Center"},
                                    description="team key -> name shown to staff")
    default_office: str = "welcome_center"
    by_topic: dict[str, str] = Field(default_factory=dict, description="topic -> team key")

    @model_validator(mode="after")
    def _known_offices(self) -> InboxRouting:
        unknown = {self.default_office, *self.by_topic.values()} - set(self.offices)
        if unknown:
            raise ValueError(f"inbox routing names unknown offices: {sorted(unknown)}")
        return self

    def office_for(self, topic: str | None) -> str:
        return self.by_topic.get(topic or "", self.default_office)


class MessageTemplate(BaseModel):
    """A WhatsApp message template the city had approved in WhatsApp Manager (README "Connect WhatsApp")."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9_]{1,512}$")
    languages: dict[str, str] = Field(min_length=1, description="our language code -> the template's language code")

    def language_for(self, language: str | None) -> str:
        """The template language for the person's language: theirs when approved, else English, else any."""
        return self.languages.get(language or "", self.languages.get("en", next(iter(self.languages.values()))))


class WhatsAppSite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # sent when a reply waits because the 24-hour window closed: it asks the person to write back
    reply_waiting_template: MessageTemplate = MessageTemplate(
        name="willkommen_reply_waiting", languages={"de": "de", "en": "en"})


class Site(BaseModel):
    """A city's deployment data: one file per city, no code change for a second one."""

    model_config = ConfigDict(extra="forbid")

    city: str
    example_data: bool
    welcome_center: str = Field(description="key of the Welcome Center in contacts")
    staff_hours: OfficeHours
    contacts: dict[str, Contact]
    emergency_numbers: list[EmergencyNumber] = Field(min_length=1)
    inbox: InboxRouting = Field(default_factory=InboxRouting)
    whatsapp: WhatsAppSite = Field(default_factory=WhatsAppSite)
    recognition_bodies: dict[str, str] = Field(
        default_factory=dict, description="profession key (bot/rasa_ext/entity_terms) -> the contact that decides")

    @model_validator(mode="after")
    def _welcome_center_known(self) -> Site:
        if self.welcome_center not in self.contacts:
            raise ValueError(f"welcome_center {self.welcome_center!r} is not a contact key")
        unknown = sorted(set(self.recognition_bodies.values()) - set(self.contacts))
        if unknown:
            raise ValueError(f"recognition_bodies name unknown contacts: {unknown}")
        return self


CountryStatus = Literal["germany", "eu", "eea", "ch", "third"]
FREE_MOVEMENT: tuple[CountryStatus, ...] = ("eu", "eea", "ch")


class Country(BaseModel):
    """Which rules of entry and residence a citizenship brings (knowledge_base/reference/countries.yml)."""

    model_config = ConfigDict(extra="forbid")

    status: CountryStatus
    name: str = Field(description="German name, shown to staff")


class CountryTable(BaseModel):
    model_config = ConfigDict(extra="forbid")

    countries: dict[str, Country]

    @field_validator("countries")
    @classmethod
    def _iso_codes(cls, countries: dict[str, Country]) -> dict[str, Country]:
        wrong = [code for code in countries if not re.fullmatch(r"[A-Z]{2}", code)]
        if wrong:
            raise ValueError(f"not ISO 3166-1 alpha-2 codes: {wrong}")
        return countries
