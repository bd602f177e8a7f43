"""State-changing inbox requests must come from the inbox's own pages (besides their CSRF tokens).

A POST (or PUT, PATCH, DELETE) under `/inbox/` whose `Origin` header, or failing that whose
`Referer`, names another origin is refused with 403 before it reaches a route. Browsers send
`Origin` on every cross-site form post; a request with neither header (a script, an old client) still
needs its CSRF token. "Our origin" is the address the request came to (`Host`, with the scheme the
proxy reports in `X-Forwarded-Proto`) or `PUBLIC_BASE_URL`.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


class SameOriginInbox:
    def __init__(self, app: ASGIApp, public_base_url: str | None = None) -> None:
        self.app = app
        self.public = origin_of(public_base_url or "")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in UNSAFE and str(scope["path"]).startswith("/inbox/"):
            headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}
            claimed = headers.get("origin") or origin_of(headers.get("referer", "")) or None
            if claimed is not None and claimed.lower() not in self._ours(scope, headers):
                await _forbidden(send)
                return
        await self.app(scope, receive, send)

    def _ours(self, scope: Scope, headers: dict[str, str]) -> set[str]:
        host = headers.get("host", "")
        schemes = {str(scope.get("scheme", "http")), headers.get("x-forwarded-proto", "").split(",")[0].strip()}
        ours = {f"{scheme}://{host}".lower() for scheme in schemes if scheme}
        return ours | {self.public} if self.public else ours


async def _forbidden(send: Send) -> None:
    body = json.dumps({"detail": {"code": "origin_forbidden",
                                  "message": "This form may only be sent from the inbox's own pages."}}).encode()
    await send({"type": "http.response.start", "status": 403,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
