"""`GET /api/v1/widget/strings/{language}`: the widget's UI labels come from the locale files."""

import pytest

from bot import i18n
from bot.languages import NATIVE_NAMES, SUPPORTED_LANGUAGES

# labels the widget cannot do without (widget.js reads these keys)
REQUIRED = {"widget_title", "widget_launcher", "widget_close", "widget_intro", "widget_language_label",
            "widget_language_auto", "widget_input_label", "widget_send", "widget_talk_to_person",
            "widget_typing", "widget_send_failed", "widget_sender_you", "widget_sender_bot",
            "widget_sender_staff", "widget_sender_system", "widget_sources", "widget_reviewed",
            "widget_feedback_positive", "widget_feedback_negative", "widget_ticket", "privacy_notice"}


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
async def test_every_language_has_all_widget_labels(client, language: str) -> None:
    response = await client.get(f"/api/v1/widget/strings/{language}")
    assert response.status_code == 200
    data = response.json()
    assert data["language"] == language
    assert data["dir"] == ("rtl" if language in ("ar", "fa") else "ltr")
    strings = data["strings"]
    assert REQUIRED <= set(strings)
    assert all(text.strip() for text in strings.values())
    assert set(strings) == {k for k in i18n.catalog(language) if k.startswith("widget_")} | {"privacy_notice"}


async def test_strings_are_the_catalog_texts(client) -> None:
    data = (await client.get("/api/v1/widget/strings/de")).json()
    assert data["strings"]["privacy_notice"] == i18n.text("privacy_notice", "de")
    assert data["strings"]["widget_reviewed"] == i18n.text("widget_reviewed", "de")
    assert "{date}" in data["strings"]["widget_reviewed"]  # the widget fills in the localized date
    assert "greeting" not in data["strings"]  # only the widget's own labels


async def test_arabic_labels_are_arabic(client) -> None:
    data = (await client.get("/api/v1/widget/strings/ar")).json()
    assert data["strings"]["widget_send"] == i18n.text("widget_send", "ar") != i18n.text("widget_send", "de")


async def test_languages_are_native_names_in_supported_order(client) -> None:
    data = (await client.get("/api/v1/widget/strings/fr")).json()
    assert list(data["languages"]) == list(SUPPORTED_LANGUAGES)
    assert data["languages"] == NATIVE_NAMES


async def test_unknown_language_is_404(client) -> None:
    response = await client.get("/api/v1/widget/strings/xx")
    assert response.status_code == 404
    assert "de" in response.json()["detail"]["message"]


async def test_strings_may_be_cached_briefly_and_carry_the_security_headers(client) -> None:
    response = await client.get("/api/v1/widget/strings/en")
    assert response.headers["cache-control"] == "public, max-age=300"
    assert "script-src 'self'" in response.headers["content-security-policy"]


async def test_the_widget_is_one_script_joined_from_its_parts(client) -> None:
    from bot.channels.web.widget_script import parts

    response = await client.get("/static/widget/widget.js")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/javascript")
    script = response.text
    assert script.startswith("/*") and script.rstrip().endswith("})();")
    assert [p.read_text(encoding="utf-8") in script for p in parts()] == [True] * len(parts()) and len(parts()) > 1
    assert script.count("\n(function () {") == 1  # one scope that all parts share, opened at the top level
