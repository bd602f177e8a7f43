"""The state machine: every legal transition, and every other one refused without a change."""

import itertools
from dataclasses import dataclass

import pytest

from bot.conversations import states
from bot.conversations.states import ConversationState as C
from bot.conversations.states import IllegalTransition, TicketStatus, Transition


@dataclass
class Row:
    state: str = "bot"
    status: str = "waiting"


LEGAL = [  # (transition, ticket before, conversation before) -> (ticket after, conversation after)
    (Transition.HAND_OFF, None, C.BOT, TicketStatus.WAITING, C.WAITING),
    (Transition.CLAIM, TicketStatus.WAITING, C.WAITING, TicketStatus.ASSIGNED, C.ASSIGNED),
    (Transition.CLAIM, TicketStatus.ASSIGNED, C.ASSIGNED, TicketStatus.ASSIGNED, C.ASSIGNED),
    (Transition.RELEASE, TicketStatus.ASSIGNED, C.ASSIGNED, TicketStatus.WAITING, C.WAITING),
    (Transition.MOVE, TicketStatus.WAITING, C.WAITING, TicketStatus.WAITING, C.WAITING),
    (Transition.MOVE, TicketStatus.ASSIGNED, C.ASSIGNED, TicketStatus.WAITING, C.WAITING),
    (Transition.RESOLVE, TicketStatus.WAITING, C.WAITING, TicketStatus.RESOLVED, C.BOT),
    (Transition.RESOLVE, TicketStatus.ASSIGNED, C.ASSIGNED, TicketStatus.RESOLVED, C.BOT),
    (Transition.REOPEN, TicketStatus.RESOLVED, C.BOT, TicketStatus.ASSIGNED, C.ASSIGNED),
]


@pytest.mark.parametrize(("transition", "before", "state", "after", "state_after"), LEGAL)
def test_legal_transitions_move_ticket_and_conversation_together(transition, before, state, after,
                                                                 state_after) -> None:
    conversation, ticket = Row(state=state.value), Row(status=(before or TicketStatus.WAITING).value)
    states.apply(transition, conversation, ticket, new_ticket=before is None)
    assert (ticket.status, conversation.state) == (after.value, state_after.value)


ILLEGAL = [(t, b, c) for t, b, c in itertools.product(Transition, [None, *TicketStatus], C)
           if (t, b, c) not in {(t_, b_, c_) for t_, b_, c_, _, _ in LEGAL}
           # a ticket's status and its conversation's state agree while it is open
           and not (b in (TicketStatus.WAITING, TicketStatus.ASSIGNED) and c.value != b.value
                    and (t, b) in states.TICKET_TRANSITIONS and c is not C.BOT)]


@pytest.mark.parametrize(("transition", "before", "state"), ILLEGAL)
def test_every_other_transition_raises_and_changes_nothing(transition, before, state) -> None:
    conversation, ticket = Row(state=state.value), Row(status=(before or TicketStatus.WAITING).value)
    snapshot = (conversation.state, ticket.status)
    with pytest.raises(IllegalTransition):
        states.apply(transition, conversation, ticket, new_ticket=before is None)
    assert (conversation.state, ticket.status) == snapshot


def test_a_second_hand_off_while_staff_have_the_conversation_is_refused() -> None:
    with pytest.raises(IllegalTransition, match="hand_off"):
        states.apply(Transition.HAND_OFF, Row(state="waiting"), Row(), new_ticket=True)


def test_reopening_needs_the_conversation_back_with_the_bot() -> None:
    """Another ticket of the conversation is open: this one cannot be reopened."""
    with pytest.raises(IllegalTransition):
        states.apply(Transition.REOPEN, Row(state="waiting"), Row(status="resolved"))


def test_who_is_in_charge() -> None:
    assert not states.staff_in_charge("bot")
    assert states.staff_in_charge("waiting") and states.staff_in_charge("assigned")
    with pytest.raises(ValueError):
        states.staff_in_charge("resolved")  # not a conversation state: resolving gives it back to the bot


def test_deliveries_only_move_forward_whatever_order_reports_arrive_in() -> None:
    delivery = Row(status="pending")
    for report in ("delivered", "sent", "read", "sent", "delivered", "failed"):
        states.advance_delivery(delivery, states.DeliveryStatus(report))
    assert delivery.status == "read"
    failed = Row(status="sent")
    assert states.advance_delivery(failed, states.DeliveryStatus.FAILED)
    assert not states.advance_delivery(failed, states.DeliveryStatus.DELIVERED) and failed.status == "failed"


def test_held_deliveries_wait_and_only_the_person_writing_or_a_closed_window_requeue() -> None:
    held = Row(status="pending")
    assert states.advance_delivery(held, states.DeliveryStatus.HELD)
    for report in ("sent", "delivered", "read", "failed"):  # no status report moves a held reply
        assert not states.advance_delivery(held, states.DeliveryStatus(report))
    assert states.requeue_delivery(held) and held.status == "pending"
    sent = Row(status="sent")
    assert states.requeue_delivery(sent) and sent.status == "pending"  # Meta reported 131047 after taking it
    for status in ("pending", "delivered", "read", "failed", "unreachable"):
        assert not states.requeue_delivery(Row(status=status)), status
