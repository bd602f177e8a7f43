"""Conversation paths in de, en, ar and uk through the trained model (`rasa test core`).

--fail-on-prediction-errors: a wrongly understood message or a wrong next action fails the test.
Custom actions are not executed here (their behaviour is tested in tests/actions and tests/e2e).
"""

import os
import subprocess
from pathlib import Path

import pytest

from bot.paths import ROOT
from bot.tools.rasa_model import RASA_BIN, ensure_model, rasa_env

pytestmark = pytest.mark.rasa  # runs Rasa's own commands in .venv-rasa

STORIES = ROOT / "tests" / "rasa" / "stories"


def test_conversation_paths_in_four_languages(tmp_path: Path) -> None:
    assert sorted(p.name for p in STORIES.glob("test_*.yml")) == ["test_ar.yml", "test_de.yml", "test_en.yml",
                                                                   "test_uk.yml"]
    model = ensure_model()
    result = subprocess.run([str(RASA_BIN), "test", "core", "--model", str(model), "--stories", str(STORIES),
                             "--fail-on-prediction-errors", "--out", str(tmp_path), "--no-plot"],
                            cwd=ROOT, env=rasa_env(dict(os.environ)), capture_output=True, text=True, timeout=900)
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text(encoding="utf-8") if failed.exists() else result.stdout[-3000:] + result.stderr[-3000:]
    assert result.returncode == 0, details
