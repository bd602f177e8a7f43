"""The entity rules on a small lexicon written here: terms, negatives, dates, references, odd input."""

import datetime as dt

import pytest

from bot.rasa_ext.entities.dates import add_months, numeric_dates
from bot.rasa_ext.entities.finder import MAX_CHARS, EntityFinder, Found
from bot.rasa_ext.entities.lexicon import Lexicon
from bot.rasa_ext.entities.normalise import token_form
from bot.rasa_ext.entities.references import patterned

TODAY = dt.date(2026, 12, 4)  # a Friday

EN = {
    "countries": {"IT": {"country": ["italy"], "nationality": ["italians?"]},
                  "SY": {"country": ["syria"], "nationality": ["syrians?"]},
                  "KR": {"country": ["south korea"], "nationality": ["south korean"]},
                  "KR|KP": {"country": ["korea"], "nationality": ["koreans?"]}},
    "not_a_person": ["food", "course", "speak", "learn\\w*"],
    "professions": {"nurse": {"label": "nurse", "terms": ["nurses?"]},
                    "teacher": {"label": "teacher", "terms": ["teachers?"]},
                    "educator": {"label": "educator", "terms": ["kindergarten teachers?"]}},
    "ambiguous_professions": [{"terms": ["therapists?"], "professions": ["physiotherapist", "psychotherapist"]}],
    "dates": {"today": ["today"], "tomorrow": ["tomorrow"], "yesterday": ["yesterday"],
              "day_after_tomorrow": ["day after tomorrow"],
              "weekdays": [["monday"], ["tuesday"], ["wednesday"], ["thursday"], ["friday"], ["saturday"], ["sunday"]],
              "months": [["jan(uary)?"], ["feb(ruary)?"], ["mar(ch)?"], ["apr(il)?"], ["may"], ["june?"], ["july?"],
                         ["aug(ust)?"], ["sep(tember)?"], ["oct(ober)?"], ["nov(ember)?"], ["dec(ember)?"]],
              "next": ["next", "coming"], "last": ["last"], "this": ["this", "on", "by"],
              "future": ["in", "within"], "past": ["ago"],
              "units": {"day": ["days?"], "week": ["weeks?"], "month": ["months?"]},
              "numbers": {"one|a|an": 1, "two": 2, "three": 3}},
    "deadline_cues": ["expir\\w*", "appointment", "deadline"],
    "reference_cues": ["file", "reference", "number"],
}
DE = {"countries": {"IT": {"country": ["italien"], "nationality": ["italiener(in)?", "italienisch\\w*"]}},
      "not_a_person": ["essen", "küche"], "professions": {"nurse": {"label": "Pflegefachkraft",
                                                                     "terms": ["krankenschwester"]}},
      "dates": {"yesterday": ["gestern"], "today": ["heute"], "tomorrow": ["morgen"],
                "past": ["vor", "seit"], "units": {"day": ["tag\\w*"], "week": ["woche\\w*"]}},
      "deadline_cues": ["abgelaufen"], "reference_cues": ["aktenzeichen", "az"]}
TR = {"countries": {"IT": {"country": ["italya"], "nationality": ["italyan\\w*"]}},
      "dates": {"future": ["sonra"], "units": {"week": ["hafta\\w*"]}, "numbers": {"iki": 2}}}


@pytest.fixture(scope="module")
def finder() -> EntityFinder:
    return EntityFinder({"en": Lexicon.build("en", EN), "de": Lexicon.build("de", DE), "tr": Lexicon.build("tr", TR)})


def found(finder: EntityFinder, text: str, language: str = "en") -> set[tuple[str, str]]:
    return {(f.entity, f.value) for f in finder.find(text, language, TODAY)}


def test_token_forms_fold_case_marks_and_apostrophes() -> None:
    assert token_form("İtalya'dan") == "italya"
    assert token_form("d'Italie") == "italie"
    assert token_form("إيطاليّة") == "ایطالیه"
    assert token_form("می\u200cخواهم") == "میخواهم"


def test_nationality_country_and_profession(finder: EntityFinder) -> None:
    assert found(finder, "I'm Syrian and a nurse, I came from Italy") == {
        ("nationality", "SY"), ("profession", "nurse"), ("country", "IT")}
    assert found(finder, "Ich bin Italienerin", "de") == {("nationality", "IT")}


def test_the_longest_term_wins_and_ambiguity_is_kept(finder: EntityFinder) -> None:
    assert found(finder, "I was a kindergarten teacher from South Korea") == {
        ("profession", "educator"), ("country", "KR")}
    assert found(finder, "I am Korean, a therapist") == {
        ("nationality", "KR|KP"), ("profession", "physiotherapist|psychotherapist")}


def test_a_nationality_word_about_a_thing_is_no_nationality(finder: EntityFinder) -> None:
    assert found(finder, "Where can I buy Italian food?") == set()
    assert found(finder, "I want to learn Italian") == set()
    assert found(finder, "italienisches Essen", "de") == set()


