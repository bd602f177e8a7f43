"""Rasa's own validation of the training data, and our coverage rule: every dialogue act in every language."""

import os
import subprocess
from collections import Counter

import pytest
import yaml

from bot.languages import SUPPORTED_LANGUAGES
from bot.paths import ROOT

pytestmark = pytest.mark.rasa  # runs Rasa's own commands in .venv-rasa

DIALOGUE_ACTS = {"greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "request_human", "ask_question",
                 "feedback_positive", "feedback_negative", "switch_language", "out_of_scope", "emergency"}


def test_rasa_data_validate_is_clean() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
           "RASA_TELEMETRY_ENABLED": "false"}
    result = subprocess.run([str(ROOT / ".venv-rasa" / "bin" / "rasa"), "data", "validate", "--domain", "domain",
                             "--data", "data", "--config", "config.yml", "--fail-on-warnings"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "No story structure conflicts found" in result.stdout + result.stderr


def test_every_dialogue_act_has_examples_in_every_language() -> None:
    counts: Counter[tuple[str, str]] = Counter()
    for language in SUPPORTED_LANGUAGES:
        files = sorted((ROOT / "data" / "nlu" / language).glob("*.yml"))
        assert files, f"no NLU data for {language}"
        for path in files:
            for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
                examples = [line for line in block["examples"].splitlines() if line.strip().startswith("- ")]
                counts[(block["intent"], language)] += len(examples)
    for intent in DIALOGUE_ACTS:
        for language in SUPPORTED_LANGUAGES:
            assert counts[(intent, language)] >= 10, (intent, language, counts[(intent, language)])
    assert {intent for intent, _ in counts} == DIALOGUE_ACTS
