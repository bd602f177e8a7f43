"""The gateway: FastAPI app factory; its lifespan builds the services (`services.py`) once."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.channels.telegram.api import router as telegram_router
from bot.channels.web.api import router as chat_router
from bot.channels.web.widget_script import router as widget_script_router
from bot.channels.web.widget_strings import router as widget_router
from bot.channels.whatsapp.api import router as whatsapp_router
from bot.gateway.errors import json_error, validation_error
from bot.gateway.health import router as health_router
from bot.gateway.same_origin import SameOriginInbox
from bot.gateway.security_headers import SecurityHeaders
from bot.gateway.services import run_channels, start_services, stop_services
from bot.inbox.admin_pages import router as admin_router
from bot.inbox.auth import LoginRequired
from bot.inbox.pages import router as inbox_router
from bot.inbox.privacy_pages import router as privacy_router
from bot.inbox.rendering import error_page
from bot.inbox.staff_api import router as staff_router
from bot.settings import Settings, get_settings

BOT = Path(__file__).resolve().parents[1]
WEB_STATIC = BOT / "channels" / "web" / "static"
INBOX_STATIC = BOT / "inbox" / "static"


def create_app(settings: Settings | None = None, *, start: bool = True) -> FastAPI:
    """`start=False`: the caller puts `app.state.services` in place itself (tests)."""
    settings = settings or get_settings()
    # httpx logs every request's URL at INFO, and Rasa's API takes its token as `?token=`: never in a log
    logging.getLogger("httpx").setLevel(logging.WARNING)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not start:
            yield
            return
        app.state.services = await start_services(settings)
        running = await run_channels(app.state.services)
        try:
            yield
        finally:
            await stop_services(app.state.services, running)

    # the API's self-description only where people develop it, not on a city's public gateway
    documented = settings.environment != "production"
    app = FastAPI(title="Willkommen gateway", version="0.2.0", lifespan=lifespan,
                  docs_url="/docs" if documented else None, redoc_url=None,
                  openapi_url="/openapi.json" if documented else None)
    for router in (health_router, chat_router, telegram_router, whatsapp_router, staff_router, inbox_router,
                   admin_router, privacy_router, widget_router, widget_script_router):
        app.include_router(router)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: LoginRequired) -> Response:
        if request.url.path == "/inbox/events" or "text/html" not in request.headers.get("accept", ""):
            return JSONResponse({"detail": {"code": "login_required", "message": "Log in to the inbox."}},
                                status_code=401)
        return RedirectResponse(f"/inbox/login?next={request.url.path}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/inbox/") and "text/html" in request.headers.get("accept", ""):
            return error_page(request, exc.status_code, str(exc.detail))
        return json_error(HTTPException(exc.status_code, exc.detail, headers=exc.headers))

    app.add_exception_handler(RequestValidationError, validation_error)
    app.mount("/static/inbox", StaticFiles(directory=INBOX_STATIC), name="inbox-static")
    app.mount("/static", StaticFiles(directory=WEB_STATIC), name="static")
    if settings.widget_origins:  # the widget embedded on the city's own site talks to the chat API
        app.add_middleware(CORSMiddleware, allow_origins=settings.widget_origins, allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type", "Last-Event-ID"], max_age=600)
    app.add_middleware(SameOriginInbox, public_base_url=settings.public_base_url)
    app.add_middleware(SecurityHeaders)

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> FileResponse:
        return FileResponse(WEB_STATIC / "favicon.svg", media_type="image/svg+xml")

    @app.get("/", include_in_schema=False)
    async def demo_page() -> FileResponse:
        return FileResponse(WEB_STATIC / "demo.html")

    return app
