"""The local stack's environment: .env files, generated secrets, free ports, owner-only files, and rate limits
out of the way for load tests (shared by `make run`, the benchmarks and the chaos harness)."""

from __future__ import annotations

import os
import secrets
import socket
from pathlib import Path

from bot.paths import ROOT

SECRETS_FILE = ROOT / "var" / "secrets.env"


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a .env file (comments and blank lines ignored)."""
    values = {}
    if path.exists():
        for line in path.read_text().splitlines():
            key, sep, value = line.strip().partition("=")
            if sep and key and not key.startswith("#"):
                values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def load_or_create_secrets(path: Path = SECRETS_FILE) -> dict[str, str]:
    """Random tokens for a local stack, created once and kept in var/ (never committed)."""
    wanted = ("RASA_TOKEN", "RASA_CHANNEL_TOKEN", "STAFF_API_TOKEN")
    values = read_env_file(path)
    if not all(values.get(key) for key in wanted):
        values = {key: secrets.token_hex(32) for key in wanted}  # hex: never starts with "-" like an option
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
        path.chmod(0o600)
    return values


# for load tests from one address, far faster than people write: the rate limits out of the way
UNLIMITED_RATES = {f"RATE_{rule}": "1000000/minute" for rule in ("NEW_CONVERSATIONS", "MESSAGES",
                                                                 "MESSAGES_PER_ADDRESS", "LOGINS")}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def owner_only(var_dir: Path) -> None:
    """Databases, logs and secrets readable by their owner alone: what is created from here on (umask 077,
    inherited by every process of the stack), and what an earlier start left behind."""
    os.umask(0o077)
    var_dir.mkdir(parents=True, exist_ok=True)
    for path in [var_dir, *var_dir.rglob("*")]:
        path.chmod(0o700 if path.is_dir() else 0o600)


