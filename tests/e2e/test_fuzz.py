"""Property-based fuzzing of the chat API and the staff API from their OpenAPI schema (schemathesis), against
the running gateway over real HTTP, with valid tokens and without: whatever is sent, never a 5xx.

Hypothesis drives schemathesis' strategies per operation (its pytest plugin does not run under pytest 9).
How many requests ran is written to build/test-artifacts/fuzz.json."""

import json
from collections import Counter

import httpx
import hypothesis
import pytest
import schemathesis

from bot.paths import TEST_ARTIFACTS
from bot.tools.devstack import Stack

pytestmark = pytest.mark.e2e
EXAMPLES = 40  # per operation; each is sent twice (without tokens, then with valid ones)
ENDLESS = "/events"  # an event stream never ends by itself; its checks are tested in tests/channels/web


def test_no_generated_request_makes_the_gateway_fail(stack: Stack) -> None:
    base = stack.config.gateway_url
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    conversation = httpx.post(f"{base}/api/v1/conversations").json()
    staff = {"Authorization": f"Bearer {stack.env()['STAFF_API_TOKEN']}"}
    cases: Counter = Counter()
    failures: list[str] = []

    def valid_tokens(case: schemathesis.Case) -> dict[str, str]:
        if case.path.startswith("/api/v1/staff"):
            return staff
        if "conversation_id" in (case.path_parameters or {}):
            case.path_parameters["conversation_id"] = conversation["id"]
            return {"Authorization": f"Bearer {conversation['token']}"}
        return {}

    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        if operation.path.endswith(ENDLESS):
            continue

        @hypothesis.given(case=operation.as_strategy())
        @hypothesis.settings(max_examples=EXAMPLES, deadline=None, database=None,
                             suppress_health_check=list(hypothesis.HealthCheck))
        def send(case: schemathesis.Case) -> None:
            for tokens in ("none", "valid"):
                headers = valid_tokens(case) if tokens == "valid" else {}
                response = case.call(base_url=base, headers=headers, timeout=30)
                cases[f"{case.method} {case.path} ({tokens})"] += 1
                if response.status_code >= 500:
                    failures.append(f"{case.method} {case.path} {tokens}: {response.status_code} {response.text[:200]}")

        send()
    TEST_ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (TEST_ARTIFACTS / "fuzz.json").write_text(json.dumps({"cases": sum(cases.values()), **cases}, indent=2))
    assert len(operations) >= 10 and sum(cases.values()) >= 100
    assert failures == []
