"""Publishing (issue 16), the whole loop in Chromium against the real servers: two Rasa servers
sharing one action server and one SQLite tracker store, the web server with its review database,
and a content directory that is a git checkout (a copy of data/, so that publishing in a test
never changes the repository's own).

A patient asks what the assistant cannot answer; a nurse adds it to a topic from the inbox; a
clinician signs it off and publishes; the gates pass and both running Rasa servers answer it with
that topic, with no restart; one click rolls it back. Before that, a publication whose content
check fails keeps the old model, and a nurse cannot publish what nobody signed off.

The tests run in order and share the servers: each step starts where the one before ended. The
publication fine-tunes a real model, so this module takes about seven minutes.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from conftest import (
    PROJECT_ROOT,
    RESULTS_DIR,
    SCREENSHOT_DIR,
    STAFF,
    RunningAssistant,
    free_port,
    start_assistant,
)
from pages import ChatPage, sign_in_with_the_form, signed_in
from playwright.sync_api import expect

from core.content import all_response_variants, faq_titles
from core.names import FALLBACK_INTENT, OUT_OF_SCOPE_INTENT
from core.review.editor import published_topics
from tools.holdout import parses

# Wordings of the duration topic that a model may not understand yet. The patient asks the first
# one the running model cannot answer (POST /model/parse: nothing stored), so that the test does
# not hang on one training's luck: a retraining learned the wording this test once fixed.
QUESTIONS = (
    "will I need time off work for a ductogram",
    "do I need to take the day off work for my ductogram",
    "should I book the whole day off work for the milk duct x-ray",
    "how much of my day will the galactogram take up",
)
UNANSWERED_INTENTS = (FALLBACK_INTENT, OUT_OF_SCOPE_INTENT)
TOPIC = "utter_faq/ductogram_duration"
TOPIC_TEXT = all_response_variants()[TOPIC][0]["text"].strip()
# Training, the gates and loading two servers: well under this on two cores.
PUBLISH_TIMEOUT_S = 40 * 60
# Both servers load a model in turn (PUT /model): 40 s for the two when last measured.
MODEL_LOADS_MS = 4 * 60 * 1000
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
}
CLINICIAN_NAME = STAFF["clinician"][0]


@dataclass
class Clinic:
    first: RunningAssistant  # action server, Rasa server and web server
    second: RunningAssistant  # a second Rasa server on the same stores
    content: Path  # DATA_DIR: a git checkout
    models: Path
    question: str = ""  # the patient's question: one of QUESTIONS the model cannot answer yet

    @property
    def token(self) -> str:
        """RASA_API_TOKEN, the same for both Rasa servers, as publishing loads models into both."""
        return self.first.api_token

    @property
    def publish_dir(self) -> Path:
        """PUBLISH_DIR: each publication's staged content, step logs and model."""
        return self.models.parent / "publish"

    @property
    def rasa_urls(self) -> list[str]:
        return [self.first.rasa_url, self.second.rasa_url]

    def intent_of(self, text: str) -> str:
        """The intent the first Rasa server reads in `text`, after every component of ours
        (POST /model/parse, with the API's token: nothing is stored)."""
        [reading] = parses(self.first.model_server, [text])
        return reading["intent"]["name"]

    def loaded_models(self) -> list[str]:
        """The model file each Rasa server has loaded (GET /status, with the API's token)."""
        return [
            requests.get(f"{url}/status", params={"token": self.token}, timeout=30).json()[
                "model_file"
            ]
            for url in self.rasa_urls
        ]

    def git(self, *args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(self.content), *args],
            capture_output=True,
            text=True,
            check=True,
            env=dict(os.environ, **GIT_IDENTITY),
        ).stdout.strip()

    def review_rows(self, sql: str, *parameters) -> list[tuple]:
        with closing(sqlite3.connect(self.first.review_db)) as db:
            return db.execute(sql, parameters).fetchall()

    def answers(self, url: str) -> list[dict]:
        reply = requests.post(
            f"{url}/webhooks/rest/webhook",
            json={"sender": f"publishing-{uuid.uuid4().hex[:8]}", "message": self.question},
            timeout=60,
        )
        assert reply.status_code == 200, reply.text
        return reply.json()


def answered_with_the_topic(messages: list[dict]) -> bool:
    return bool(messages) and messages[0].get("text", "").startswith(TOPIC_TEXT[:80])


