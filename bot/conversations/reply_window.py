"""The reply window: WhatsApp lets a business write freely only within 24 hours of the person's last
message. Outside it only an approved template may be sent (the sender invites the person with one)
and replies wait in the outbox until the person writes again. Read by the WhatsApp sender and by the
staff inbox, which shows whether the window is open and for how long."""

from __future__ import annotations

import datetime as dt

from bot.conversations.models import Conversation, as_utc, utcnow

WINDOW = dt.timedelta(hours=24)
MARGIN = dt.timedelta(minutes=2)  # a reply that would arrive just as the window closes waits instead


def window_open(conversation: Conversation, now: dt.datetime | None = None) -> bool:
    """Whether we may write freely: the person wrote within 24 hours, and no send found it closed since
    (the pipeline clears `window_closed_at` whenever the person writes)."""
    last = conversation.last_person_at
    if last is None or as_utc(last) + WINDOW - MARGIN <= (now or utcnow()):
        return False
    return conversation.window_closed_at is None


def window_ends(conversation: Conversation, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the window closes; None when it is closed."""
    if conversation.last_person_at is None or not window_open(conversation, now):
        return None
    return as_utc(conversation.last_person_at) + WINDOW


def invited_since_last_message(conversation: Conversation) -> bool:
    """Whether the invitation to write back went out after the person's latest message (once per closed window)."""
    invited, last = conversation.invited_at, conversation.last_person_at
    return invited is not None and (last is None or as_utc(invited) > as_utc(last))
