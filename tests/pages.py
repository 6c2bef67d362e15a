"""What the browser tests do as a patient or a member of staff: a patient's tab on the clinic
page (ChatPage), and signing in to the nurses' pages, in the browser or over HTTP."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator

import requests
from conftest import PROJECT_ROOT, STAFF
from playwright.sync_api import Page, expect

from core.review.editor import published_topics

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
REPLY_TIMEOUT_S = 60
AXE = PROJECT_ROOT / "widget" / "node_modules" / "axe-core" / "axe.min.js"
# The symptom check: question (part of its words) -> the button a patient with no red flag
# presses.
SYMPTOM_CHECK_ANSWERS = {
    "What colour": "Milky",
    "one breast or both": "Both breasts",
    "by itself": "Only when squeezed",
    "lump": "No",
    "skin dimpling": "No",
    "female or male": "Female",
    "How old": "Under 30",
    "pregnant or breastfeeding": "Neither",
    "regular medicines": "No",
    "infusions": "Neither",
}


def axe_violations(page: Page, within: list | None = None) -> list[dict]:
    """axe-core's violations on the page, or only within these elements (axe's selectors; a
    list of selectors reaches into shadow roots, e.g. [["div.ductogram-assistant", "#callback-form"]]).
    The page's context needs bypass_csp=True to add the script."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async (within) => (await axe.run(within ? {include: within} : document,
             {resultTypes: ["violations"]})).violations.map(v => ({
             id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target)}))""",
        within,
    )


class ChatPage:
    """One patient's browser tab on the clinic page."""

    def __init__(self, page: Page):
        self.page = page
        self.dialogs: list[str] = []
        self.hosts: set = set()
        self.urls: list[str] = []
        page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        page.on(
            "request",
            lambda request: (
                self.urls.append(request.url),
                self.hosts.add(re.sub(r"^\w+://([^/]+).*$", r"\1", request.url)),
            ),
        )

    @property
    def bot_messages(self):
        return self.page.locator(".bot-message")

    @property
    def input_box(self):
        return self.page.locator("#text-input")

    def wait_for_replies(self, count_before: int) -> None:
        deadline = time.monotonic() + REPLY_TIMEOUT_S
        while self.bot_messages.count() <= count_before:
            assert time.monotonic() < deadline, "no reply in the chat"
            self.page.wait_for_timeout(100)
        expect(self.page.locator(".typing-status")).to_have_text("")

    def ask(self, text: str) -> None:
        before = self.bot_messages.count()
        self.input_box.fill(text)
        self.input_box.press("Enter")
        self.wait_for_replies(before)

    def click_and_wait(self, button) -> None:
        before = self.bot_messages.count()
        button.click()
        self.wait_for_replies(before)

    def last_reply(self) -> str:
        """The newest message's text (its paragraphs, without buttons)."""
        return "\n".join(self.bot_messages.last.locator("p").all_inner_texts())

    def sender(self) -> str:
        return json.loads(
            self.page.evaluate("sessionStorage.getItem('ductogram-assistant:sender')")
        )


def sign_in(session: requests.Session, assistant, name: str, password: str) -> requests.Response:
    """The sign-in form's post, as a browser sends it."""
    return session.post(
        f"{assistant.web_url}/nurse/sign-in",
        data={"name": name, "password": password},
        allow_redirects=False,
        timeout=30,
    )


def sign_in_with_the_form(page, assistant, who: str, path: str) -> None:
    """In the browser: open `path`, get the sign-in form, sign in as STAFF[who]."""
    name, _, password = STAFF[who]
    page.goto(f"{assistant.web_url}{path}")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def signed_in(assistant, who: str) -> requests.Session:
    """A session signed in through the sign-in form as STAFF[who] ("nurse" or "clinician")."""
    name, _, password = STAFF[who]
    session = requests.Session()
    reply = sign_in(session, assistant, name, password)
    assert reply.status_code == 303, reply.text
    return session


def chat_opener(browser, web_url: str) -> Iterator[Callable[..., ChatPage]]:
    """For an `open_chat` fixture: opens the demo page in a new browser context, as many times
    as a test asks, and closes them all after. bypass_csp only lets a test inject axe-core,
    which the page's policy would block."""
    contexts = []

    def open_page(viewport=DESKTOP, bypass_csp=False) -> ChatPage:
        context = browser.new_context(
            viewport=viewport, bypass_csp=bypass_csp, accept_downloads=True
        )
        contexts.append(context)
        chat = ChatPage(context.new_page())
        chat.page.goto(f"{web_url}/")
        expect(chat.input_box).to_be_visible()
        return chat

    yield open_page
    for context in contexts:
        context.close()


def edit_form(topic_key: str, **changes) -> dict:
    """The answer editor's form for a published topic as it stands, with `changes`."""
    topic = published_topics()[topic_key]
    form = {
        "topic": topic_key.split("/")[1],
        "title": topic.title,
        "text": topic.text,
        "sources": [f"{r.document}/{r.section}" for r in topic.sources],
        "examples": "\n".join(topic.examples),
        "why": "",
    }
    return form | changes
