"""User-facing strings, one YAML file per language in `locales/` (the only place they live)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from bot.languages import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES

LOCALES = Path(__file__).parent / "locales"
FALLBACK_ORDER = ("en", DEFAULT_LANGUAGE)


@cache
def catalog(language: str) -> dict[str, str]:
    if language not in SUPPORTED_LANGUAGES:
        raise KeyError(f"unsupported language {language!r}")
    with (LOCALES / f"{language}.yml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def text(key: str, language: str, /, **params: object) -> str:
    """The string `key` in `language` (English, then German, when a translation is missing)."""
    for lang in (language, *FALLBACK_ORDER):
        template = catalog(lang).get(key) if lang in SUPPORTED_LANGUAGES else None
        if template is not None:
            return template.format(**params) if params else template
    raise KeyError(f"no string {key!r} in any language")
