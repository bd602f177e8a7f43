"""The real stack (Rasa 3.6 server, rasa-sdk action server, gateway) as processes, once per session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Request, sync_playwright

from bot.paths import KB_INDEX, TEST_ARTIFACTS
from bot.tools.devstack import Stack, StackConfig
from bot.tools.fake_telegram import FakeTelegram
from bot.tools.fake_whatsapp import FakeWhatsApp
from bot.tools.local_env import UNLIMITED_RATES

TELEGRAM_TOKEN = "424242:e2e-token"
TELEGRAM_SECRET = "e2e-webhook-secret"
WHATSAPP_APP_SECRET = "e2e-app-secret"
WHATSAPP_VERIFY_TOKEN = "e2e-verify-token"


@pytest.fixture(scope="session")
def fake_telegram() -> Iterator[FakeTelegram]:
    """Telegram's Bot API, faked on loopback for the whole run (the stack's Telegram channel talks to it)."""
    with FakeTelegram() as fake:
        yield fake


@pytest.fixture(scope="session")
def fake_whatsapp() -> Iterator[FakeWhatsApp]:
    """Meta's Graph API (the WhatsApp Cloud API), faked on loopback for the whole run."""
    with FakeWhatsApp() as fake:
        yield fake


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, fake_telegram: FakeTelegram,
          fake_whatsapp: FakeWhatsApp) -> Iterator[Stack]:
    var_dir = tmp_path_factory.mktemp("stack")
    telegram = {"TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN, "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
                "TELEGRAM_MODE": "webhook", "PUBLIC_BASE_URL": "https://gateway.musterstadt.test",
                "TELEGRAM_API_BASE_URL": fake_telegram.api_base_url.removesuffix("/bot")}
    whatsapp = {"WHATSAPP_ACCESS_TOKEN": fake_whatsapp.access_token, "WHATSAPP_APP_SECRET": WHATSAPP_APP_SECRET,
                "WHATSAPP_VERIFY_TOKEN": WHATSAPP_VERIFY_TOKEN,
                "WHATSAPP_PHONE_NUMBER_ID": fake_whatsapp.phone_number_id,
                "WHATSAPP_GRAPH_VERSION": fake_whatsapp.version, "WHATSAPP_GRAPH_BASE_URL": fake_whatsapp.base_url}
    config = StackConfig.on_free_ports(var_dir=var_dir, extra_env={"KB_INDEX_DIR": str(KB_INDEX), **telegram,
                                                                   **whatsapp, **UNLIMITED_RATES})
    with Stack(config) as stack:
        stack.start(stack.prepare())
        stack.wait_healthy(timeout=600)
        yield stack


@pytest.fixture
def gateway(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.config.gateway_url, timeout=60) as client:
        yield client


class Person:
    """Someone chatting through the public chat API."""

    def __init__(self, gateway: httpx.Client) -> None:
        self.gateway = gateway
        created = gateway.post("/api/v1/conversations")
        assert created.status_code == 201, created.text
        self.id = created.json()["id"]
        self.token = created.json()["token"]
        self.headers = {"Authorization": f"Bearer {self.token}"}

    def says(self, text: str) -> list[dict]:
        response = self.gateway.post(f"/api/v1/conversations/{self.id}/messages", json={"text": text},
                                     headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()["messages"]

    def last_seq(self) -> int:
        history = self.gateway.get(f"/api/v1/conversations/{self.id}/messages", headers=self.headers).json()
        return history["messages"][-1]["seq"]

    def presses(self, payload: str) -> list[dict]:
        response = self.gateway.post(f"/api/v1/conversations/{self.id}/messages", json={"payload": payload},
                                     headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()["messages"]


@pytest.fixture
def person(gateway: httpx.Client) -> Person:
    return Person(gateway)


# --- the browser: Debian's Chromium driven by Playwright (never a browser Playwright downloads) ---

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = TEST_ARTIFACTS / "screenshots"
# a closed network: without the background-networking flags Chromium keeps dialling Google's hosts
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update", "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium chromium-driver)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class BrowserProblems:
    """Script errors, CSP violations and third-party requests: every browser test fails on them."""

    def __init__(self, page: Page, allowed: tuple[str, ...] = ()) -> None:
        self.errors: list[str] = []
        self.allowed = allowed  # console errors a test provokes on purpose (e.g. a failed request's status)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        page.on("console", self._console)
        page.on("request", self._request)

    def _request(self, request: Request) -> None:
        # our pages make no third-party requests: everything comes from the gateway on loopback
        if not request.url.startswith(("http://127.0.0.1:", "data:", "blob:")):
            self.errors.append(f"third-party request: {request.url}")

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and "EventSource" not in message.text:  # a stream closed on unload
            if not any(allowed in message.text for allowed in self.allowed):
                self.errors.append(f"console: {message.text}")


def screenshot(page: Page, name: str) -> Path:
    """Keep a picture of the page as a test artifact (test-artifacts/screenshots/)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def browser_context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="de-DE")
    context.set_default_timeout(30_000)
    yield context
    context.close()


@pytest.fixture
def page(browser_context: BrowserContext, request: pytest.FixtureRequest) -> Iterator[Page]:
    page = browser_context.new_page()
    marker = request.node.get_closest_marker("allow_console_errors")
    problems = BrowserProblems(page, tuple(marker.args) if marker else ())
    yield page
    if not page.is_closed():
        screenshot(page, f"{request.node.name}-end")
    assert not problems.errors, problems.errors
