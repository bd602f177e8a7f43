"""Personal cases and languages through the whole stack: in every supported language a personal
case goes to a person, in that language, with the general entry to read; a language we do not
support gets English, one line on the supported ones and a person on offer, and staff see it."""

from pathlib import Path

import httpx
import pytest
import yaml

from bot import i18n
from bot.languages import SUPPORTED_LANGUAGES
from bot.rasa_ext.personal import URGENT_CATEGORIES
from bot.tools.devstack import Stack
from tests.e2e.conftest import Person
from tests.e2e.test_entities import ticket_of

pytestmark = pytest.mark.e2e
CASES = Path(__file__).resolve().parents[1] / "rasa_ext" / "personal_cases"


def longest_case(language: str) -> dict:
    """The language's longest written personal case: long enough to be sure of its language."""
    positives = yaml.safe_load((CASES / f"{language}.yml").read_text(encoding="utf-8"))["positive"]
    return max(positives, key=lambda case: len(case["text"]))


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_a_personal_case_goes_to_a_person_in_every_language(gateway: httpx.Client, stack: Stack,
                                                            language: str) -> None:
    case = longest_case(language)
    replies = [r for r in Person(gateway).says(case["text"]) if r["role"] != "person"]
    kinds = [r["kind"] for r in replies]
    assert "handoff" in kinds and "clarify" not in kinds, (case, kinds)
    assert {r["language"] for r in replies} == {language}, (case, [(r["kind"], r["language"]) for r in replies])
    ticket = ticket_of(gateway, stack, next(r["ticket"] for r in replies if r["kind"] == "handoff"))
    assert ticket["reason"] in ("personal_case", "deadline")
    if case["category"] in URGENT_CATEGORIES:
        assert ticket["urgent"] is True


def test_an_unsupported_language_gets_english_a_line_and_a_person(gateway: httpx.Client, stack: Stack) -> None:
    person = Person(gateway)
    replies = [r for r in person.says("Olá, como faço o registo da minha morada na cidade? O que preciso de levar?")
               if r["role"] != "person"]
    assert {r["language"] for r in replies} == {"en"}
    notice = next(r for r in replies if "Fully supported languages" in r["text"])
    assert all(name in notice["text"] for name in ("Deutsch", "Español", "Polski", "Română", "Italiano"))
    assert any(b["payload"] == "/request_human" for b in notice["buttons"])
    # the question is still answered, or goes to a person when nothing fits
    handoff = next((r for r in replies if r["kind"] == "handoff"), None)
    if handoff is None:
        assert any(r["kind"] in ("answer", "clarify") for r in replies)
        handoff = next(r for r in person.presses("/request_human") if r["kind"] == "handoff")
    assert ticket_of(gateway, stack, handoff["ticket"])["facts"]["detected_language"] == "Portuguese (pt)"


def test_kurmanji_is_not_answered_in_french(gateway: httpx.Client) -> None:
    kurmanji = "Silav, ez dixwazim qursa zimanê almanî bikim, çawa ez dikarim qeyd bibim?"
    replies = [r for r in Person(gateway).says(kurmanji) if r["role"] != "person"]
    assert {r["language"] for r in replies} == {"en"}
    assert i18n.text("unsupported_language", "en").split("{")[0] in replies[0]["text"] + replies[1]["text"]
