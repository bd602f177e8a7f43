"""The queue page's query string: the view a link asks for, and the links the page offers.

Every link the page makes (tabs, next and previous page, back to the start) keeps the active
filters; a link to another tab or a changed filter starts at that view's first page (a cursor
belongs to one order). A filter value that cannot be one (a typo, an old bookmark) is ignored
rather than refused: the page shows the view without that filter, and the form shows "alle".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from bot.inbox.accounts import OFFICE_KEY
from bot.inbox.queue import CHANNELS, LANGUAGE, PAGE_SIZE, STATUSES, TOPIC, QueueFilter
from bot.languages import SUPPORTED_LANGUAGES

URGENT = {"1": True, "0": False}
MAX_PAGE_LIMIT = 200


@dataclass(frozen=True)
class QueueQuery:
    wanted: QueueFilter
    after: str | None = None
    before: str | None = None
    limit: int = PAGE_SIZE

    @classmethod
    def read(cls, params: Mapping[str, str]) -> QueueQuery:
        def valid(name: str, pattern: re.Pattern[str]) -> str | None:
            value = params.get(name, "")
            return value if pattern.match(value) else None

        status = params.get("status", "waiting")
        wanted = QueueFilter(status=status if status in STATUSES else "waiting", office=valid("office", OFFICE_KEY),
                             language=valid("language", LANGUAGE), topic=valid("topic", TOPIC),
                             channel=params.get("channel") if params.get("channel") in CHANNELS else None,
                             urgent=URGENT.get(params.get("urgent", "")))
        limit = params.get("limit", "")
        return cls(wanted, after=params.get("after") or None, before=params.get("before") or None,
                   limit=min(int(limit), MAX_PAGE_LIMIT) if limit.isdigit() and int(limit) > 0 else PAGE_SIZE)

    def url(self, *, after: str | None = None, before: str | None = None, **changes: Any) -> str:
        """This view (with `changes` to its filters) from its start, or after / before a ticket."""
        wanted = replace(self.wanted, **changes) if changes else self.wanted
        fields = {"status": wanted.status, "office": wanted.office, "language": wanted.language,
                  "topic": wanted.topic, "channel": wanted.channel,
                  "urgent": None if wanted.urgent is None else str(int(wanted.urgent)),
                  "limit": self.custom_limit, "after": after, "before": before}
        return "/inbox/?" + urlencode({name: value for name, value in fields.items() if value})

    @property
    def custom_limit(self) -> int | None:
        """The page size when the link asked for another than the default (it stays in every link)."""
        return None if self.limit == PAGE_SIZE else self.limit

    @property
    def filtered(self) -> bool:
        wanted = self.wanted
        return any((wanted.office, wanted.language, wanted.topic, wanted.channel, wanted.urgent is not None))

    @property
    def paged(self) -> bool:
        return bool(self.after or self.before)


def language_choices(counted: Mapping[str, int]) -> list[str]:
    """The supported languages, then any other language a ticket has (the filter must reach every ticket)."""
    return [*SUPPORTED_LANGUAGES, *sorted(set(counted) - set(SUPPORTED_LANGUAGES))]
