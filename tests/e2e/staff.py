"""Staff members of the real stack: an account made with the inbox's command line, and a logged-in session."""

from __future__ import annotations

import subprocess
import uuid

import httpx

from bot.paths import ROOT
from bot.tools import staff_session
from bot.tools.devstack import APP_PYTHON, Stack

PASSWORD = "immigration-office-1"


def create_agent(stack: Stack, office: str) -> str:
    username = f"agent-{uuid.uuid4().hex[:8]}"
    subprocess.run([str(APP_PYTHON), "-m", "bot.inbox", "create-user", "--username", username, "--office", office,
                    "--password-stdin"], input=PASSWORD + "\n", text=True, env=stack.env(), cwd=ROOT, check=True,
                   capture_output=True)
    return username


def logged_in(stack: Stack, username: str, base_url: str | None = None) -> httpx.Client:
    """A staff member's browser session, on the stack's address or on `base_url` (one gateway worker)."""
    return staff_session.logged_in(base_url or stack.config.gateway_url, username, PASSWORD)
