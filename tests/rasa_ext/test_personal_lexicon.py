"""The personal-case phrases: every written case in every language, and no personal case made of a
general question on the same topics."""

from pathlib import Path

import pytest
import yaml

from bot.languages import SUPPORTED_LANGUAGES
from bot.rasa_ext.personal import CATEGORIES, TERMS_DIR, personal_lexicon
from bot.rasa_ext.phrases import PhraseLexicon
from tests.rasa_ext.phrase_cases import phrase_cases

CASES = Path(__file__).with_name("personal_cases")


@pytest.fixture(scope="module")
def lexicon() -> PhraseLexicon:
    return personal_lexicon()


def cases(kind: str) -> list[tuple[str, dict]]:
    return phrase_cases(CASES, kind)


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_language_has_patterns_and_cases_for_every_category(language: str) -> None:
    patterns = yaml.safe_load((TERMS_DIR / f"{language}.yml").read_text(encoding="utf-8"))
    assert set(patterns) == set(CATEGORIES), language
    assert all(patterns[category] for category in CATEGORIES), language
    written = yaml.safe_load((CASES / f"{language}.yml").read_text(encoding="utf-8"))
    assert {case["category"] for case in written["positive"]} == set(CATEGORIES), language
    assert len(written["negative"]) >= 10, language


@pytest.mark.parametrize(("language", "case"), cases("positive"))
def test_personal_cases_are_recognised(lexicon: PhraseLexicon, language: str, case: dict) -> None:
    found = lexicon.match(case["text"])
    assert found is not None, f"{language}: missed {case['text']!r}"
    assert found.category == case["category"], (case, found)


@pytest.mark.parametrize(("language", "case"), cases("negative"))
def test_general_questions_are_not_personal(lexicon: PhraseLexicon, language: str, case: dict) -> None:
    assert lexicon.match(case["text"]) is None, (language, case, lexicon.match(case["text"]))
