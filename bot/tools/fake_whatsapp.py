"""A fake of the WhatsApp Business Cloud API's messages endpoint (Graph API) on loopback, for tests and benchmarks.

Meta's servers cannot be reached from here, and a mocked HTTP client would only prove that our code calls
the mock. This is a real HTTP server (Starlette on uvicorn, in a background thread) answering
`POST /{version}/{phone_number_id}/messages` as the Cloud API does, so that the app's Graph client talks
to it unchanged (`WHATSAPP_GRAPH_BASE_URL=fake.base_url`). It checks the bearer token, validates the
bodies we send (text, reply buttons, lists, templates, reactions) against Meta's limits, answers a
`wamid`, records every request, fails the next sends on request in Graph's error shape (rate limit,
closed 24-hour window, server error) and accepts "mark as read". Simplified: a queued failure is used by
the next send passing the token and path checks, before its body is validated; lengths count Python
characters; media messages are not supported.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any, Final

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.tools.loopback import LoopbackServer

Call = dict[str, Any]

# presets for fail_next(**PRESET), e.g. fake.fail_next(**RATE_LIMITED, retry_after=2); "details" as Meta words it
RATE_LIMITED: Final[Mapping[str, Any]] = {"http_status": 429, "code": 130429, "message": "Rate limit hit",
                                          "details": "Cloud API message throughput has been reached."}
WINDOW_CLOSED: Final[Mapping[str, Any]] = {"http_status": 400, "code": 131047, "message": "Re-engagement message",
                                           "details": "More than 24 hours have passed since the customer last wrote."}
SERVER_ERROR: Final[Mapping[str, Any]] = {"http_status": 500, "code": 131000, "message": "Something went wrong",
                                          "details": "Message failed to send due to an unknown error."}
UNDELIVERABLE: Final[Mapping[str, Any]] = {"http_status": 400, "code": 131026, "message": "Message undeliverable",
                                           "details": "Unable to deliver message: the number may not be on WhatsApp."}
ACCESS_TOKEN = "e2e-access-token"  # noqa: S105  (the fake's own)
TYPES = frozenset({"text", "interactive", "template", "reaction"})
PHONE = re.compile(r"[0-9]{6,20}")
BSUID = re.compile(r"[A-Z]{2}\.[A-Za-z0-9]{1,64}")  # a business-scoped user id, e.g. "DE.1234567890"
_JSON_TYPES: Final = {str: "string", dict: "JSON object", list: "array", bool: "boolean"}


class GraphRefusal(Exception):
    """An error answer of the Graph API: HTTP status, Meta's code and what went wrong."""

    def __init__(self, http_status: int, code: int, message: str, *, details: str | None = None,
                 subcode: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.http_status, self.code, self.message, self.details = http_status, code, message, details
        self.subcode, self.retry_after = subcode, retry_after

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message, "type": "OAuthException", "code": self.code}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        if self.details is not None:
            error["error_data"] = {"messaging_product": "whatsapp", "details": self.details}
        return {"error": error | {"fbtrace_id": "A" + secrets.token_urlsafe(16)}}


def invalid(problem: str, code: int = 100) -> GraphRefusal:
    """400 for a body Meta would refuse: 100 (missing or mistyped), 131009 (a value out of its limits)."""
    return GraphRefusal(400, code, f"(#{code}) {problem if code == 100 else 'Parameter value is not valid'}",
                        details=problem)


def _param(value: Any, where: str, kind: type = str, high: int | None = None, low: int = 1) -> Any:
    """A required value of its JSON type; strings (characters) and arrays (elements) within their limits."""
    if value is None:
        raise invalid(f"Param {where} is required")
    size = len(value) if isinstance(value, str | list | dict) else 0
    if not isinstance(value, kind):
        raise invalid(f"Param {where} must be a {_JSON_TYPES[kind]}")
    if high is not None and not low <= size <= high:
        unit = "characters long" if kind is str else "elements"
        raise invalid(f"Param {where} must be {low} to {high} {unit}, not {size}", 131009)
    return value


