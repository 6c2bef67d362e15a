"""A person when a patient needs one, and the patient's say over her data (issue 17), in Debian's
Chromium against the real servers and a real SQLite database: the call-back request and the
nurses' queue, the privacy line and page, deleting the conversation, downloading it, the printable
summary for the doctor, and the widget's small fixes (Send never over the text, icons for the
thumbs). axe-core checks every new view. The queue on PostgreSQL with two Rasa servers is in
tests/test_scale.py."""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing

import pytest
import requests
from conftest import NURSE_TOKEN, SCREENSHOT_DIR, STAFF, RunningAssistant
from pages import (
    DESKTOP,
    PHONE,
    SYMPTOM_CHECK_ANSWERS,
    ChatPage,
    axe_violations,
    chat_opener,
    sign_in_with_the_form,
)
from playwright.sync_api import expect

from core.clinic_hours import clinic_now
from core.settings import clinic

# Its tests count rows and callbacks of their own conversations, or of all only before and after.
pytestmark = pytest.mark.shares_servers

NURSE_NAME = STAFF["nurse"][0]
WIDGET = "div.ductogram-assistant"


def rows(assistant: RunningAssistant, sql: str, *parameters) -> list[tuple]:
    with closing(sqlite3.connect(assistant.tracker_db)) as db:
        return db.execute(sql, parameters).fetchall()


def events_of(assistant: RunningAssistant, sender: str) -> int:
    return rows(assistant, "SELECT count(*) FROM events WHERE sender_id = ?", sender)[0][0]


def callbacks_of(assistant: RunningAssistant, sender: str) -> list[tuple]:
    return rows(
        assistant,
        "SELECT id, first_name, phone, good_time, triage_level, triage_reasons, status "
        "FROM callback_requests WHERE conversation_id = ?",
        sender,
    )


@pytest.fixture
def open_chat(browser, assistant: RunningAssistant) -> Iterator[Callable[..., ChatPage]]:
    yield from chat_opener(browser, assistant.web_url)


# ---------------------------------------------------------------- consent and the privacy page


def test_nothing_is_stored_before_the_first_message_and_the_welcome_links_the_privacy_page(
    open_chat, assistant
):
    before = rows(assistant, "SELECT count(*) FROM events")[0][0]
    chat = open_chat()
    chat.page.wait_for_timeout(1500)
    assert rows(assistant, "SELECT count(*) FROM events")[0][0] == before
    welcome = chat.bot_messages.first
    privacy = welcome.locator("p.privacy")
    expect(privacy).to_contain_text(f"We keep this conversation for {clinic().retention_days} days")
    link = privacy.locator("a.privacy-link")
    expect(link).to_have_attribute("href", f"{assistant.web_url}/privacy")
    with chat.page.context.expect_page() as opened:
        link.click()
    page = opened.value
    expect(page.locator("#how-long")).to_contain_text(f"{clinic().retention_days} days")
    assert rows(assistant, "SELECT count(*) FROM events")[0][0] == before


def test_the_privacy_page_says_what_who_how_long_and_how_to_delete(browser, assistant):
    context = browser.new_context(viewport=DESKTOP, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(f"{assistant.web_url}/privacy")
        for section in ("#what-we-keep", "#who-sees-it", "#how-long", "#how-to-delete", "#contact"):
            expect(page.locator(section)).to_be_visible()
        place = clinic()
        expect(page.locator("#contact")).to_contain_text(place.name)
        expect(page.locator("#clinic-phone")).to_have_text(place.phone)
        expect(page.locator("#how-to-delete")).to_contain_text("Delete my conversation")
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT_DIR / "privacy-page.png"), full_page=True)
        assert axe_violations(page) == []
    finally:
        context.close()


# ---------------------------------------------------------------- call-back requests


