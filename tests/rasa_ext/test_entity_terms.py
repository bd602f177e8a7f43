"""The word lists of every language are complete and compile; the held-out cases are well formed
and the layer finds most of them (the figures themselves: `make entity-report`)."""

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from bot.languages import SUPPORTED_LANGUAGES
from bot.rasa_ext.entities.evaluation import evaluate, gold_of, load_cases
from bot.rasa_ext.entities.finder import ENTITY_TYPES, EntityFinder
from bot.rasa_ext.entities.lexicon import MONTHS, TERMS_DIR, WEEKDAYS, Lexicon

ROOT = Path(__file__).resolve().parents[2]
def read(path: str) -> dict:
    return yaml.safe_load((ROOT / path).read_text(encoding="utf-8"))


COUNTRIES = set(read("knowledge_base/reference/countries.yml")["countries"])
SITE = read("knowledge_base/site/musterstadt.yml")
PROFESSIONS = set(SITE["recognition_bodies"])
# the readings the countries table has no row for on its own: the bot asks which one is meant
AMBIGUOUS_COUNTRIES = {"KR|KP", "CD|CG"}


def raw(language: str) -> dict:
    return yaml.safe_load((TERMS_DIR / f"{language}.yml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_language_names_every_country_and_profession(language: str) -> None:
    terms = raw(language)
    codes = set(terms["countries"])
    assert all(isinstance(code, str) for code in codes), "quote the country keys (an unquoted NO is false)"
    expected = (COUNTRIES - {"KP", "CG"}) | AMBIGUOUS_COUNTRIES
    assert expected - codes == set(), f"{language}: countries without terms"
    assert codes - COUNTRIES - AMBIGUOUS_COUNTRIES == set(), f"{language}: codes the countries table lacks"
    assert set(terms["professions"]) == PROFESSIONS, language
    assert all(p.get("label") and p.get("terms") for p in terms["professions"].values()), language
    for group in terms.get("ambiguous_professions") or []:
        assert set(group["professions"]) <= PROFESSIONS, (language, group)
    assert len(terms["dates"]["weekdays"]) == WEEKDAYS and len(terms["dates"]["months"]) == MONTHS


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_patterns_compile_and_survive_lowercasing(language: str) -> None:
    lexicon = Lexicon.load(language)  # compiles every pattern
    assert len(lexicon.terms) > 100
    text = (TERMS_DIR / f"{language}.yml").read_text(encoding="utf-8")
    assert not re.search(r"\\[WDSBAZ]", text), "upper-case escapes change meaning when patterns are lowercased"


def test_the_held_out_cases_are_well_formed() -> None:
    cases = load_cases()
    assert {language for language, _ in cases} == set(SUPPORTED_LANGUAGES)
    for language, case in cases:
        for entity, value in gold_of(case):
            assert entity in ENTITY_TYPES, (language, case)
            if entity in ("date", "deadline"):
                dt.date.fromisoformat(value)
    per_type = {entity: sum(1 for _, c in cases for e, _ in gold_of(c) if e == entity) for entity in ENTITY_TYPES}
    assert all(per_type[e] >= 30 for e in ("nationality", "country", "profession", "reference")), per_type
    assert per_type["date"] + per_type["deadline"] >= 30, per_type


def test_the_layer_finds_most_held_out_entities_and_few_wrong_ones() -> None:
    report = evaluate(EntityFinder.load(SUPPORTED_LANGUAGES), load_cases())
    for entity in ("nationality", "country", "profession", "deadline", "reference"):
        overall = report["per_type"][entity]["all"]
        assert overall["f1"] >= 0.6, (entity, overall)
    assert report["negatives_clean"] >= 0.8 * report["negatives"]
