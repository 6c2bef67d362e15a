"""What the browser tests do as a patient or a member of staff: a patient's tab on the clinic
page (ChatPage), and signing in to the nurses' pages, in the browser or over HTTP."""

from __future__ import annotations

import json
import re
import time

import requests
from conftest import STAFF
from playwright.sync_api import Page, expect

REPLY_TIMEOUT_S = 60


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
