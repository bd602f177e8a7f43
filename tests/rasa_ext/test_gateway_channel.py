"""The gateway's input channel in Rasa: text is always text; only an accepted payload steers Rasa."""

import pytest

from bot.rasa_ext.text_guard import TEXT_GUARD, as_text, message_for_rasa


@pytest.mark.parametrize("typed", ["/restart", "/emergency", " /session_start", '/ask_question{"kb_id": "x"}',
                                   "\n/greet"])
def test_typed_text_that_looks_like_an_intent_is_guarded(typed: str) -> None:
    guarded = as_text(typed)
    assert guarded == TEXT_GUARD + typed.strip()
    assert not guarded.strip().startswith("/")  # Rasa strips whitespace, then looks for '/'
    assert message_for_rasa(typed, {"input": "text"}) == guarded
    assert message_for_rasa(typed, None) == guarded  # nothing said: text


def test_ordinary_text_is_left_alone() -> None:
    assert message_for_rasa("Wie melde ich mich an? 1/2", {"input": "text"}) == "Wie melde ich mich an? 1/2"


def test_an_accepted_payload_goes_through_unchanged() -> None:
    payload = '/ask_question{"kb_id": "eu-blue-card"}'
    assert message_for_rasa(payload, {"input": "payload", "language": "de"}) == payload


def test_the_channel_needs_a_real_token() -> None:
    pytest.importorskip("rasa", reason="runs under Rasa's Python 3.10 environment (.venv-rasa)")
    from bot.rasa_ext.gateway_channel import GatewayInput

    with pytest.raises(ValueError, match="16 characters"):
        GatewayInput.from_credentials({"token": "short"})
    assert GatewayInput.from_credentials({"token": "x" * 32}).name() == "gateway"
