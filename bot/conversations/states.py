"""Who is in charge of a conversation: the one place where its state and its ticket's status change.

A conversation is with the bot, or waiting for staff, or assigned to a member of staff. While a
ticket is open, the conversation's state mirrors the ticket's status; resolving the ticket gives
the conversation back to the bot:

    bot ──hand_off──▶ waiting ──claim/assign──▶ assigned ──resolve──▶ bot (ticket: resolved)
                        ▲  │                     │  │
                        │  └──────resolve────────┼──┼──▶ bot
                        └──release / move────────┘  │
    bot ──reopen (a resolved ticket)────────────────▶ assigned

A person may ask for a human in any state: with the bot that is a hand-off; while waiting or
assigned the request is already met and nothing changes. Every other combination is illegal and
raises `IllegalTransition`; callers turn that into a message for whoever asked.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol


class ConversationState(StrEnum):
    BOT = "bot"
    WAITING = "waiting"
    ASSIGNED = "assigned"


class TicketStatus(StrEnum):
    WAITING = "waiting"
    ASSIGNED = "assigned"
    RESOLVED = "resolved"


class Transition(StrEnum):
    HAND_OFF = "hand_off"  # the bot (or a failure) passes the conversation to staff: a new ticket
    CLAIM = "claim"  # a member of staff takes the ticket (or is given it)
    RELEASE = "release"  # back to the queue
    MOVE = "move"  # to another office's queue
    RESOLVE = "resolve"  # staff hand the conversation back to the bot
    REOPEN = "reopen"  # a resolved ticket goes back to staff


class IllegalTransition(Exception):
    def __init__(self, transition: Transition, ticket_status: TicketStatus | None,
                 conversation_state: ConversationState) -> None:
        super().__init__(f"{transition} is not allowed for a ticket that is {ticket_status or 'new'} "
                         f"in a conversation that is {conversation_state}")
        self.transition, self.ticket_status, self.conversation_state = transition, ticket_status, conversation_state


# (transition, the ticket's status before; None for a ticket being opened) -> its status after
TICKET_TRANSITIONS: dict[tuple[Transition, TicketStatus | None], TicketStatus] = {
    (Transition.HAND_OFF, None): TicketStatus.WAITING,
    (Transition.CLAIM, TicketStatus.WAITING): TicketStatus.ASSIGNED,
    (Transition.CLAIM, TicketStatus.ASSIGNED): TicketStatus.ASSIGNED,
    (Transition.RELEASE, TicketStatus.ASSIGNED): TicketStatus.WAITING,
    (Transition.MOVE, TicketStatus.WAITING): TicketStatus.WAITING,
    (Transition.MOVE, TicketStatus.ASSIGNED): TicketStatus.WAITING,
    (Transition.RESOLVE, TicketStatus.WAITING): TicketStatus.RESOLVED,
    (Transition.RESOLVE, TicketStatus.ASSIGNED): TicketStatus.RESOLVED,
    (Transition.REOPEN, TicketStatus.RESOLVED): TicketStatus.ASSIGNED,
}
# the conversation state each transition requires before it
REQUIRED_STATE: dict[Transition, frozenset[ConversationState]] = {
    Transition.HAND_OFF: frozenset({ConversationState.BOT}),
    Transition.REOPEN: frozenset({ConversationState.BOT}),  # no other ticket of it is open
    **{t: frozenset({ConversationState.WAITING, ConversationState.ASSIGNED})
       for t in (Transition.CLAIM, Transition.RELEASE, Transition.MOVE, Transition.RESOLVE)},
}
CONVERSATION_STATE_OF: dict[TicketStatus, ConversationState] = {
    TicketStatus.WAITING: ConversationState.WAITING,
    TicketStatus.ASSIGNED: ConversationState.ASSIGNED,
    TicketStatus.RESOLVED: ConversationState.BOT,
}


class HasState(Protocol):
    state: str


class HasStatus(Protocol):
    status: str


def staff_in_charge(state: str) -> bool:
    """Messages go to staff (and the bot stays quiet) in these states."""
    return ConversationState(state) is not ConversationState.BOT


def next_status(transition: Transition, ticket_status: TicketStatus | None,
                conversation_state: ConversationState) -> TicketStatus:
    """The ticket's status after `transition`, or IllegalTransition."""
    after = TICKET_TRANSITIONS.get((transition, ticket_status))
    if after is None or conversation_state not in REQUIRED_STATE[transition]:
        raise IllegalTransition(transition, ticket_status, conversation_state)
    return after


def apply(transition: Transition, conversation: HasState, ticket: HasStatus, *, new_ticket: bool = False) -> None:
    """Change the ticket's status and the conversation's state together, or raise and change nothing."""
    before = None if new_ticket else TicketStatus(ticket.status)
    after = next_status(transition, before, ConversationState(conversation.state))
    ticket.status = after.value
    conversation.state = CONVERSATION_STATE_OF[after].value


class DeliveryStatus(StrEnum):
    """What happened to a reply sent to a messenger (the outbox, `outbox.py`)."""

    PENDING = "pending"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"  # the messenger refused this message for good
    UNREACHABLE = "unreachable"  # the person cannot be reached there (blocked the bot, left)
    HELD = "held"  # waits until the person writes again (WhatsApp's 24-hour window is closed)


# a status report may only move a delivery forward; reports that arrive late or twice change nothing
DELIVERY_NEXT: dict[DeliveryStatus, frozenset[DeliveryStatus]] = {
    DeliveryStatus.PENDING: frozenset({DeliveryStatus.SENT, DeliveryStatus.DELIVERED, DeliveryStatus.READ,
                                       DeliveryStatus.FAILED, DeliveryStatus.UNREACHABLE, DeliveryStatus.HELD}),
    DeliveryStatus.SENT: frozenset({DeliveryStatus.DELIVERED, DeliveryStatus.READ, DeliveryStatus.FAILED}),
    DeliveryStatus.DELIVERED: frozenset({DeliveryStatus.READ}),
    DeliveryStatus.READ: frozenset(),
    DeliveryStatus.FAILED: frozenset(),
    DeliveryStatus.UNREACHABLE: frozenset(),
    DeliveryStatus.HELD: frozenset({DeliveryStatus.UNREACHABLE}),
}
# the two ways back to `pending`, neither of them a status report: the person wrote again, so what
# was held for them is due (held -> pending); or the messenger took a message and reported later that
# the window had been closed (sent -> pending: it is sent again, after the person has written)
DELIVERY_REQUEUE: dict[DeliveryStatus, frozenset[DeliveryStatus]] = {
    DeliveryStatus.HELD: frozenset({DeliveryStatus.PENDING}),
    DeliveryStatus.SENT: frozenset({DeliveryStatus.PENDING}),
}


def advance_delivery(delivery: HasStatus, to: DeliveryStatus) -> bool:
    """Move a delivery forward; False (and no change) when `to` is not ahead of where it is."""
    if to not in DELIVERY_NEXT[DeliveryStatus(delivery.status)]:
        return False
    delivery.status = to.value
    return True


def requeue_delivery(delivery: HasStatus) -> bool:
    """Make a held (or a sent but refused for a closed window) delivery due again; False if it is neither."""
    if DeliveryStatus.PENDING not in DELIVERY_REQUEUE.get(DeliveryStatus(delivery.status), frozenset()):
        return False
    delivery.status = DeliveryStatus.PENDING.value
    return True
