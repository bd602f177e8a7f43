"""The staff inbox in a real browser (Debian's Chromium via Playwright) against the real stack:
a caseworker sees a new Arabic handoff appear without reloading, claims it, answers with a
knowledge-base entry, and the person receives the curated answer in Arabic."""

from __future__ import annotations

import re

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page, expect

from bot.knowledge.loader import load
from bot.paths import KNOWLEDGE_BASE, SITE_FILE
from bot.tools.devstack import Stack
from tests.e2e.conftest import Person, screenshot

pytestmark = pytest.mark.e2e

# records what the page hands to the Notification API (the real one shows nothing headless)
RECORD_NOTIFICATIONS = """
window.__notifications = [];
window.Notification = class {
  constructor(title, options) { window.__notifications.push({ title, body: (options || {}).body }); }
  static get permission() { return "granted"; }
  static requestPermission() { return Promise.resolve("granted"); }
};
"""


def serious_accessibility_problems(page: Page) -> list[str]:
    violations = Axe().run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in violations if v["impact"] in ("serious", "critical")]


def log_in(page: Page, stack: Stack) -> None:
    page.goto(f"{stack.config.gateway_url}/inbox/")
    expect(page).to_have_url(re.compile(r"/inbox/login"))
    page.get_by_label("Benutzername").fill("demo")
    page.get_by_label("Passwort").fill(stack.demo_staff_password())
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", name="Warteschlange")).to_be_visible()


def test_new_handoff_appears_live_is_claimed_and_answered_with_a_kb_entry(
        page: Page, browser_context: BrowserContext, stack: Stack, gateway: httpx.Client) -> None:
    browser_context.add_init_script(RECORD_NOTIFICATIONS)
    log_in(page, stack)
    counter = page.locator("#waiting-count")
    waiting_before = int(counter.inner_text())
    page.wait_for_function("document.getElementById('live-status') !== null")

    person = Person(gateway)
    person.says("كيف أسجل عنواني الجديد في المدينة؟")
    handoff = person.says("أريد التحدث مع موظف من فضلك")[-1]
    number = handoff["ticket"]
    assert handoff["kind"] == "handoff" and number.startswith("W-")

    row = page.locator(f"tr[data-ticket='{number}']")
    expect(row).to_be_visible(timeout=15_000)  # no reload: the event stream brought it
    expect(row).to_contain_text("Arabisch")
    expect(counter).to_have_text(str(waiting_before + 1))
    expect(page).to_have_title(re.compile(rf"^\({waiting_before + 1}\) "))
    notifications = page.evaluate("window.__notifications")
    assert any(number in n["body"] for n in notifications), notifications
    screenshot(page, "inbox-new-handoff-live")
    assert serious_accessibility_problems(page) == []

    row.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", name=number)).to_be_visible()
    expect(page.locator("#transcript")).to_contain_text("أريد التحدث مع موظف من فضلك")
    page.get_by_role("button", name="Übernehmen").click()
    expect(page.locator("#ticket-status")).to_contain_text("in Bearbeitung · demo")

    entry = load(KNOWLEDGE_BASE, SITE_FILE) \
        .entries["registration-anmeldung"]
    page.get_by_label("Eintrag").select_option(entry.id)
    page.get_by_role("button", name="Eintrag senden").click()
    expect(page.locator("#transcript li.staff").last).to_contain_text(entry.answers["ar"][:40])
    screenshot(page, "inbox-answered-with-kb-entry")
    assert serious_accessibility_problems(page) == []

    history = gateway.get(f"/api/v1/conversations/{person.id}/messages", headers=person.headers).json()
    envelope = history["messages"][-1]
    assert (envelope["role"], envelope["kind"], envelope["language"], envelope["kb_id"]) == (
        "staff", "answer", "ar", entry.id)
    assert envelope["text"].startswith(entry.answers["ar"])  # a draft translation ends with one line saying so

    # while staff handle it, the person writing again shows up in the open ticket without a reload
    person.says("شكرا جزيلا")
    expect(page.locator("#transcript")).to_contain_text("شكرا جزيلا", timeout=15_000)

    page.get_by_role("button", name="Abschließen (Bot übernimmt)").click()
    expect(page.locator("#ticket-status")).to_contain_text("abgeschlossen")
    screenshot(page, "inbox-resolved")
