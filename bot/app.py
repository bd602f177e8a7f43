"""The gateway: FastAPI app factory and lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.config import Settings, get_settings
from bot.conversations.events import EventBroker
from bot.conversations.router import router as chat_router
from bot.db import make_engine, make_sessionmaker
from bot.health import router as health_router
from bot.inbox.accounts import Accounts
from bot.inbox.auth import LoginRequired, LoginThrottle
from bot.inbox.pages import error_page
from bot.inbox.pages import router as inbox_router
from bot.inbox.router import router as staff_router
from bot.knowledge.loader import load
from bot.rasa_client import RasaClient
from bot.security_headers import SecurityHeaders
from bot.widget_strings import router as widget_router

STATIC = Path(__file__).parent / "static"


async def open_resources(app: FastAPI, settings: Settings) -> None:
    """Database engine, session factory, content and Rasa client on `app.state` (tests call this too)."""
    engine = make_engine(settings.database_url)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.knowledge = load(settings.knowledge_dir, settings.site_file)  # staff answer with entries
    app.state.site = app.state.knowledge.site
    async with app.state.sessionmaker() as session:
        await Accounts(session).sync_offices(app.state.site.inbox)
    app.state.events = EventBroker()
    app.state.login_throttle = LoginThrottle()
    app.state.rasa = RasaClient(settings.rasa_url, settings.rasa_token.get_secret_value(),
                                settings.rasa_channel_token.get_secret_value(),
                                settings.action_server_url, timeout=settings.rasa_timeout_seconds)


async def close_resources(app: FastAPI) -> None:
    await app.state.rasa.close()
    await app.state.engine.dispose()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await open_resources(app, settings)
        yield
        await close_resources(app)

    app = FastAPI(title="Willkommen gateway", version="0.1.0", lifespan=lifespan)
    app.include_router(health_router)
    app.include_router(chat_router)
    app.include_router(staff_router)
    app.include_router(inbox_router)
    app.include_router(widget_router)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: LoginRequired) -> Response:
        if request.url.path == "/inbox/events" or "text/html" not in request.headers.get("accept", ""):
            return JSONResponse({"detail": "login required"}, status_code=401)
        return RedirectResponse(f"/inbox/login?next={request.url.path}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/inbox/") and "text/html" in request.headers.get("accept", ""):
            return error_page(request, exc.status_code, str(exc.detail))
        return await http_exception_handler(request, exc)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    if settings.widget_origins:  # the widget embedded on the city's own site talks to the chat API
        app.add_middleware(CORSMiddleware, allow_origins=settings.widget_origins, allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type", "Last-Event-ID"], max_age=600)
    app.add_middleware(SecurityHeaders)

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> FileResponse:
        return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")

    @app.get("/", include_in_schema=False)
    async def demo_page() -> FileResponse:
        return FileResponse(STATIC / "demo.html")

    return app