def _check_interactive(interactive: dict[str, Any]) -> None:
    kind = interactive.get("type")
    if kind not in ("button", "list"):
        raise invalid(f"Param interactive['type'] must be 'button' or 'list', not {kind!r}")
    body = _param(interactive.get("body"), "interactive['body']", dict)
    _param(body.get("text"), "interactive['body']['text']", str, 1024)
    for part in ("header", "footer"):
        if part in interactive:
            value = _param(interactive[part], f"interactive['{part}']", dict)
            if part == "header" and value.get("type") != "text":
                raise invalid("Param interactive['header']['type'] must be 'text' (no media headers here)")
            _param(value.get("text"), f"interactive['{part}']['text']", str, 60)
    action = _param(interactive.get("action"), "interactive['action']", dict)
    ids, titles = [], []
    if kind == "button":
        for i, button in enumerate(_param(action.get("buttons"), "interactive['action']['buttons']", list, 3)):
            where = f"interactive['action']['buttons'][{i}]"
            if _param(button, where, dict).get("type") != "reply":
                raise invalid(f"Param {where}['type'] must be 'reply'")
            reply = _param(button.get("reply"), f"{where}['reply']", dict)
            ids.append(_param(reply.get("id"), f"{where}['reply']['id']", str, 256))
            titles.append(_param(reply.get("title"), f"{where}['reply']['title']", str, 20))
        if len(set(titles)) < len(titles) or len(set(ids)) < len(ids):
            raise invalid(f"Button titles and ids must be unique: {titles}, {ids}", 131009)
        return
    _param(action.get("button"), "interactive['action']['button']", str, 20)
    sections = _param(action.get("sections"), "interactive['action']['sections']", list, 10)
    for i, section in enumerate(sections):
        where = f"interactive['action']['sections'][{i}]"
        if "title" in _param(section, where, dict) or len(sections) > 1:  # required for several sections
            _param(section.get("title"), f"{where}['title']", str, 24)
        for j, row in enumerate(_param(section.get("rows"), f"{where}['rows']", list, 10)):
            at = f"{where}['rows'][{j}]"
            ids.append(_param(_param(row, at, dict).get("id"), f"{at}['id']", str, 200))
            _param(row.get("title"), f"{at}['title']", str, 24)
            if "description" in row:
                _param(row["description"], f"{at}['description']", str, 72, low=0)
    if len(ids) > 10:
        raise invalid(f"Total row count must be 1 to 10, not {len(ids)}", 131009)
    if len(set(ids)) < len(ids):
        raise invalid(f"Row ids must be unique: {ids}", 131009)


def validate(body: dict[str, Any]) -> tuple[str, str]:
    """The message's type and addressee, or GraphRefusal(400) as Meta would answer the body."""
    if body.get("messaging_product") != "whatsapp":
        raise invalid("Param messaging_product must be 'whatsapp'")
    if body.get("recipient_type", "individual") != "individual":
        raise invalid("Param recipient_type must be 'individual'")
    to, user_id = body.get("to"), body.get("recipient")
    if (to is None) == (user_id is None):
        raise invalid("Exactly one of the params to and recipient is required")
    for name, value, pattern, what in (("to", to, PHONE, "a phone number of 6 to 20 digits"), (
            "recipient", user_id, BSUID, "a business-scoped user id like 'DE.1234567890'")):
        if value is not None and not (isinstance(value, str) and pattern.fullmatch(value)):
            raise invalid(f"Param {name} must be {what}, not {value!r}", 131009)
    kind = body.get("type", "text")  # Meta's default
    if not isinstance(kind, str) or kind not in TYPES:
        raise invalid(f"Param type must be one of {sorted(TYPES)}, not {kind!r}")
    content = _param(body.get(kind), kind, dict)
    if kind == "text":
        _param(content.get("body"), "text['body']", str, 4096)
        if "preview_url" in content:
            _param(content["preview_url"], "text['preview_url']", bool)
    elif kind == "interactive":
        _check_interactive(content)
    elif kind == "template":
        _param(content.get("name"), "template['name']", str, 512)
        _param(_param(content.get("language"), "template['language']", dict).get("code"),
               "template['language']['code']", str, 16)
        if "components" in content:
            _param(content["components"], "template['components']", list)
    else:  # reaction; an empty emoji removes one
        _param(content.get("message_id"), "reaction['message_id']", str, 256)
        _param(content.get("emoji"), "reaction['emoji']", str)
    return kind, str(to if to is not None else user_id)


