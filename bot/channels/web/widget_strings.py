"""`GET /api/v1/widget/strings/{language}`: the web chat widget's UI labels in one language.

The labels live in the locale files like every other user-facing string (keys `widget_*`), so
the widget carries no translations of its own. `privacy_notice` comes along for the intro.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import JSONResponse

from bot import i18n
from bot.languages import RTL_LANGUAGES, SUPPORTED_LANGUAGES

router = APIRouter(prefix="/api/v1/widget", tags=["widget"])

WIDGET_PREFIX = "widget_"
EXTRA_KEYS = ("privacy_notice",)
CACHE_CONTROL = "public, max-age=300"


def widget_strings(language: str) -> dict[str, str]:
    catalog = i18n.catalog(language)
    strings = {key: value for key, value in catalog.items() if key.startswith(WIDGET_PREFIX)}
    strings.update({key: i18n.text(key, language) for key in EXTRA_KEYS})
    return strings


@router.get("/strings/{language}")
async def strings(language: str) -> JSONResponse:
    if language not in SUPPORTED_LANGUAGES:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            f"unknown language {language!r}; one of {', '.join(SUPPORTED_LANGUAGES)}")
    body = {
        "language": language,
        "dir": "rtl" if language in RTL_LANGUAGES else "ltr",
        "strings": widget_strings(language),
        "languages": {code: i18n.text("language_name", code) for code in SUPPORTED_LANGUAGES},
    }
    return JSONResponse(body, headers={"Cache-Control": CACHE_CONTROL})
