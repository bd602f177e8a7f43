"""Failed logins per account (in this process): five in 15 minutes lock the account for the rest."""

from __future__ import annotations

import time
from collections import defaultdict, deque


class LoginThrottle:
    """At most `limit` failed logins per account in `window` seconds (in this process); then the
    account is locked for the rest of the window, even with the right password."""

    def __init__(self, limit: int = 5, window: float = 900.0) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = defaultdict(deque)

    def _recent(self, username: str) -> deque[float]:
        failures, cutoff = self._failures[username.strip().lower()], time.monotonic() - self.window
        while failures and failures[0] < cutoff:
            failures.popleft()
        return failures

    def locked(self, username: str) -> bool:
        return len(self._recent(username)) >= self.limit

    def failed(self, username: str) -> None:
        self._recent(username).append(time.monotonic())

    def succeeded(self, username: str) -> None:
        self._failures.pop(username.strip().lower(), None)
