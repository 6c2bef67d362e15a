"""The answer editor's live checks in a real browser, against the real web server: a nurse types
and, without pressing a button, sees the same problems the Check button would show, each with
its fix, or "All checks pass."; nothing is stored. With JavaScript off the Check button still
does the checking. The check endpoint answers only a signed-in nurse, and only from this site."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pages
import pytest
import requests
from conftest import SCREENSHOT_DIR, STAFF, RunningAssistant, start_assistant
from pages import sign_in_with_the_form, signed_in
from playwright.sync_api import expect

from core.review.editor import published_topics

EDITED = "utter_faq/ductogram_duration"
GRADE_12 = (
    "Galactography necessitates cannulation of the secreting lactiferous duct, subsequently "
    "administering iodinated radiocontrast, facilitating comprehensive visualisation."
)
CHECK = "/nurse/answers/check"


@pytest.fixture(scope="module")
def editor_web(model_path, tmp_path_factory) -> RunningAssistant:
    """The web server alone, with its own review database."""
    running = start_assistant(model_path, tmp_path_factory.mktemp("live-checks"), SERVERS="web")
    yield running
    running.stop()


def answer_edits(assistant: RunningAssistant) -> list[tuple]:
    with closing(sqlite3.connect(assistant.review_db)) as db:
        return db.execute("SELECT id, topic, text, status FROM answer_edits").fetchall()


def edit_form(**changes) -> dict:
    return pages.edit_form(EDITED, **changes)


def open_the_topic(page, assistant: RunningAssistant, title: str) -> None:
    sign_in_with_the_form(page, assistant, "nurse", "/nurse/answers")
    page.goto(f"{assistant.web_url}/nurse/answers")  # this web server has no dashboard
    expect(page.locator("#signed-in-as")).to_have_text(f"{STAFF['nurse'][0]}, nurse")
    page.get_by_role("link", name=title).first.click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()


def test_problems_show_while_typing_and_go_when_fixed(browser, editor_web):
    topic = published_topics()[EDITED]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    checks: list[str] = []
    try:
        page = context.new_page()
        open_the_topic(page, editor_web, topic.title)  # the sign-in page answers 401
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("request", lambda r: checks.append(r.method) if r.url.endswith(CHECK) else None)
        editing_url = page.url
        live = page.locator("#live-checks")
        expect(live).to_have_attribute("aria-live", "polite")
        expect(live).to_be_empty()  # nothing is checked before she types

        answer = page.get_by_label("Answer", exact=True)
        answer.fill("")
        answer.press_sequentially(GRADE_12, delay=5)
        expect(live).to_contain_text("Not yet: 1 thing to fix.")
        expect(live).to_contain_text(f"“{topic.title}” reads at school grade")
        expect(live).to_contain_text("Use shorter sentences and simpler words.")
        expect(live.get_by_role("listitem")).to_have_count(1)
        assert page.url == editing_url, "no button was pressed: the page did not change"
        expect(page.locator("#problems")).to_have_count(0)
        expect(answer).to_have_value(GRADE_12)
        # Typing ~160 characters sends a check or two once she pauses, not one per key.
        assert set(checks) == {"POST"} and 1 <= len(checks) <= 3, checks
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT_DIR / "nurse-answers-live-checks.png"), full_page=True)

        answer.fill(topic.text)  # the fix
        expect(live).to_have_text("All checks pass.")
        expect(live.get_by_role("listitem")).to_have_count(0)

        # A choice in the list is checked too (its change event): no source named.
        sources = page.get_by_label("Source section", exact=False)
        sources.select_option([])
        expect(live).to_contain_text("does not say where it comes from")
        sources.select_option([f"{r.document}/{r.section}" for r in topic.sources])
        expect(live).to_have_text("All checks pass.")
        assert page.url == editing_url
    finally:
        context.close()
    assert errors == [], errors  # no script error, nothing blocked by the Content-Security-Policy
    assert answer_edits(editor_web) == [], "live checks store nothing"


def test_with_javascript_off_the_check_button_still_checks(browser, editor_web):
    topic = published_topics()[EDITED]
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, java_script_enabled=False
    )
    checks: list[str] = []
    try:
        page = context.new_page()
        page.on("request", lambda r: checks.append(r.url) if r.url.endswith(CHECK) else None)
        open_the_topic(page, editor_web, topic.title)
        page.get_by_label("Answer", exact=True).fill(GRADE_12)
        page.wait_for_timeout(1500)  # longer than the live checks wait
        expect(page.locator("#live-checks")).to_be_empty()
        page.get_by_role("button", name="Check").click()
        expect(page.locator("#problems")).to_contain_text("reads at school grade")
        expect(page.get_by_label("Answer", exact=True)).to_have_value(GRADE_12)
    finally:
        context.close()
    assert checks == []
    assert answer_edits(editor_web) == []


def test_the_check_needs_a_signed_in_nurse(editor_web):
    reply = requests.post(
        f"{editor_web.web_url}{CHECK}",
        data=edit_form(text=GRADE_12),
        allow_redirects=False,
        timeout=30,
    )
    assert reply.status_code == 401, reply.status_code
    assert "reads at school grade" not in reply.text and "Sign in" in reply.text


def test_a_check_from_another_site_is_refused(editor_web):
    nurse = signed_in(editor_web, "nurse")
    elsewhere = nurse.post(
        f"{editor_web.web_url}{CHECK}",
        data=edit_form(text=GRADE_12),
        headers={"Origin": "https://evil.example"},
        allow_redirects=False,
        timeout=30,
    )
    assert elsewhere.status_code == 403, elsewhere.status_code
    assert "reads at school grade" not in elsewhere.text
    here = nurse.post(
        f"{editor_web.web_url}{CHECK}",
        data=edit_form(text=GRADE_12),
        headers={"Origin": editor_web.web_url},
        timeout=30,
    )
    assert here.status_code == 200 and "reads at school grade" in here.json()["problems"][0]
    assert answer_edits(editor_web) == []