def test_a_call_back_asked_from_the_urgent_banner_reaches_the_nurses_queue(
    open_chat, browser, assistant
):
    chat = open_chat(bypass_csp=True)
    chat.ask("I have bloody discharge from one breast")
    banner = chat.page.locator("[role=alert] .triage")
    expect(banner).to_have_attribute("data-level", "urgent")
    banner.get_by_role("button", name="Ask the clinic to call me").click()
    form = chat.page.locator("#callback-form")
    expect(form).to_be_visible()
    sender = chat.sender()

    # Bad input: a clear reason at each field, and nothing stored.
    form.get_by_label("First name").fill("Ann")
    form.get_by_label("Phone number").fill("12")
    form.get_by_role("button", name="Send request").click()
    expect(chat.page.locator("#callback-phone-error")).to_be_visible()
    expect(chat.page.locator("#callback-good-time-error")).to_be_visible()
    expect(form.get_by_label("Phone number")).to_have_attribute("aria-invalid", "true")
    form.get_by_label("Phone number").fill("+1 555 010 0199")
    form.get_by_label("Good time to call").fill("weekday mornings")
    form.get_by_role("button", name="Send request").click()
    expect(chat.page.locator("#callback-consent-error")).to_be_visible()
    expect(chat.page.locator("#callback-message")).to_contain_text(clinic().phone)
    assert callbacks_of(assistant, sender) == []
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    chat.page.screenshot(path=str(SCREENSHOT_DIR / "callback-form.png"))
    assert axe_violations(chat.page, [[WIDGET, "#callback-form"]]) == []

    before = chat.bot_messages.count()
    form.get_by_label("I agree that the clinic keeps my name and number to call me back").check()
    form.get_by_role("button", name="Send request").click()
    chat.wait_for_replies(before)
    expect(form).to_be_hidden()
    confirmation = chat.last_reply()
    assert clinic().hours in confirmation and "nurse will call you" in confirmation, confirmation
    [(request, name, phone, good_time, level, reasons, status)] = callbacks_of(assistant, sender)
    assert (name, phone, good_time, level, status) == (
        "Ann",
        "+1 555 010 0199",
        "weekday mornings",
        "urgent",
        "new",
    )
    assert "blood in it" in reasons, reasons

    # Typed, the same request opens the same form; a repeat is merged into the one request.
    chat.ask("can someone call me please")
    expect(form).to_be_visible()
    form.get_by_label("First name").fill("Ann")
    form.get_by_label("Phone number").fill("+1 555 010 0199")
    form.get_by_label("Good time to call").fill("after 3 pm")
    form.get_by_label("I agree that the clinic keeps my name and number to call me back").check()
    before = chat.bot_messages.count()
    form.get_by_role("button", name="Send request").click()
    chat.wait_for_replies(before)
    [(same, *_, good_time, _level, _reasons, _status)] = [
        (r[0], r[3], r[4], r[5], r[6]) for r in callbacks_of(assistant, sender)
    ]
    assert (same, good_time) == (request, "after 3 pm")

    context = browser.new_context(viewport=DESKTOP, bypass_csp=True)
    try:
        page = context.new_page()
        sign_in_with_the_form(page, assistant, "nurse", "/nurse")
        expect(page.locator("#nav-callbacks")).to_contain_text("1 new")
        page.locator("#nav-callbacks").click()
        card = page.locator(f"#callback-{request}")
        expect(page.locator(f"#callback-level-{request}")).to_contain_text("rgent")
        expect(page.locator(f"#callback-phone-{request}")).to_have_text("+1 555 010 0199")
        expect(page.locator(f"#callback-good-time-{request}")).to_contain_text("after 3 pm")
        expect(page.locator(f"#callback-reasons-{request}")).not_to_be_empty()
        page.locator(f"#callback-transcript-{request} summary").click()
        expect(page.locator(f"#transcript-{request}")).to_contain_text(
            "I have bloody discharge from one breast"
        )
        page.screenshot(path=str(SCREENSHOT_DIR / "nurse-callbacks.png"), full_page=True)
        assert axe_violations(page) == []
        card.get_by_label("Note").fill("Left a voicemail")
        page.locator(f"#callback-called-{request}").click()
        expect(page.locator("#saved")).to_contain_text("called")
        expect(page.locator("#nav-callbacks")).not_to_contain_text("new")
        page.locator(f"#callback-closed-{request}").click()
        expect(page.locator("#saved")).to_contain_text("Closed")
    finally:
        context.close()
    history = rows(
        assistant,
        "SELECT to_status, changed_by, note FROM callback_history WHERE request_id = ? "
        "AND to_status IN ('called', 'closed') ORDER BY id",
        request,
    )
    assert [h[:2] for h in history] == [("called", NURSE_NAME), ("closed", NURSE_NAME)], history
    assert history[0][2] == "Left a voicemail"
    assert callbacks_of(assistant, sender)[0][-1] == "closed"