@pytest.fixture(scope="module")
def clinic(model_path, tmp_path_factory) -> Iterator[Clinic]:
    root = tmp_path_factory.mktemp("publishing")
    content = root / "content" / "data"
    shutil.copytree(PROJECT_ROOT / "data", content)
    git_env = dict(os.environ, **GIT_IDENTITY)
    for args in (["init", "--quiet"], ["add", "."], ["commit", "--quiet", "-m", "Content"]):
        subprocess.run(["git", "-C", str(content.parent), *args], check=True, env=git_env)
    token = "publishing-" + uuid.uuid4().hex
    ports = {"action": free_port(), "first": free_port(), "second": free_port()}
    (root / "first").mkdir()
    (root / "second").mkdir()
    shared = {
        "ACTION_PORT": str(ports["action"]),
        "TRACKER_STORE_URL": f"sqlite:///{root / 'first' / 'tracker.db'}",
        "DATA_DIR": str(content),
        "RASA_API_TOKEN": token,
    }
    second = start_assistant(
        model_path, root / "second", SERVERS="rasa", RASA_PORT=str(ports["second"]), **shared
    )
    try:
        first = start_assistant(
            model_path,
            root / "first",
            RASA_PORT=str(ports["first"]),
            RASA_SERVER_URLS=f"http://127.0.0.1:{ports['first']} http://127.0.0.1:{ports['second']}",
            MODELS_DIR=str(root / "models"),
            PUBLISH_DIR=str(root / "publish"),
            **shared,
        )
    except Exception:
        second.stop()
        raise
    clinic = Clinic(first, second, content, root / "models")
    try:
        clinic.question = next(
            (text for text in QUESTIONS if clinic.intent_of(text) in UNANSWERED_INTENTS), ""
        )
        assert clinic.question, f"the model answers every one of {QUESTIONS}: add a wording"
        yield clinic
    finally:
        first.stop()
        second.stop()


