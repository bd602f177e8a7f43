"""Case facts travel on the handoff request; a log line never shows the person's reference number."""

import datetime as dt

from bot.conversations.messages import CaseFacts, HandoffRequest, masked_reference


def test_a_logged_handoff_request_masks_the_reference() -> None:
    request = HandoffRequest(reason="personal_case", language="de",
                             facts=CaseFacts(reference="ABH-2024-12345", deadline=dt.date(2026, 12, 3)))
    logged = f"{request} {request!r}"
    assert "ABH-2024-12345" not in logged and "…45" in logged
    assert request.as_custom_payload()["handoff"]["facts"]["reference"] == "ABH-2024-12345"  # staff see it
    assert masked_reference("W-1") == "[…]"


def test_without_facts_the_payload_has_none() -> None:
    payload = HandoffRequest(reason="requested", language="en").as_custom_payload()["handoff"]
    assert "facts" not in payload
    assert CaseFacts().is_empty() and not CaseFacts(profession="nurse").is_empty()
