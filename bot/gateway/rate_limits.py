"""Rate limits with the `limits` library: in memory for one gateway process, in Redis when `REDIS_URL` is
set (then several workers share the counters).

Rules (settings `RATE_*`, in the library's notation, e.g. "10/minute;60/hour"):
- `new_conversations` per client address (the web chat);
- `messages` per conversation (web) or per messenger sender (Telegram, WhatsApp), and
  `messages_per_address` per client address (web);
- `logins` per client address; failed logins per username only slow further attempts down, with a delay
  that doubles from the fourth failure on (at most `LOGIN_DELAY_CAP` seconds), never a lock a stranger
  could put on a caseworker's account.
A limited web request is a 429 with `Retry-After`; a messenger is told once per window and the rest is
dropped (`told_once`).
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse, parse_many
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

RULES = ("new_conversations", "messages", "messages_per_address", "logins")
LOGIN_FAILURES = parse("1000/15 minutes")  # a counter of failed logins per username
LOGIN_FREE_FAILURES = 3
LOGIN_DELAY_CAP = 30.0
NOTICE = parse("1/10 minutes")  # a messenger is told about a limit at most this often


class Limited(Exception):
    def __init__(self, rule: str, retry_after: int) -> None:
        super().__init__(f"{rule}: retry after {retry_after} s")
        self.rule, self.retry_after = rule, retry_after  # seconds


class RateLimits:
    def __init__(self, rules: dict[str, str], redis_url: str | None = None) -> None:
        uri = f"async+{redis_url}" if redis_url else "async+memory://"
        options = {"implementation": "redispy"} if redis_url else {}
        self.storage = storage_from_string(uri, **options)
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.rules: dict[str, list[RateLimitItem]] = {name: parse_many(rules[name]) for name in RULES}

    async def check(self, rule: str, key: str) -> None:
        """Count one more request under `rule` for `key`; `Limited` when that is one too many."""
        for item in self.rules[rule]:
            if not await self.limiter.hit(item, rule, key):
                stats = await self.limiter.get_window_stats(item, rule, key)
                raise Limited(rule, max(1, math.ceil(stats.reset_time - time.time())))

    async def told_once(self, key: str) -> bool:
        """Whether a messenger's sender should be told about a limit now (once per `NOTICE` window)."""
        return await self.limiter.hit(NOTICE, "notice", key)

    async def login_delay(self, username: str) -> float:
        """Seconds to wait before checking this username's password: 0 for the first failures, then doubling."""
        stats = await self.limiter.get_window_stats(LOGIN_FAILURES, "login_failures", username.strip().lower())
        failures = LOGIN_FAILURES.amount - stats.remaining
        return 0.0 if failures < LOGIN_FREE_FAILURES else min(2.0 ** (failures - LOGIN_FREE_FAILURES), LOGIN_DELAY_CAP)

    async def login_failed(self, username: str) -> None:
        await self.limiter.hit(LOGIN_FAILURES, "login_failures", username.strip().lower())

    async def login_succeeded(self, username: str) -> None:
        await self.limiter.clear(LOGIN_FAILURES, "login_failures", username.strip().lower())

    async def close(self) -> None:
        """Close the Redis connections (the in-memory storage has none)."""
        client = getattr(getattr(self.storage, "bridge", None), "storage", None)
        if client is not None:
            await client.aclose()