class FakeWhatsApp(LoopbackServer):
    """The Cloud API's messages endpoint on http://127.0.0.1:<free port>, started by start() or as a context manager."""

    def __init__(self, *, access_token: str = ACCESS_TOKEN, phone_number_id: str = "100200300",
                 version: str = "v24.0", delay_seconds: float = 0.0, also_accept_marks_read: bool = True) -> None:
        self.access_token, self.phone_number_id, self.version = access_token, phone_number_id, version
        self.delay_seconds = delay_seconds  # latency of every answer, for benchmarks
        self.also_accept_marks_read = also_accept_marks_read  # {"status": "read", "message_id"} -> success
        super().__init__()
        self._cond = threading.Condition()
        self.reset()
        self.app = Starlette(routes=[Route("/{version}/{phone_number_id}/messages", self._endpoint, methods=["POST"])])

    @property
    def base_url(self) -> str:
        """WHATSAPP_GRAPH_BASE_URL: the app posts to {base_url}/{version}/{phone_number_id}/messages."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def messages_url(self) -> str:
        return f"{self.base_url}/{self.version}/{self.phone_number_id}/messages"

    def fail_next(self, count: int = 1, *, http_status: int = 400, code: int = 131047,
                  message: str = "Re-engagement message", subcode: int | None = None, details: str | None = None,
                  retry_after: float | None = None) -> None:
        """The next `count` sends (with a valid token) answer this error; calls queue up in order."""
        with self._cond:
            self._failures.extend(GraphRefusal(http_status, code, message, details=details or message, subcode=subcode,
                                               retry_after=retry_after) for _ in range(count))

    def reset(self) -> None:
        """Forget the recorded requests and the queued failures."""
        with self._cond:
            self._calls: list[Call] = []
            self._failures: deque[GraphRefusal] = deque()

    def calls(self) -> list[Call]:
        """Every request {"path", "body", "status", "wamid", "authorized", "at"}, oldest first."""
        with self._cond:
            return copy.deepcopy(self._calls)

    def sent(self, to: str | None = None) -> list[dict[str, Any]]:
        """The bodies of the successful sends (to one phone number or business-scoped user id)."""
        return [call["body"] for call in self.calls() if call["wamid"] and (to is None or to in (
            call["body"].get("to"), call["body"].get("recipient")))]

    def wait_for(self, predicate: Callable[[Call], bool] | None = None, timeout: float = 10.0,
                 count: int = 1) -> list[Call]:
        """Block until `count` successful sends match; for code in the test's loop use asyncio.to_thread."""
        def matching() -> list[Call]:
            return [call for call in self._calls if call["wamid"] and (predicate is None or predicate(call))]

        with self._cond:
            if self._cond.wait_for(lambda: len(matching()) >= count, timeout):
                return copy.deepcopy(matching())
            found = len(matching())
            recorded = [f"  {call['status']} {call['path']} "
                        f"{json.dumps(call['body'], ensure_ascii=False, default=str)[:300]}" for call in self._calls]
        raise TimeoutError(f"expected {count} successful send(s) matching within {timeout} s, found {found}; "
                           "recorded requests:\n" + ("\n".join(recorded) or "  (none)"))

    async def _endpoint(self, request: Request) -> JSONResponse:
        if self.delay_seconds > 0:
            await asyncio.sleep(self.delay_seconds)
        raw = await request.body()
        body: Any
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
        authorized = request.headers.get("authorization") == f"Bearer {self.access_token}"
        headers: dict[str, str] = {}
        with self._cond:
            try:
                status, answer, wamid = self._answer(request.path_params, body, authorized)
            except GraphRefusal as refusal:
                status, answer, wamid = refusal.http_status, refusal.body(), None
                headers = {"Retry-After": f"{refusal.retry_after:g}"} if refusal.retry_after is not None else {}
            self._calls.append({"path": request.url.path, "body": body, "status": status, "wamid": wamid,
                                "authorized": authorized, "at": time.time()})
            self._cond.notify_all()
        return JSONResponse(answer, status_code=status, headers=headers)

    def _answer(self, path: dict[str, Any], body: Any, authorized: bool) -> tuple[int, dict[str, Any], str | None]:
        if not authorized:
            raise GraphRefusal(401, 190, "Invalid OAuth access token - Cannot parse access token")
        if path["version"] != self.version:
            raise invalid(f"Unknown path components: /{path['version']}: this fake serves {self.version}")
        if path["phone_number_id"] != self.phone_number_id:
            raise invalid(f"Unsupported post request. Object with ID '{path['phone_number_id']}' does not exist")
        if not isinstance(body, dict):
            raise invalid("The request body must be a JSON object")
        if self.also_accept_marks_read and body.get("status") == "read":
            if body.get("messaging_product") != "whatsapp" or not isinstance(body.get("message_id"), str):
                raise invalid("Marking as read needs messaging_product 'whatsapp' and a message_id")
            return 200, {"success": True}, None
        if self._failures:
            raise self._failures.popleft()
        kind, addressee = validate(body)
        wamid = f"wamid.HBgM{secrets.token_hex(16).upper()}"
        message = {"id": wamid, "message_status": "accepted"} if kind == "template" else {"id": wamid}
        return 200, {"messaging_product": "whatsapp", "contacts": [{"input": addressee, "wa_id": addressee}],
                     "messages": [message]}, wamid
