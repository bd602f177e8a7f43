"""WhatsApp's settings: off without a token, complete when on, no placeholder secrets in production."""

import pytest
from pydantic import ValidationError

from bot.settings import Settings

ON = {"whatsapp_access_token": "EAAG-token", "whatsapp_app_secret": "app-secret",
      "whatsapp_verify_token": "verify-token", "whatsapp_phone_number_id": "100200300"}
REAL = {"rasa_token": "r" * 32, "rasa_channel_token": "c" * 32, "staff_api_token": "s" * 32}


def test_without_a_token_the_channel_is_off_and_needs_nothing_else() -> None:
    assert not Settings(environment="test").whatsapp_on


@pytest.mark.parametrize("missing", ["whatsapp_app_secret", "whatsapp_verify_token", "whatsapp_phone_number_id"])
def test_a_token_without_the_rest_is_refused(missing: str) -> None:
    with pytest.raises(ValidationError, match=missing.upper() if missing != "whatsapp_phone_number_id" else "PHONE"):
        Settings(environment="test", **{**ON, missing: None})


@pytest.mark.parametrize("placeholder", ["whatsapp_app_secret", "whatsapp_verify_token", "whatsapp_access_token"])
def test_production_refuses_placeholder_secrets(placeholder: str) -> None:
    assert Settings(environment="production", **REAL, **ON).whatsapp_on
    with pytest.raises(ValidationError, match="placeholder"):
        Settings(environment="production", **REAL, **{**ON, placeholder: "change-me"})


def test_the_graph_version_is_pinned_and_checked() -> None:
    assert Settings(environment="test", **ON).whatsapp_graph_version == "v24.0"
    with pytest.raises(ValidationError, match="v24.0"):
        Settings(environment="test", **ON, whatsapp_graph_version="latest")
