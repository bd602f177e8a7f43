"""A member of staff logged in to the inbox over real HTTP, as a browser would be (benchmarks, end-to-end tests)."""

from __future__ import annotations

import re

import httpx

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def logged_in(base: str, username: str, password: str) -> httpx.Client:
    """A client holding the session cookie of `username` at the gateway `base`."""
    client = httpx.Client(base_url=base, timeout=30, headers={"Accept": "text/html"})
    token = CSRF.search(client.get("/inbox/login").text)
    assert token is not None, "no CSRF token in the login form"
    answer = client.post("/inbox/login", data={"username": username, "password": password, "next": "/inbox/",
                                               "csrf_token": token.group(1)})
    assert answer.status_code == 303, f"login of {username} failed: {answer.status_code} {answer.text[:200]}"
    return client
