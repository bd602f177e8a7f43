"""Staff members of the real stack: an account made with the inbox's command line, and a logged-in session."""

from __future__ import annotations

import re
import subprocess
import uuid

import httpx

from bot.paths import ROOT
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
    client = httpx.Client(base_url=base_url or stack.config.gateway_url, timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/inbox/login").text).group(1)
    response = client.post("/inbox/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303, response.text
    return client
