"""One error shape for every JSON API: `{"detail": {"code", "message", ...}}`, never a 5xx for bad input.

FastAPI's own validation errors echo the whole input back (a 1 MB body comes back as 1 MB); here
each problem says where and what, with at most a short excerpt of the value. Inbox pages get a
readable HTML page instead (`bot/inbox/pages.py`).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

EXCERPT_CHARS = 40
MAX_PROBLEMS = 5


class ApiError(HTTPException):
    """An HTTP error with a machine-readable code and a sentence for people."""

    def __init__(self, status_code: int, code: str, message: str, headers: dict[str, str] | None = None,
                 **details: Any) -> None:
        super().__init__(status_code, {"code": code, "message": message, **details}, headers=headers)


def excerpt(value: object) -> str:
    """At most EXCERPT_CHARS characters of a value, always encodable (lone surrogates escaped)."""
    text = value if isinstance(value, str) else repr(value)
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS] + "…"


def problems(errors: list[Any]) -> list[dict[str, Any]]:
    """Pydantic's errors without the input: where, what, and an excerpt of the value for short ones."""
    found = []
    for error in errors[:MAX_PROBLEMS]:
        item = {"loc": [str(part) for part in error.get("loc", ())], "problem": str(error.get("msg", "invalid"))}
        if error.get("type") not in ("missing", "extra_forbidden") and "input" in error:
            item["value"] = excerpt(error["input"])
        found.append(item)
    return found


def status_code_name(status_code: int) -> str:
    try:
        return HTTPStatus(status_code).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "error"


async def validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return invalid_request(problems(list(exc.errors())))


def invalid_request(found: list[dict[str, Any]], message: str = "The request is not valid.") -> JSONResponse:
    return JSONResponse({"detail": {"code": "invalid_request", "message": message, "problems": found}},
                        status_code=422)


def json_error(exc: HTTPException) -> JSONResponse:
    detail = exc.detail if isinstance(exc.detail, dict) else {
        "code": status_code_name(exc.status_code), "message": str(exc.detail)}
    return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)
