import datetime as dt
from pathlib import Path

from bot.knowledge.loader import check
from bot.paths import KNOWLEDGE_BASE, SITE_FILE
from tests.knowledge.conftest import entry, write_kb


def test_the_shipped_knowledge_base_is_valid() -> None:
    kb, report = check(KNOWLEDGE_BASE, SITE_FILE)
    assert report.errors == []
    assert kb is not None and len(kb.entries) >= 60
    assert kb.site.example_data is True


def test_a_valid_entry_loads(tmp_path: Path, site_file: Path) -> None:
    kb, report = check(write_kb(tmp_path, entry()), site_file)
    assert report.errors == [] and kb is not None
    assert list(kb.entries) == ["eu-blue-card"]


def test_a_missing_language_is_an_error(tmp_path: Path, site_file: Path) -> None:
    data = entry()
    del data["answers"]["fa"]
    kb, report = check(write_kb(tmp_path, data), site_file)
    assert kb is None
    assert any("answers.fa: missing" in error for error in report.errors)


def test_too_few_german_examples_is_an_error(tmp_path: Path, site_file: Path) -> None:
    data = entry()
    data["questions"]["de"] = ["nur eine Frage"]
    _, report = check(write_kb(tmp_path, data), site_file)
    assert any("questions.de: 1 example(s), need 3" in error for error in report.errors)


def test_unknown_responsible_body_is_an_error(tmp_path: Path, site_file: Path) -> None:
    _, report = check(write_kb(tmp_path, entry(responsible="ministry-of-magic")), site_file)
    assert any("'ministry-of-magic' is not a contact" in error for error in report.errors)


def test_id_must_match_the_file_name(tmp_path: Path, site_file: Path) -> None:
    path = write_kb(tmp_path, entry()) / "residence" / "eu-blue-card.yml"
    path.rename(path.with_name("blue-card.yml"))
    _, report = check(tmp_path, site_file)
    assert any("differs from the file name" in error for error in report.errors)


def test_duplicate_ids_and_wrong_topic_folder(tmp_path: Path, site_file: Path) -> None:
    write_kb(tmp_path, entry(), entry(topic="work"))  # same id, stored under work/ with topic work
    (tmp_path / "work" / "eu-blue-card.yml").write_text(
        (tmp_path / "work" / "eu-blue-card.yml").read_text().replace("topic: work", "topic: residence"))
    _, report = check(tmp_path, site_file)
    assert any("duplicate id" in error for error in report.errors)
    assert any("stored under work/" in error for error in report.errors)


def test_http_sources_are_refused(tmp_path: Path, site_file: Path) -> None:
    _, report = check(write_kb(tmp_path, entry(sources=[{"title": "old", "url": "http://example.org"}])), site_file)
    assert any("https" in error for error in report.errors)


def test_a_stale_review_is_a_warning_not_an_error(tmp_path: Path, site_file: Path) -> None:
    old = (dt.date.today() - dt.timedelta(days=400)).isoformat()
    kb, report = check(write_kb(tmp_path, entry(reviewed=old)), site_file)
    assert kb is not None
    assert any("more than 12 months ago" in warning for warning in report.warnings)


def test_answer_length_outside_the_range_is_a_warning(tmp_path: Path, site_file: Path) -> None:
    data = entry()
    data["answers"]["en"] = "Too short."
    kb, report = check(write_kb(tmp_path, data), site_file)
    assert kb is not None
    assert any("answers.en has 2 words" in warning for warning in report.warnings)


def test_every_language_of_an_entry_needs_a_review_state(tmp_path: Path, site_file: Path) -> None:
    data = entry()
    del data["review"]["fa"]
    kb, report = check(write_kb(tmp_path, data), site_file)
    assert kb is None and any("review.fa: missing" in error for error in report.errors)
    data["review"]["fa"] = "maybe"
    kb, report = check(write_kb(tmp_path, data), site_file)
    assert kb is None


def test_an_answer_from_a_draft_translation_says_so_in_one_line(tmp_path: Path, site_file: Path) -> None:
    from bot import i18n
    from bot.knowledge.answers import answer_envelope

    kb, _ = check(write_kb(tmp_path, entry(review={**entry()["review"], "ar": "reviewed"})), site_file)
    assert kb is not None
    blue_card = kb.entries["eu-blue-card"]
    draft = answer_envelope(blue_card, "fa", None).text
    assert draft.startswith(blue_card.answers["fa"]) and draft.count("\n") == 2
    assert draft.endswith(f"({i18n.text('draft_translation', 'fa')})")
    assert answer_envelope(blue_card, "ar", None).text == blue_card.answers["ar"]
    assert answer_envelope(blue_card, "en", None).text == blue_card.answers["en"]