def test_an_emergency_is_told_to_call_now_never_to_wait_for_a_call(open_chat, assistant):
    chat = open_chat()
    chat.ask("my throat is swelling up after the contrast dye")
    banner = chat.page.locator("[role=alert] .triage")
    expect(banner).to_have_attribute("data-level", "emergency")
    expect(banner.get_by_role("button", name="Ask the clinic to call me")).to_have_count(0)
    reply = requests.post(
        f"{assistant.web_url}/patient/callback",
        json={
            "conversation": chat.sender(),
            "first_name": "Bea",
            "phone": "07700 900123",
            "good_time": "now",
            "consent": True,
        },
        timeout=30,
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["text"].startswith(
        f"This may be an emergency. Call {clinic().emergency_number} now"
    )


def test_bad_call_back_requests_get_a_clear_400_and_store_nothing(assistant):
    sender = f"web-{uuid.uuid4()}"
    assistant.send(sender, "how long does a ductogram take")
    for body, field in [
        ({"first_name": "", "phone": "+1 555 010 0199", "good_time": "am"}, "first_name"),
        ({"first_name": "Cy", "phone": "call me", "good_time": "am"}, "phone"),
        ({"first_name": "Cy", "phone": "+1 555 010 0199", "good_time": ""}, "good_time"),
    ]:
        reply = requests.post(
            f"{assistant.web_url}/patient/callback",
            json={"conversation": sender, "consent": True, **body},
            timeout=30,
        )
        assert reply.status_code == 400 and field in reply.json()["problems"], reply.text
    reply = requests.post(f"{assistant.web_url}/patient/callback", data="not json", timeout=30)
    assert reply.status_code == 400 and reply.json()["message"]
    assert callbacks_of(assistant, sender) == []


# ---------------------------------------------------------------- the patient's own data


def test_delete_my_conversation_leaves_nothing_and_the_next_message_starts_afresh(
    open_chat, assistant
):
    chat = open_chat(bypass_csp=True)
    chat.ask("Will a ductogram hurt? my number is 07700 900123")
    old = chat.sender()
    reply = requests.post(
        f"{assistant.web_url}/patient/callback",
        json={
            "conversation": old,
            "first_name": "Dee",
            "phone": "07700 900123",
            "good_time": "evenings",
            "consent": True,
        },
        timeout=30,
    )
    assert reply.status_code == 200
    assert events_of(assistant, old) > 0 and len(callbacks_of(assistant, old)) == 1

    # Typed, the request opens the confirmation; "Keep it" deletes nothing.
    chat.ask("please delete what I said")
    dialog = chat.page.get_by_role("alertdialog", name="Delete your conversation?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Keep it").click()
    expect(dialog).to_be_hidden()
    assert events_of(assistant, old) > 0

    chat.page.get_by_role("button", name="More options").click()
    expect(chat.page.get_by_role("menu", name="More options")).to_be_visible()
    assert axe_violations(chat.page, [[WIDGET, "#assistant-menu"]]) == []
    chat.page.get_by_role("menuitem", name="Delete my conversation").click()
    expect(dialog).to_be_visible()
    assert axe_violations(chat.page, [[WIDGET, "#assistant-forget"]]) == []
    dialog.get_by_role("button", name="Delete it").click()
    expect(chat.bot_messages.last).to_contain_text("Your conversation is deleted")

    # Zero rows of that conversation, checked in SQL: events, call-backs and their history.
    assert events_of(assistant, old) == 0
    assert callbacks_of(assistant, old) == []
    assert rows(
        assistant,
        "SELECT count(*) FROM callback_history WHERE request_id NOT IN "
        "(SELECT id FROM callback_requests)",
    ) == [(0,)]
    new = chat.sender()
    assert new != old
    # The page's storage holds nothing of the old conversation.
    assert (
        chat.page.evaluate(
            "JSON.parse(sessionStorage.getItem('ductogram-assistant:messages') || '[]')"
        )
        == []
    )

    # The dashboard and its exports no longer show it.
    bearer = {"Authorization": f"Bearer {NURSE_TOKEN}"}
    transcript = requests.get(
        f"{assistant.web_url}/nurse/conversations/{old}", headers=bearer, timeout=30
    )
    assert "07700" not in transcript.text and "Will a ductogram hurt" not in transcript.text
    export = requests.get(
        f"{assistant.web_url}/nurse/export/unanswered.csv", headers=bearer, timeout=30
    )
    assert old not in export.text

    # The next message is a fresh conversation; Rasa brings nothing of the old one back.
    chat.ask("What is a ductogram?")
    assert events_of(assistant, new) > 0
    assert events_of(assistant, old) == 0
    assert assistant.send(old, "hello")  # even the old id starts empty
    assert not any(
        "ductogram hurt" in (text or "")
        for (text,) in rows(
            assistant,
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user'",
            old,
        )
    )


def test_download_my_conversation_is_a_plain_text_copy(open_chat):
    chat = open_chat()
    chat.ask("Will a ductogram hurt?")
    answer = chat.last_reply().splitlines()[0]
    chat.page.get_by_role("button", name="More options").click()
    with chat.page.expect_download() as downloading:
        chat.page.get_by_role("menuitem", name="Download my conversation").click()
    download = downloading.value
    today = clinic_now(clinic().timezone).date()
    assert re.fullmatch(r"conversation-\d{4}-\d\d-\d\d\.txt", download.suggested_filename)
    text = open(download.path(), encoding="utf-8").read()
    assert "You: Will a ductogram hurt?" in text
    assert answer[:60] in text
    assert text.rstrip().endswith("General information, not a diagnosis.")
    assert str(today.year) in text


def test_the_printable_summary_for_the_doctor_matches_the_check(open_chat):
    chat = open_chat(bypass_csp=True)
    chat.click_and_wait(chat.page.get_by_role("button", name="Check my symptoms"))
    for _ in range(len(SYMPTOM_CHECK_ANSWERS)):
        question = chat.last_reply()
        key = next(key for key in SYMPTOM_CHECK_ANSWERS if key in question)
        buttons = chat.bot_messages.last.locator("button.quick-reply")
        chat.click_and_wait(buttons.filter(has_text=re.compile(f"^{SYMPTOM_CHECK_ANSWERS[key]}$")))
    said = chat.last_reply()
    tell = re.search(r"What to tell your doctor: [^.]*\.", said).group(0)
    with chat.page.context.expect_page() as opened:
        chat.page.get_by_role("button", name="Show this to your doctor").click()
    page = opened.value
    page.wait_for_load_state()
    expect(page.locator("#summary-tell-doctor")).to_contain_text(tell.split(": ", 1)[1])
    for answer in ("the fluid is milky", "it comes from both breasts", "you are under 30"):
        expect(page.locator("#summary-answers")).to_contain_text(answer)
    # Milky fluid from both breasts: routine, as the chat's banner said.
    expect(page.locator("#summary-level")).to_contain_text("Routine")
    expect(page.locator("#not-a-diagnosis")).to_have_text("General information, not a diagnosis.")
    today = clinic_now(clinic().timezone).date()
    date_text = page.locator("#summary-date").inner_text()
    assert str(today.day) in date_text and str(today.year) in date_text, date_text
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "doctor-summary.png"), full_page=True)
    for paper in ("A4", "Letter"):
        pdf = page.pdf(format=paper)
        pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
        assert pages == 1, f"{paper}: {pages} pages"
    assert axe_violations(page) == []