def test_english_and_german_terms_count_in_any_language(finder: EntityFinder) -> None:
    assert found(finder, "Ben Krankenschwester, İtalya'dan geldim", "tr") == {
        ("profession", "nurse"), ("country", "IT")}


def test_relative_days_and_offsets(finder: EntityFinder) -> None:
    assert found(finder, "I arrived yesterday") == {("date", "2026-12-03")}
    assert found(finder, "my permit expires tomorrow") == {("deadline", "2026-12-05")}
    assert found(finder, "my appointment is the day after tomorrow") == {("deadline", "2026-12-06")}
    assert found(finder, "the deadline is in two weeks") == {("deadline", "2026-12-18")}
    assert found(finder, "it expired 3 days ago") == {("deadline", "2026-12-01")}
    assert found(finder, "Mein Titel ist seit gestern abgelaufen", "de") == {("deadline", "2026-12-03")}
    assert found(finder, "iki hafta sonra", "tr") == {("date", "2026-12-18")}
    assert found(finder, "appointment in a month") == {("deadline", "2027-01-04")}
    assert found(finder, "I worked two weeks") == set()  # no direction: no date
    assert found(finder, "I arrived in Italy 3 weeks ago") == {("country", "IT"), ("date", "2026-11-13")}


def test_heute_morgen_is_this_morning(finder: EntityFinder) -> None:
    assert found(finder, "heute morgen", "de") == {("date", "2026-12-04")}


def test_weekdays_need_a_qualifier_or_a_deadline(finder: EntityFinder) -> None:
    assert found(finder, "next Friday") == {("date", "2026-12-11")}
    assert found(finder, "on Monday") == {("date", "2026-12-07")}
    assert found(finder, "last Monday") == {("date", "2026-11-30")}
    assert found(finder, "Friday prayers") == set()
    assert found(finder, "my appointment is Tuesday") == {("deadline", "2026-12-08")}


def test_numeric_and_month_name_dates(finder: EntityFinder) -> None:
    assert found(finder, "appointment on 15.12.2026") == {("deadline", "2026-12-15")}
    assert found(finder, "expires 2027-01-31") == {("deadline", "2027-01-31")}
    assert found(finder, "since 1.12.") == {("date", "2026-12-01")}
    assert found(finder, "until 5.1.") == {("date", "2027-01-05")}  # January is ahead, not 11 months back
    assert found(finder, "appointment on 3 March 2027") == {("deadline", "2027-03-03")}
    assert found(finder, "appointment on December 15th") == {("deadline", "2026-12-15")}
    assert found(finder, "31.02.2026 and 1.5 hours") == set()  # an invalid day, a decimal
    assert found(finder, "by 20/12") == {("date", "2026-12-20")}
    assert numeric_dates("B1.2 or 3.5.2027x", TODAY) == []


def test_months_are_added_by_the_calendar() -> None:
    assert add_months(dt.date(2027, 1, 31), 1) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2026, 12, 4), -12) == dt.date(2025, 12, 4)


def test_references_by_pattern_and_after_a_cue(finder: EntityFinder) -> None:
    assert found(finder, "what about W-004711?") == {("reference", "W-004711")}
    assert found(finder, "my case ABH-2024-12345 is open") == {("reference", "ABH-2024-12345")}
    assert found(finder, "Az.: 123/45-67", "de") == {("reference", "123/45-67")}
    assert found(finder, "my file number is 4711-2026.") == {("reference", "4711-2026")}


def test_no_reference_in_phones_postcodes_money_and_dates(finder: EntityFinder) -> None:
    assert found(finder, "my phone number is 0171 2345678") == set()
    assert found(finder, "is the number 116117 free of charge?") == set()
    assert found(finder, "I live in 12345 Musterstadt and paid 1200 euros for B1") == set()
    assert [m.value for m in patterned("on 2026-12-15 call +49 30 1234-5678 or 030/1234567")] == []


def test_odd_input_neither_crashes_nor_reads_past_the_limit(finder: EntityFinder) -> None:
    for text in ["", "   ", "\u2060/restart", "🙂" * 500, "a" * 100_000, "W-" * 5000, "١٢٣٤٥٦٧٨ ۱۲/۱۲/۲۰۲۶",
                 "Syrian " * 3000, "\x00\x01 next", "ملف " * 2000]:
        result = finder.find(text, "en", TODAY)
        assert all(isinstance(f, Found) and f.end <= MAX_CHARS for f in result)
    assert finder.find("x" * (MAX_CHARS + 10) + " Syrian", "en", TODAY) == []


def test_an_unknown_language_uses_english_and_german(finder: EntityFinder) -> None:
    assert found(finder, "Sono italiano, I am a nurse", "it") == {("profession", "nurse")}
    assert found(finder, "I am a nurse", None) == {("profession", "nurse")}
