"""The emergency phrases: every reviewed case in every language, and no false alarm on ordinary questions."""

from pathlib import Path

import pytest
import yaml

from bot.languages import SUPPORTED_LANGUAGES
from bot.rasa_ext.emergency import CATEGORIES, TERMS_DIR, emergency_lexicon
from bot.rasa_ext.phrases import PhraseLexicon
from tests.rasa_ext.phrase_cases import phrase_cases

CASES = Path(__file__).with_name("emergency_cases")


@pytest.fixture(scope="module")
def lexicon() -> PhraseLexicon:
    return emergency_lexicon()


def cases(kind: str) -> list[tuple[str, dict]]:
    return phrase_cases(CASES, kind)


def test_every_language_has_patterns_for_every_category() -> None:
    for language in SUPPORTED_LANGUAGES:
        patterns = yaml.safe_load((TERMS_DIR / f"{language}.yml").read_text(encoding="utf-8"))
        assert set(patterns) == set(CATEGORIES), language
        assert all(patterns[category] for category in CATEGORIES), language
        assert (CASES / f"{language}.yml").exists(), language


@pytest.mark.parametrize(("language", "case"), cases("positive"))
def test_emergencies_are_recognised(lexicon: PhraseLexicon, language: str, case: dict) -> None:
    found = lexicon.match(case["text"])
    assert found is not None, f"{language}: missed {case['text']!r}"
    assert found.category == case["category"], (case, found)


@pytest.mark.parametrize(("language", "case"), cases("negative"))
def test_ordinary_questions_raise_no_alarm(lexicon: PhraseLexicon, language: str, case: dict) -> None:
    assert lexicon.match(case["text"]) is None, (language, case, lexicon.match(case["text"]))


def test_arabic_vowel_marks_and_tatweel_do_not_hide_an_emergency(lexicon: PhraseLexicon) -> None:
    plain = next(c["text"] for c in yaml.safe_load((CASES / "ar.yml").read_text(encoding="utf-8"))["positive"]
                 if c["category"] == "violence")
    decorated = "".join(ch + ("\u064e" if ch.isalpha() else "") for ch in plain).replace(" ", " \u0640", 1)
    assert lexicon.match(plain) is not None
    found = lexicon.match(decorated)
    assert found is not None and found.category == "violence"