# ---------------------------------------------------------------- small fixes on the page


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360px", "1280px"])
def test_a_long_message_never_runs_under_the_send_button(open_chat, viewport):
    chat = open_chat(viewport)
    chat.input_box.fill("My ductogram is booked for next week and I am worried about it. " * 6)
    text = chat.input_box.bounding_box()
    send = chat.page.locator(".input-button").first.bounding_box()
    assert text and send
    overlap = not (
        text["x"] + text["width"] <= send["x"]
        or send["x"] + send["width"] <= text["x"]
        or text["y"] + text["height"] <= send["y"]
        or send["y"] + send["height"] <= text["y"]
    )
    assert not overlap, (text, send)


def test_the_thumbs_are_icons_that_render_without_an_emoji_font(open_chat):
    chat = open_chat()
    chat.ask("Will a ductogram hurt?")
    for name in ("Yes, this answer helped", "No, this answer did not help"):
        thumb = chat.bot_messages.last.get_by_role("button", name=name)
        expect(thumb).to_be_visible()
        expect(thumb.locator("svg")).to_have_count(1)
        assert not re.search("[\U0001f44d\U0001f44e]", thumb.inner_text())
        box = thumb.locator("svg").bounding_box()
        assert box and box["width"] >= 12 and box["height"] >= 12
