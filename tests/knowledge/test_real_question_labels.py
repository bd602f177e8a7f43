"""The OMoS-QA labels stay in step with the data they label and with the knowledge base."""

import json

import pytest

from bot.knowledge.calibration_data import OMOS_HALF, OMOS_LANGUAGES, load_real_questions
from bot.knowledge.loader import load
from bot.paths import KNOWLEDGE_BASE, ROOT, SITE_FILE
from bot.paths import SHARED_DATA as SHARED

pytestmark = pytest.mark.skipif(not (SHARED / "omos-qa").is_dir(),
                                reason=f"needs the OMoS-QA questions in {SHARED} (the shared data folder)")


@pytest.fixture(scope="module")
def entry_ids() -> set[str]:
    return set(load(KNOWLEDGE_BASE, SITE_FILE).entries)


@pytest.mark.parametrize("split", sorted(OMOS_HALF))
def test_every_label_names_its_question_and_existing_entries(split: str, entry_ids: set[str]) -> None:
    labels = [json.loads(line) for line in (ROOT / "eval" / f"omos_{split}_labels.jsonl").read_text().splitlines()]
    german = [json.loads(line) for line in (SHARED / "omos-qa" / "de" / f"{split}.jsonl").read_text().splitlines()]
    assert [label["line"] for label in labels] == list(range(len(german)))
    assert [label["question_de"] for label in labels] == [row["question"] for row in german]
    unknown = {i for label in labels for i in label["acceptable"]} - entry_ids
    assert not unknown, f"labels name entries that do not exist: {unknown}"


def test_the_splits_have_their_roles_and_all_five_languages() -> None:
    train, dev = load_real_questions("train"), load_real_questions("dev")
    assert {q.half for q in train} == {"calibrate"} and {q.half for q in dev} == {"report"}
    assert {q.language for q in dev} == set(OMOS_LANGUAGES)
    assert len(dev) == 5 * 193 and len(train) == 5 * 461
    answerable = [q for q in dev if q.language == "de" and q.acceptable]
    assert 0 < len(answerable) < 193  # some questions have an entry, most ask about local things