def open_publish_page(browser, clinic: Clinic, who: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in_with_the_form(page, clinic.first, who, "/nurse/publish")
    page.goto(f"{clinic.first.web_url}/nurse/publish")
    return context, page


def wait_for_publication(page, number: int, status: str) -> None:
    """The page refreshes itself while publishing; wait until publication `number` shows
    `status` (its heading starts "#<number>: <status>")."""
    heading = page.locator(f"#publication-title-{number}")
    deadline = time.monotonic() + PUBLISH_TIMEOUT_S
    while time.monotonic() < deadline:
        if heading.count() and heading.inner_text().startswith(f"#{number}: {status}"):
            return
        page.wait_for_timeout(2000)
    raise AssertionError(f"publication {number} is not {status!r}: {page.inner_text('main')}")


def test_a_failed_gate_keeps_the_old_model_and_says_why(browser, clinic: Clinic):
    """Two signed-off edits that each pass the editor's checks, but together put one example
    under two topics: the content gate stops the publication before any training."""
    before = clinic.loaded_models()
    head = clinic.git("rev-parse", "HEAD")
    shared_example = "could the test run into my lunch break"
    clinician = signed_in(clinic.first, "clinician")
    topics = published_topics()
    edit_ids = []
    for key in ("utter_faq/ductogram_duration", "utter_faq/ductogram_time_of_day"):
        topic = topics[key]
        form = {
            "topic": key.split("/")[1],
            "title": topic.title,
            "text": topic.text,
            "sources": [f"{r.document}/{r.section}" for r in topic.sources],
            "examples": "\n".join((*topic.examples, shared_example)),
            "why": "Patients ask about fitting it around work.",
            "action": "propose",
        }
        reply = clinician.post(f"{clinic.first.web_url}/nurse/answers/edit", data=form, timeout=30)
        assert reply.status_code == 200 and "Proposed" in reply.text, reply.text[-2000:]
        [(edit_id,)] = clinic.review_rows("SELECT max(id) FROM answer_edits WHERE topic = ?", key)
        edit_ids.append(edit_id)
        reply = clinician.post(
            f"{clinic.first.web_url}/nurse/proposals/review-edit",
            data={"proposal": str(edit_id), "action": "sign_off"},
            timeout=30,
        )
        assert reply.status_code == 200, reply.text[-2000:]

    context, page = open_publish_page(browser, clinic, "clinician")
    try:
        expect(page.locator(".ready-item")).to_have_count(2)
        page.get_by_role("button", name="Publish 2 changes").click()
        wait_for_publication(page, 1, "Not published")
        failure = page.locator("#failure-1")
        expect(failure).to_contain_text("A content check failed")
        expect(failure).to_contain_text(shared_example)
        # Named as nurses know them: the file under data/, the topics by their titles.
        expect(failure).to_contain_text("data/nlu/")
        expect(failure).to_contain_text(faq_titles()["utter_faq/ductogram_time_of_day"])
        expect(failure).not_to_contain_text("/tmp/")
        expect(failure).not_to_contain_text("faq/ductogram")
        expect(failure).to_contain_text("keeps answering with the content and model it had")
        expect(page.locator("#step-1-train")).to_contain_text("Waiting")
        # The clinician holds both back, with a note, so that the next publication is clean.
        for edit_id in edit_ids:
            item = page.locator(f"#ready-answer_edits-{edit_id}")
            item.get_by_label("Note").fill("Example under two topics")
            item.get_by_role("button", name="Hold back").click()
            expect(page.locator("#saved")).to_contain_text("Held back")
        expect(page.locator("#nothing-ready")).to_be_visible()
    finally:
        context.close()

    assert clinic.loaded_models() == before
    assert clinic.git("rev-parse", "HEAD") == head
    assert clinic.git("status", "--porcelain") == ""
    for url in clinic.rasa_urls:
        assert not answered_with_the_topic(clinic.answers(url))
    assert clinic.review_rows(
        f"SELECT status FROM answer_edits WHERE id IN ({edit_ids[0]}, {edit_ids[1]})"
    ) == [("rejected",), ("rejected",)]


def test_a_patients_question_reaches_the_inbox_and_a_nurse_cannot_publish_it_unsigned(
    browser, clinic: Clinic
):
    patient = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        chat = ChatPage(patient.new_page())
        chat.page.goto(f"{clinic.first.web_url}/")
        chat.ask(clinic.question)
        assert not chat.last_reply().startswith(TOPIC_TEXT[:80]), chat.last_reply()
    finally:
        patient.close()

    nurse = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = nurse.new_page()
        sign_in_with_the_form(page, clinic.first, "nurse", "/nurse/inbox")
        page.goto(f"{clinic.first.web_url}/nurse/inbox")
        group = page.locator("section.group", has_text=clinic.question)
        expect(group).to_have_count(1)
        group.get_by_label("Add as an example of").select_option(label=faq_titles()[TOPIC])
        group.get_by_role("button", name="Add example").click()
        expect(page.locator("#saved")).to_be_visible()
        # Her draft is not signed off: nothing to publish, and no way to start it.
        page.goto(f"{clinic.first.web_url}/nurse/publish")
        expect(page.locator("#nothing-ready")).to_be_visible()
        expect(page.get_by_role("button", name="Publish")).to_have_count(0)
        forced = page.request.post(f"{clinic.first.web_url}/nurse/publish/start")
        assert forced.status == 409 and "Nothing is signed off" in forced.text()
    finally:
        nurse.close()
    assert clinic.review_rows("SELECT status FROM proposals WHERE text = ?", clinic.question) == [
        ("draft",)
    ]
    assert clinic.review_rows("SELECT count(*) FROM publications") == [(1,)]


def test_a_clinician_signs_off_and_publishes_and_both_servers_answer(browser, clinic: Clinic):
    [(proposal,)] = clinic.review_rows("SELECT id FROM proposals WHERE text = ?", clinic.question)
    model_before = clinic.loaded_models()
    context, page = open_publish_page(browser, clinic, "clinician")
    try:
        page.goto(f"{clinic.first.web_url}/nurse/proposals")
        page.get_by_role("button", name=f"Sign off proposal {proposal}").click()
        expect(page.locator("#saved")).to_have_text("Signed off.")
        page.goto(f"{clinic.first.web_url}/nurse/publish")
        expect(page.locator(".ready-item")).to_have_count(1)
        expect(page.locator(".ready-item")).to_contain_text(clinic.question)
        page.get_by_role("button", name="Publish 1 change").click()
        expect(page.locator("#running")).to_be_visible()
        # The dashboard stays usable while the model trains.
        training = page.locator("#step-2-train")
        deadline = time.monotonic() + 600
        while "Running" not in training.inner_text():
            assert time.monotonic() < deadline, page.inner_text("main")
            page.wait_for_timeout(1000)
        inbox = page.request.get(f"{clinic.first.web_url}/nurse/inbox")
        assert inbox.status == 200
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT_DIR / "nurse-publish-training.png"), full_page=True)
        wait_for_publication(page, 2, "Live")
        for step in ("content", "validate", "train", "held_out", "red_flags", "conversations"):
            expect(page.locator(f"#step-2-{step}")).to_contain_text("Passed")
        expect(page.locator("#step-2-held_out")).to_contain_text("patient questions answered right")
        expect(page.locator("#step-2-red_flags")).to_contain_text("warning signs escalated")
        expect(page.locator("#step-2-conversations")).to_contain_text(
            re.compile(r"(\d+) of \1 steps of the conversation tests went as written")
        )
        # Only an example of an existing topic changed, and the live model was trained from the
        # live content: it is fine-tuned (PUBLISH_FINETUNE_FRACTION), with Rasa's own option.
        expect(page.locator("#step-2-train")).to_contain_text(
            re.compile(r"The live model learned the new content, in \d+% of")
        )
        train_log = (clinic.publish_dir / "2" / "train.log").read_text(errors="replace")
        assert "Finished training component 'ResponseSelector'" in train_log, train_log[-2000:]
        assert not (clinic.publish_dir / "2" / "train-full.log").exists(), "fine-tuning failed"
        expect(page.locator("#step-2-train .took")).to_contain_text(re.compile(r"\d+ min \d+ s"))
        page.locator("#publication-2 summary").click()
        # Each step's time, for the record of how long publishing takes (shown once opened).
        steps_shown = page.locator("#steps-2").first.inner_text()
        assert "Train a new model" in steps_shown, steps_shown
        expect(page.locator("#step-2-go_live .took").first).to_contain_text(re.compile(r"\d+ s"))
        (RESULTS_DIR / "publishing-steps.txt").write_text(steps_shown, encoding="utf-8")
        page.screenshot(path=str(SCREENSHOT_DIR / "nurse-publish-live.png"), full_page=True)
    finally:
        context.close()

    # Both running servers now answer with the topic, with no restart.
    loaded = clinic.loaded_models()
    assert loaded != model_before and len(set(loaded)) == 1, loaded
    for url in clinic.rasa_urls:
        assert answered_with_the_topic(clinic.answers(url))
    patient = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        chat = ChatPage(patient.new_page())
        chat.page.goto(f"{clinic.first.web_url}/")
        chat.ask(clinic.question)
        assert chat.last_reply().startswith(TOPIC_TEXT[:80]), chat.last_reply()
    finally:
        patient.close()
    # The content is one commit, by the person who published, holding the new example.
    assert (
        clinic.git("log", "-1", "--format=%an|%s")
        == f"{CLINICIAN_NAME}|Publish 2: 1 signed-off change(s)"
    )
    assert any(
        f"    - {clinic.question}\n" in path.read_text()
        for path in (clinic.content / "nlu").glob("*.yml")
    )
    assert clinic.git("status", "--porcelain") == ""
    assert (clinic.models / loaded[0]).exists(), "make run finds the published model"
    assert clinic.review_rows("SELECT status FROM proposals WHERE id = ?", proposal) == [
        ("published",)
    ]


def test_one_click_rolls_back_the_content_and_the_model(browser, clinic: Clinic):
    context, page = open_publish_page(browser, clinic, "clinician")
    try:
        # Loading the old model into both servers, one after the other, takes a while.
        page.get_by_role("button", name="Roll back to the content and model before #2").click(
            timeout=MODEL_LOADS_MS
        )
        expect(page.locator("#saved")).to_contain_text("Rolled back")
        expect(page.locator("#publication-title-2")).to_contain_text("Rolled back")
    finally:
        context.close()
    assert clinic.loaded_models() == ["model-before.tar.gz"] * 2
    for url in clinic.rasa_urls:
        assert not answered_with_the_topic(clinic.answers(url))
    assert not any(
        f"    - {clinic.question}\n" in path.read_text()
        for path in (clinic.content / "nlu").glob("*.yml")
    )
    assert clinic.git("log", "-1", "--format=%s") == "Roll back publication 2"
    assert clinic.git("status", "--porcelain") == ""
    assert clinic.review_rows("SELECT status FROM proposals WHERE text = ?", clinic.question) == [
        ("rolled_back",)
    ]
