"""Security headers on every gateway response, as pure ASGI middleware (streams stay streams).

The Content-Security-Policy is strict: scripts, styles and connections only from the gateway
itself, no inline scripts or styles, no plugins, no framing by other sites. The widget and the
inbox are built to work under it; a regression shows up as a blocked script in the browser tests.
Everything but static files is `Cache-Control: no-store`: conversations, tickets and health must
not stay in a browser's or a proxy's cache.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'self'",
])

HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"SAMEORIGIN"),
]

NO_STORE = (b"cache-control", b"no-store")
CACHEABLE = ("/static/", "/favicon.ico")  # the widget's script and styles, the inbox's assets


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        cacheable = str(scope.get("path", "")).startswith(CACHEABLE)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [] if cacheable or b"cache-control" in present else [NO_STORE]
                message["headers"] = [*message.get("headers", []), *extra,
                                      *[(name, value) for name, value in HEADERS if name not in present]]
            await send(message)

        await self.app(scope, receive, send_with_headers)
