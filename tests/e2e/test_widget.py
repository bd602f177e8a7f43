"""The embeddable web chat widget on the demo page, in Chromium, against the real stack.

Every test also fails on a script error or a CSP violation on the page (the `page` fixture).
"""

from __future__ import annotations

import re

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Locator, Page, expect

from bot import i18n
from bot.tools.devstack import Stack
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e

expect.set_options(timeout=45_000)  # the bot thinks for a few seconds; the first answer loads the models

GERMAN_QUESTION = "Wie melde ich meine Wohnung an?"
ARABIC_QUESTION = "كيف أسجل عنواني في المدينة؟"
TICKET = re.compile(r"W-\d+")


# --- helpers ---

def open_chat(page: Page, base_url: str) -> Locator:
    page.goto(base_url + "/")
    launcher = page.locator("#willkommen-widget .wk-launcher")
    expect(launcher).to_be_visible()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    launcher.click()
    panel = page.locator("#wk-panel")
    expect(panel).to_be_visible()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#wk-input")).to_be_focused()
    return panel


def say(page: Page, text: str) -> None:
    page.locator("#wk-input").fill(text)
    page.locator("#wk-input").press("Enter")


def log(page: Page) -> Locator:
    return page.locator("#willkommen-widget .wk-log")


def messages(page: Page) -> Locator:
    return log(page).locator(".wk-msg")


def wait_until_idle(page: Page) -> None:
    """The typing indicator is gone: the gateway has answered."""
    expect(page.locator("#willkommen-widget .wk-typing")).to_be_hidden()


def staff_headers(stack: Stack) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.env()['STAFF_API_TOKEN']}"}


