"""A fake of the Telegram Bot API on loopback, for the tests of the Telegram channel.

Telegram's servers cannot be reached from here, and a mocked HTTP client would only prove that our code
calls the mock. This is a real HTTP server (Starlette on uvicorn, in a background thread) answering the
Bot API methods the channel uses in the shapes of https://core.telegram.org/bots/api, so that
python-telegram-bot (PTB) talks to it unchanged: `Bot(token, base_url=fake.api_base_url)`. It records
every call, fails the next calls of a method on request (flood control, a blocked bot) and serves pushed
updates to getUpdates, with long polling. PTB posts every parameter as a form field, strings as they are,
anything else JSON-encoded (chat_id=42 -> "42"); the fake decodes them back. Simplified: texts are echoed
as sent (no entities parsed from HTML), every chat is "private", edits of unknown messages succeed.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Any, Self

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.tools.loopback import LoopbackServer

Call = dict[str, Any]

# parameters that stay text even when they look like JSON (a message text "42" is not the number 42)
_TEXT_PARAMS = frozenset({"text", "caption", "parse_mode", "url", "secret_token", "callback_query_id", "action",
                          "inline_message_id", "ip_address", "query", "description", "title", "name", "emoji"})


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status and Telegram's description."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.http_status, self.description, self.retry_after = status, description, retry_after

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.http_status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def decode_param(name: str, value: str) -> Any:
    """A form or query value as Telegram reads it: JSON objects, arrays, numbers, booleans; else the string."""
    if name in _TEXT_PARAMS:
        return value
    try:
        decoded = json.loads(value)
    except ValueError:
        return value
    return value if isinstance(decoded, str) else decoded


async def read_params(request: Request) -> dict[str, Any]:
    """The parameters of a Bot API request, from the query string and a form or JSON body."""
    params: dict[str, Any] = {key: decode_param(key, value) for key, value in request.query_params.items()}
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        params.update(json.loads(await request.body() or b"{}"))
    elif content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        async with request.form() as form:
            for key, value in form.multi_items():
                if isinstance(value, UploadFile):  # an uploaded file: what it is, not its bytes
                    size = len(await value.read())
                    params[key] = {"filename": value.filename, "content_type": value.content_type, "size": size}
                else:
                    params[key] = decode_param(key, value)
    return params


def _require(params: dict[str, Any], name: str) -> Any:
    if params.get(name) in (None, ""):
        raise ApiError(400, f"Bad Request: {name} is empty")
    return params[name]


class FakeTelegram(LoopbackServer):
    """The Telegram Bot API on http://127.0.0.1:<free port>, started by start() or as a context manager."""

    def __init__(self, *, max_long_poll: float = 1.0) -> None:
        self.max_long_poll = max_long_poll  # getUpdates waits min(timeout, this) seconds for an update
        super().__init__()
        self._cond = threading.Condition()
        self._closing = False
        self.reset()
        self._methods: dict[str, Callable[[str, dict[str, Any]], Any]] = {
            "getme": lambda token, params: self._bot_user(token),
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._webhook_info,
            "getupdates": self._get_updates,
            "sendmessage": self._send_message,
            "editmessagetext": lambda token, params: self._edit(token, params, text=_require(params, "text")),
            "editmessagereplymarkup": self._edit,
            "answercallbackquery": lambda token, params: bool(_require(params, "callback_query_id")),
            "sendchataction": lambda token, params: bool(_require(params, "chat_id") and _require(params, "action")),
            "close": lambda token, params: True,
            "logout": lambda token, params: True,
        }
        self.app = Starlette(routes=[Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"])])

    def _stopping(self) -> None:
        with self._cond:
            self._closing = True  # ends waiting long polls now
            self._cond.notify_all()

    def start(self) -> Self:
        self._closing = False
        return super().start()

    @property
    def api_base_url(self) -> str:
        """What PTB's `base_url` takes: it appends the token and "/<method>"."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def file_base_url(self) -> str:
        return self.api_base_url.removesuffix("/bot") + "/file/bot"

    def fail_next(self, method: str, status: int, description: str, retry_after: int | None = None,
                  times: int = 1) -> None:
        """The next `times` calls of `method` answer with this error (retry_after: flood control, 429)."""
        with self._cond:
            self._failures[method.lower()].extend([(status, description, retry_after)] * times)

    def push_update(self, update: dict[str, Any]) -> None:
        """Queue an update (with its update_id) for getUpdates; wakes a waiting long poll."""
        if not isinstance(update.get("update_id"), int):
            raise ValueError("an update needs an integer update_id")
        with self._cond:
            self._updates.append(copy.deepcopy(update))
            self._updates.sort(key=lambda pending: pending["update_id"])
            self._cond.notify_all()

    def reset(self) -> None:
        """Forget calls, pending failures and updates, the webhook and the sent messages."""
        with self._cond:
            self._calls: list[Call] = []
            self._failures: defaultdict[str, deque[tuple[int, str, int | None]]] = defaultdict(deque)
            self._updates: list[dict[str, Any]] = []
            self._webhook: dict[str, Any] = {}
            self._messages: dict[tuple[Any, int], dict[str, Any]] = {}
            self._next_message_id: defaultdict[Any, int] = defaultdict(lambda: 1000)
            self._cond.notify_all()

    def calls(self, method: str | None = None) -> list[Call]:
        """The recorded calls {"method", "token", "params", "failed"} (of one method), oldest first."""
        with self._cond:
            wanted = [call for call in self._calls if method is None or call["method"].lower() == method.lower()]
            return copy.deepcopy(wanted)

    def sent_messages(self, chat_id: int | str | None = None) -> list[dict[str, Any]]:
        """The parameters of the successful sendMessage calls (to one chat)."""
        return [call["params"] for call in self.calls("sendMessage")
                if not call["failed"] and (chat_id is None or str(call["params"].get("chat_id")) == str(chat_id))]

    def wait_for(self, method: str, predicate: Callable[[Call], bool] | None = None, timeout: float = 10.0,
                 count: int = 1) -> list[Call]:
        """Block until `count` successful calls of `method` match; for code in the test's loop use asyncio.to_thread."""
        def matching() -> list[Call]:
            return [call for call in self._calls if not call["failed"] and call["method"].lower() == method.lower()
                    and (predicate is None or predicate(call))]

        with self._cond:
            if self._cond.wait_for(lambda: len(matching()) >= count, timeout):
                return copy.deepcopy(matching())
            found = len(matching())
            recorded = [f"  {'FAILED ' if call['failed'] else ''}{call['method']} "
                        f"{json.dumps(call['params'], ensure_ascii=False, default=str)[:300]}" for call in self._calls]
        raise AssertionError(f"expected {count} successful {method} call(s) matching within {timeout} s, "
                             f"found {found}; recorded calls:\n" + ("\n".join(recorded) or "  (none)"))

    async def _endpoint(self, request: Request) -> JSONResponse:
        token, method = request.path_params["token"], request.path_params["method"]
        try:
            params = await read_params(request)
        except (ValueError, TypeError) as err:  # a body that is not a JSON object
            return JSONResponse(ApiError(400, f"Bad Request: {err}").body(), 400)
        status, body = await run_in_threadpool(self._handle, token, method, params)
        return JSONResponse(body, status_code=status)

    def _handle(self, token: str, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._cond:  # getUpdates waits on it, which releases it; method names are case-insensitive
            try:
                if failures := self._failures.get(method.lower()):
                    raise ApiError(*failures.popleft())
                if (handler := self._methods.get(method.lower())) is None:
                    raise ApiError(404, "Not Found: method not found")
                result = copy.deepcopy(handler(token, params))
            except ApiError as err:
                self._record(token, method, params, failed=True)
                return err.http_status, err.body()
            self._record(token, method, params, failed=False)
            return 200, {"ok": True, "result": result}

    def _record(self, token: str, method: str, params: dict[str, Any], *, failed: bool) -> None:
        self._calls.append({"method": method, "token": token, "params": params, "failed": failed})
        self._cond.notify_all()

    @staticmethod
    def _bot_user(token: str) -> dict[str, Any]:
        bot_id = token.split(":", 1)[0]  # a bot's id is the number before the colon of its token
        return {"id": int(bot_id) if bot_id.isdigit() else 1, "is_bot": True, "first_name": "Musterstadt Bot",
                "username": "musterstadt_bot", "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False}

    def _set_webhook(self, token: str, params: dict[str, Any]) -> bool:
        url = params.get("url") or ""
        if url and not url.startswith("https://"):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        self._delete_webhook(token, params)
        self._webhook = {key: value for key, value in params.items() if key != "drop_pending_updates"} if url else {}
        return True

    def _delete_webhook(self, token: str, params: dict[str, Any]) -> bool:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._webhook = {}
        return True

    def _webhook_info(self, token: str, params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {"url": self._webhook.get("url", ""), "has_custom_certificate": False,
                                "pending_update_count": len(self._updates)}
        return info | {key: self._webhook[key] for key in ("allowed_updates", "max_connections")
                       if key in self._webhook}

    def _get_updates(self, token: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self._webhook.get("url"):
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        offset, limit = int(params.get("offset") or 0), min(max(int(params.get("limit") or 100), 1), 100)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), self.max_long_poll)
        while True:
            if offset < 0:  # the last -offset updates; the ones before are forgotten
                del self._updates[:offset]
            elif offset:  # updates before offset are confirmed
                self._updates[:] = [update for update in self._updates if update["update_id"] >= offset]
            remaining = deadline - time.monotonic()
            if self._updates or self._closing or remaining <= 0:
                return self._updates[:limit]
            self._cond.wait(remaining)

    def _message(self, token: str, chat_id: Any, message_id: int, text: str) -> dict[str, Any]:
        message = {"message_id": message_id, "date": int(time.time()), "chat": {"id": chat_id, "type": "private"},
                   "from": self._bot_user(token), "text": text}
        return self._messages.setdefault((chat_id, message_id), message)

    def _send_message(self, token: str, params: dict[str, Any]) -> dict[str, Any]:
        chat_id, text = _require(params, "chat_id"), _require(params, "text")
        message_id = self._next_message_id[chat_id]
        self._next_message_id[chat_id] += 1
        return _with_markup(self._message(token, chat_id, message_id, text), params.get("reply_markup"))

    def _edit(self, token: str, params: dict[str, Any], **changes: Any) -> dict[str, Any] | bool:
        if params.get("inline_message_id"):
            return True  # Telegram answers edits of inline messages with true
        message = self._message(token, _require(params, "chat_id"), _require(params, "message_id"), "")
        message.update(changes, edit_date=int(time.time()))
        return _with_markup(message, params.get("reply_markup"))


def _with_markup(message: dict[str, Any], markup: Any) -> dict[str, Any]:
    # a Message carries only an inline keyboard; reply keyboards are not echoed (PTB could not parse them)
    message.pop("reply_markup", None)
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        message["reply_markup"] = markup
    return message
