import re

import pytest

from bot import i18n
from bot.languages import NATIVE_NAMES, SUPPORTED_LANGUAGES

PLACEHOLDER = re.compile(r"{(\w+)}")


def test_every_language_has_the_same_keys_and_placeholders() -> None:
    reference = i18n.catalog("en")
    for language in SUPPORTED_LANGUAGES:
        catalog = i18n.catalog(language)
        assert set(catalog) == set(reference), language
        for key, text in catalog.items():
            assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(reference[key])), (language, key)


def test_language_names_match_the_native_names() -> None:
    for language in SUPPORTED_LANGUAGES:
        assert i18n.text("language_name", language) == NATIVE_NAMES[language]


def test_text_fills_placeholders() -> None:
    assert "W-000042" in i18n.text("handoff_created", "ar", ticket="W-000042")


def test_unsupported_language_falls_back_to_english() -> None:
    assert i18n.text("goodbye", "xx") == i18n.catalog("en")["goodbye"]


def test_unknown_key_is_an_error() -> None:
    with pytest.raises(KeyError):
        i18n.text("no_such_key", "de")