def serious(results) -> list[dict]:  # type: ignore[no-untyped-def]
    return [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def describe(violations: list[dict]) -> str:
    return "\n".join(f"{v['id']} ({v['impact']}): {v['help']} -> "
                     f"{[n['target'] for n in v['nodes']][:5]}" for v in violations)


# --- behaviour ---

def test_german_question_gets_an_answer_with_source_reviewed_date_and_feedback(page: Page, stack: Stack) -> None:
    panel = open_chat(page, stack.config.gateway_url)
    expect(panel).to_have_attribute("dir", "ltr")
    expect(panel).to_have_attribute("lang", "de")
    expect(panel).to_have_attribute("role", "dialog")
    expect(panel).to_have_attribute("aria-label", i18n.text("widget_title", "de"))
    expect(panel).to_have_attribute("aria-modal", "false")
    # data-color and data-position="right"
    expect(panel.locator(".wk-header")).to_have_css("background-color", "rgb(11, 83, 148)")
    box = page.locator("#willkommen-widget .wk-launcher").bounding_box()
    assert box is not None and box["x"] > 1280 / 2
    expect(page.locator("#willkommen-widget")).to_have_count(1)
    intro = log(page).locator(".wk-intro-box")  # bot disclosure and privacy notice before anyone writes
    expect(intro).to_contain_text(i18n.text("widget_intro", "de"))
    expect(intro).to_contain_text(i18n.text("privacy_notice", "de"))
    expect(page.get_by_label(i18n.text("widget_language_label", "de"))).to_have_value("auto")
    screenshot(page, "widget-de-open")

    say(page, GERMAN_QUESTION)
    expect(messages(page).filter(has_text=GERMAN_QUESTION)).to_have_count(1)
    expect(log(page).locator(".wk-msg-person").first).to_contain_text(GERMAN_QUESTION)
    expect(page.locator("#wk-input")).to_have_value("")
    answer = log(page).locator(".wk-msg-bot.wk-kind-answer").first
    expect(answer).to_be_visible()
    expect(answer).to_have_attribute("lang", "de")
    link = answer.locator("a.wk-source-link").first
    expect(link).to_have_attribute("href", re.compile(r"^https?://"))
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(answer.locator(".wk-reviewed").first).to_have_text(re.compile(r"^geprüft am \d{2}\.\d{2}\.\d{4}$"))
    expect(answer.get_by_role("button", name=i18n.text("widget_feedback_positive", "de"))).to_be_visible()
    expect(answer.get_by_role("button", name=i18n.text("widget_feedback_negative", "de"))).to_be_visible()
    # every message tells assistive technology who said it
    assistant = re.escape(i18n.text("widget_sender_bot", "de"))
    expect(answer.locator(".wk-sender")).to_have_text(re.compile(rf"^{assistant}:\s*$"))
    expect(panel).to_have_attribute("dir", "ltr")
    wait_until_idle(page)
    screenshot(page, "widget-de")


def test_feedback_thumb_sends_feedback_and_goes_away(page: Page, stack: Stack) -> None:
    open_chat(page, stack.config.gateway_url)
    say(page, GERMAN_QUESTION)
    answer = log(page).locator(".wk-msg-bot.wk-kind-answer").first
    answer.get_by_role("button", name=i18n.text("widget_feedback_positive", "de")).click()
    expect(log(page).locator(".wk-msg-person").last).to_contain_text(i18n.text("button_yes", "de"))
    expect(log(page).locator(".wk-msg-bot").last).to_contain_text(i18n.text("feedback_thanks", "de"))
    expect(answer.locator(".wk-thumb")).to_have_count(0)


def test_arabic_picked_in_the_picker_turns_the_panel_right_to_left(page: Page, stack: Stack) -> None:
    panel = open_chat(page, stack.config.gateway_url)
    page.get_by_label(i18n.text("widget_language_label", "de")).select_option("ar")
    expect(panel).to_have_attribute("dir", "rtl")
    expect(panel).to_have_attribute("lang", "ar")
    expect(panel).to_have_attribute("aria-label", i18n.text("widget_title", "ar"))
    expect(log(page).locator(".wk-intro-box")).to_contain_text(i18n.text("privacy_notice", "ar"))
    # the labels follow the picked language; the picker keeps its accessible (now Arabic) label
    expect(page.get_by_label(i18n.text("widget_language_label", "ar"))).to_have_value("ar")

    with page.expect_request(re.compile(r"/api/v1/conversations/[^/]+/messages$")) as request:
        say(page, ARABIC_QUESTION)
    sent = request.value.post_data_json
    assert re.fullmatch(r"w-[0-9a-f]{24}", sent.pop("client_message_id"))  # a retry would send the same one
    assert sent == {"text": ARABIC_QUESTION, "language": "ar"}
    reply = log(page).locator(".wk-msg-bot").last
    expect(reply).to_have_attribute("lang", "ar")
    expect(reply).to_have_attribute("dir", "rtl")
    expect(panel).to_have_attribute("dir", "rtl")
    wait_until_idle(page)
    screenshot(page, "widget-ar")


def test_panel_follows_the_language_the_bot_answers_in(page: Page, stack: Stack) -> None:
    panel = open_chat(page, stack.config.gateway_url)
    expect(panel).to_have_attribute("lang", "de")
    say(page, ARABIC_QUESTION)
    expect(log(page).locator(".wk-msg-bot[lang=ar]").first).to_be_visible()
    expect(panel).to_have_attribute("dir", "rtl")
    expect(page.locator("#wk-input")).to_have_attribute("placeholder", i18n.text("widget_input_placeholder", "ar"))
    # the person's own bubble carries its own direction too
    expect(log(page).locator(".wk-msg-person").first).to_have_attribute("dir", re.compile("auto|rtl"))
    expect(page.get_by_label(i18n.text("widget_language_label", "ar"))).to_have_value("auto")


def test_quick_reply_button_hands_off_with_a_ticket_number(page: Page, stack: Stack) -> None:
    open_chat(page, stack.config.gateway_url)
    say(page, "Hallo!")
    button = log(page).locator(".wk-quick").get_by_role("button", name=i18n.text("talk_to_person", "de"))
    expect(button).to_be_visible()
    button.click()
    # the button's title is shown as what the person said, and the choice is gone
    expect(log(page).locator(".wk-msg-person").last).to_have_text(
        re.compile(re.escape(i18n.text("talk_to_person", "de")) + "$"))
    ticket = log(page).locator(".wk-ticket")
    expect(ticket).to_have_count(1)
    expect(ticket).to_contain_text(TICKET)
    expect(log(page).locator(".wk-kind-handoff")).to_contain_text(TICKET)
    wait_until_idle(page)
    expect(log(page).locator(".wk-quick-reply")).to_have_count(0)
    screenshot(page, "widget-handoff")


def hand_off(page: Page) -> str:
    """Press the always-visible "talk to a person" button; the ticket number."""
    human = page.locator("#willkommen-widget .wk-human")
    expect(human).to_have_accessible_name(i18n.text("widget_talk_to_person", "de"))
    human.click()
    ticket = log(page).locator(".wk-ticket")
    expect(ticket).to_contain_text(TICKET)
    wait_until_idle(page)
    return TICKET.search(ticket.inner_text()).group(0)


def staff_replies(stack: Stack, gateway: httpx.Client, number: str, text: str) -> None:
    headers = staff_headers(stack)
    assert gateway.post(f"/api/v1/staff/tickets/{number}/claim", json={"staff": "Anna"}, headers=headers).is_success
    assert gateway.post(f"/api/v1/staff/tickets/{number}/reply", json={"staff": "Anna", "text": text},
                        headers=headers).is_success


def test_staff_reply_arrives_live_and_looks_like_staff(page: Page, stack: Stack, gateway: httpx.Client) -> None:
    open_chat(page, stack.config.gateway_url)
    number = hand_off(page)
    reply = "Guten Tag, hier ist Anna vom Welcome Center. Wie kann ich helfen?"
    staff_replies(stack, gateway, number, reply)

    staff = log(page).locator(".wk-msg-staff")
    expect(staff).to_have_count(1)  # without a reload, exactly once
    expect(staff.locator(".wk-text")).to_have_text(reply)
    expect(staff.locator(".wk-sender")).to_have_text(i18n.text("widget_sender_staff", "de"))
    expect(staff.locator(".wk-sender")).to_be_visible()
    screenshot(page, "widget-staff")


def test_without_event_source_staff_replies_arrive_by_polling(page: Page, stack: Stack,
                                                              gateway: httpx.Client) -> None:
    page.add_init_script("delete window.EventSource;")  # a browser (or proxy) without server-sent events
    open_chat(page, stack.config.gateway_url)
    number = hand_off(page)
    reply = "Hallo, hier ist Anna. Ihre Nachricht ist angekommen."
    staff_replies(stack, gateway, number, reply)
    staff = log(page).locator(".wk-msg-staff")
    expect(staff).to_have_text(re.compile(re.escape(reply)))
    page.wait_for_timeout(5000)  # another poll or two: still once
    expect(staff).to_have_count(1)
    expect(log(page).locator(".wk-kind-handoff")).to_have_count(1)


def test_reload_keeps_the_history_in_order_and_once(page: Page, stack: Stack) -> None:
    open_chat(page, stack.config.gateway_url)
    say(page, "Hallo!")
    expect(log(page).locator(".wk-msg-bot")).to_have_count(1)
    wait_until_idle(page)
    say(page, GERMAN_QUESTION)
    expect(log(page).locator(".wk-kind-answer")).to_have_count(1)
    wait_until_idle(page)
    hand_off(page)  # a pressed button is stored as its payload, shown with the button's title
    page.wait_for_timeout(1000)  # the live stream delivers the same messages again: still once each
    before = messages(page).locator(".wk-text").all_inner_texts()
    assert before[0] == "Hallo!" and GERMAN_QUESTION in before
    assert i18n.text("widget_talk_to_person", "de") in before and "/request_human" not in before
    assert len(before) == len(set(before)), before

    page.reload()
    panel = page.locator("#wk-panel")
    expect(panel).to_be_visible()  # the panel was open and stays open
    expect(messages(page)).to_have_count(len(before))
    page.wait_for_timeout(1500)  # the stream (after the last seq) must not bring anything twice
    assert messages(page).locator(".wk-text").all_inner_texts() == before
    screenshot(page, "widget-reloaded")

    expect(log(page).locator(".wk-ticket")).to_have_count(1)

    say(page, "Danke!")  # the conversation goes on where it was: the team gets the message
    expect(log(page).locator(".wk-msg-person")).to_have_count(4)
    expect(log(page).locator(".wk-msg-system").last).to_contain_text(i18n.text("queued_ack", "de"))
    expect(messages(page).filter(has_text="Danke!")).to_have_count(1)


def test_keyboard_open_escape_close_returns_focus(page: Page, stack: Stack) -> None:
    page.goto(stack.config.gateway_url + "/")
    launcher = page.locator("#willkommen-widget .wk-launcher")
    expect(launcher).to_be_visible()
    launcher.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#wk-panel")).to_be_visible()
    expect(page.locator("#wk-input")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#wk-panel")).to_be_hidden()
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    expect(launcher).to_have_attribute("aria-controls", "wk-panel")
    # the state survives a reload
    page.reload()
    expect(page.locator("#willkommen-widget .wk-launcher")).to_be_visible()
    expect(page.locator("#wk-panel")).to_be_hidden()


def test_no_serious_accessibility_violations(page: Page, stack: Stack) -> None:
    open_chat(page, stack.config.gateway_url)
    axe = Axe()
    violations = serious(axe.run(page))
    assert not violations, describe(violations)
    say(page, GERMAN_QUESTION)
    expect(log(page).locator(".wk-kind-answer")).to_have_count(1)
    wait_until_idle(page)
    violations = serious(axe.run(page))
    assert not violations, describe(violations)


def test_mobile_full_screen_arabic(page: Page, stack: Stack) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    panel = open_chat(page, stack.config.gateway_url)
    box = panel.bounding_box()
    assert box is not None and (box["x"], box["y"], box["width"], box["height"]) == (0, 0, 390, 844)
    page.get_by_label(i18n.text("widget_language_label", "de")).select_option("ar")
    expect(panel).to_have_attribute("dir", "rtl")
    say(page, ARABIC_QUESTION)
    expect(log(page).locator(".wk-msg-bot[lang=ar]").first).to_be_visible()
    wait_until_idle(page)
    for target in page.locator("#willkommen-widget button:visible, #willkommen-widget select").all():
        target_box = target.bounding_box()
        assert target_box and target_box["height"] >= 44 and target_box["width"] >= 44, target.evaluate(
            "e => e.outerHTML.slice(0, 120)")
    violations = serious(Axe().run(page))
    assert not violations, describe(violations)
    screenshot(page, "widget-mobile-ar")


def test_message_text_is_never_html(page: Page, stack: Stack) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_chat(page, stack.config.gateway_url)
    attack = "<img src=x onerror=alert(1)>"
    say(page, attack)
    expect(log(page).locator(".wk-msg-person .wk-text")).to_have_text(attack)
    wait_until_idle(page)
    expect(log(page).locator(".wk-msg-bot, .wk-msg-system").first).to_be_visible()
    expect(page.locator("#willkommen-widget img")).to_have_count(0)
    page.wait_for_timeout(500)
    assert dialogs == []


@pytest.mark.allow_console_errors("status of 404")
def test_a_conversation_the_gateway_no_longer_knows_is_forgotten_and_a_new_one_starts(page: Page,
                                                                                      stack: Stack) -> None:
    base = stack.config.gateway_url
    page.goto(base + "/")
    key = f"willkommen-widget:{base}:conversation"
    page.evaluate("([key, value]) => localStorage.setItem(key, value)",
                  [key, '{"id": "gone-after-a-database-reset", "token": "x", "language": null, "lastSeq": 7}'])
    page.reload()
    page.locator("#willkommen-widget .wk-launcher").click()
    say(page, GERMAN_QUESTION)
    expect(log(page).locator(".wk-kind-answer")).to_have_count(1)
    stored = page.evaluate("(key) => JSON.parse(localStorage.getItem(key))", key)
    assert stored["id"] != "gone-after-a-database-reset" and stored["token"] != "x"
    assert messages(page).filter(has_text=GERMAN_QUESTION).count() == 1
