"""Property-based fuzzing of the chat API and the staff API from their OpenAPI schema (schemathesis), against
the running gateway over real HTTP, with valid tokens and without: whatever is sent, never a 5xx."""

import json
from collections import Counter
from collections.abc import Iterator

import httpx
import hypothesis
import pytest
import schemathesis

from bot.paths import TEST_ARTIFACTS
from bot.tools.devstack import Stack

pytestmark = pytest.mark.e2e
EXAMPLES = 25  # per operation and token variant


@pytest.fixture(scope="module")
def api_schema(stack: Stack):
    return schemathesis.openapi.from_url(f"{stack.config.gateway_url}/openapi.json")


@pytest.fixture(scope="module")
def conversation(stack: Stack) -> dict[str, str]:
    return httpx.post(f"{stack.config.gateway_url}/api/v1/conversations").json()


@pytest.fixture(scope="module")
def cases() -> Iterator[Counter]:
    counted: Counter = Counter()
    yield counted
    TEST_ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (TEST_ARTIFACTS / "fuzz.json").write_text(json.dumps({"cases": sum(counted.values()), **counted}, indent=2))


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@hypothesis.settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(hypothesis.HealthCheck))
def test_no_request_makes_the_gateway_fail(case, stack: Stack, conversation: dict[str, str], cases: Counter) -> None:
    if case.path.endswith("/events"):  # an event stream never ends by itself: its catch-up is what can fail
        return
    for tokens in ("none", "valid"):  # each generated request as a stranger sends it, then with valid tokens
        headers = {}
        if tokens == "valid":
            if case.path.startswith("/api/v1/staff"):
                headers["Authorization"] = f"Bearer {stack.env()['STAFF_API_TOKEN']}"
            elif "conversation_id" in (case.path_parameters or {}):
                case.path_parameters["conversation_id"] = conversation["id"]
                headers["Authorization"] = f"Bearer {conversation['token']}"
        response = case.call(base_url=stack.config.gateway_url, headers=headers, timeout=30)
        cases[f"{case.method} {case.path} ({tokens})"] += 1
        assert response.status_code < 500, (case.method, case.path, tokens, response.status_code, response.text[:300])
