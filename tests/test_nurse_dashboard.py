"""The nurses' dashboard over a real SQLite tracker store, filled by holding real conversations
with the running assistant: every figure and both exports are checked against what happened."""

from __future__ import annotations

import csv
import datetime as dt
import html as html_module
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import uuid
from collections import Counter
from contextlib import closing
from dataclasses import dataclass, field

import pages
import pytest
import requests
from conftest import (
    NURSE_TOKEN,
    PROJECT_ROOT,
    SCREENSHOT_DIR,
    STAFF,
    RunningAssistant,
    start_assistant,
    triage_of,
)
from pages import sign_in, sign_in_with_the_form, signed_in
from playwright.sync_api import expect

from core.content import all_response_variants, faq_responses, faq_titles
from core.copying import FINGERPRINTS_FILE
from core.review.editor import published_topics
from core.review.report import topic_name
from tools.servers import WEB_VENV
from webapp.store import ConversationStore

PHONE, EMAIL = "+1 555 010 0199", "jane.doe@example.org"
ANSWER_TOPICS = {response["text"].strip(): name for name, response in faq_responses().items()}
UNANSWERED_TEXTS = {
    all_response_variants()[name][0]["text"].strip()
    for name in ("utter_out_of_scope", "utter_ask_rephrase", "utter_how_can_i_help")
}
BEARER = {"Authorization": f"Bearer {NURSE_TOKEN}"}
NURSE_NAME, _, NURSE_PASSWORD = STAFF["nurse"]
CLINICIAN_NAME, _, CLINICIAN_PASSWORD = STAFF["clinician"]


@dataclass
class PilotDay:
    """What happened, as seen from the patient's side of the REST channel."""

    conversations: dict[str, list[str]] = field(default_factory=dict)  # sender -> messages typed
    answers: Counter = field(default_factory=Counter)  # topic -> answers given
    unanswered: list[tuple] = field(default_factory=list)  # (sender, text)
    escalations: list[dict] = field(default_factory=list)
    ratings: dict[str, list[bool]] = field(default_factory=dict)  # utter_faq/x -> [helpful, ...]


@pytest.fixture(scope="module")
def pilot_day(assistant: RunningAssistant) -> PilotDay:
    day = PilotDay()
    last_answer = {}
    scripts = {
        "answered-and-rated": [
            "What is a ductogram?",
            "/feedback_not_helpful",
            "Will a ductogram hurt?",
            "/feedback_helpful",
        ],
        "said-yes": [
            "How do I prepare for a ductogram?",
            "yes",
            "What is a ductogram?",
            "that didn't help",
        ],
        "unanswered": [
            "what's the capital of france?",
            f"my number is {PHONE}, email {EMAIL}, can you fix my car?",
            "What is a ductogram?",
        ],
        "escalated": [
            "I have bloody discharge from one breast",
            "my throat is swelling after the dye",
        ],
    }
    for name, messages in scripts.items():
        sender = f"{name}-{uuid.uuid4().hex[:8]}"
        day.conversations[sender] = []
        for message in messages:
            replies = assistant.send(sender, message)
            if not message.startswith("/"):
                day.conversations[sender].append(message)
            texts = [r.get("text", "") for r in replies]
            for text in texts:
                body = text.split("\nSource")[0].strip()
                if body in ANSWER_TOPICS:
                    day.answers[topic_name(ANSWER_TOPICS[body])] += 1
                    last_answer[sender] = ANSWER_TOPICS[body]
                if text.strip() in UNANSWERED_TEXTS:
                    day.unanswered.append((sender, message))
            if triage_of(replies):
                day.escalations.append(triage_of(replies))
            if any("Thank you for telling me" in t for t in texts):
                day.ratings.setdefault(last_answer[sender], []).append(True)
            if any("Sorry that did not help" in t for t in texts):
                day.ratings.setdefault(last_answer[sender], []).append(False)
    # The script is built so that each kind of event really happens; if the assistant
    # changes its mind, say so here rather than comparing against nothing.
    assert (
        len(day.unanswered) >= 2
        and len(day.escalations) == 2
        and sum(map(len, day.ratings.values())) == 4
    ), day
    return day


def get(assistant, path, **kwargs):
    return requests.get(f"{assistant.web_url}{path}", timeout=30, allow_redirects=False, **kwargs)


def today() -> str:
    return dt.datetime.now(dt.timezone.utc).date().isoformat()


def figure(html: str, name: str) -> int:
    return int(re.search(rf'id="figure-{name}"><div class="number">(\d+)<', html).group(1))


def table_rows(html: str, table_id: str) -> list[list[str]]:
    body = re.search(rf'<table id="{table_id}"[^>]*>.*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    return [
        [
            html_module.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def test_every_figure_matches_what_happened(assistant, pilot_day):
    reply = get(assistant, f"/nurse?from={today()}&to={today()}", headers=BEARER)
    assert reply.status_code == 200
    html = reply.text
    assert figure(html, "conversations") == len(pilot_day.conversations)
    assert figure(html, "messages") == sum(map(len, pilot_day.conversations.values()))
    assert figure(html, "unanswered") == len(pilot_day.unanswered)
    assert figure(html, "escalations") == len(pilot_day.escalations)
    assert figure(html, "ratings") == sum(map(len, pilot_day.ratings.values()))

    topics = {topic: int(count) for topic, count in table_rows(html, "topics-table")}
    assert topics == dict(pilot_day.answers)
    assert set(topics) <= set(faq_titles().values()), "topics by their titles, not their keys"

    levels = {level: int(count) for level, count in table_rows(html, "escalation-levels")}
    assert levels == {
        level: sum(e["level"] == level for e in pilot_day.escalations)
        for level in ("emergency", "urgent", "routine")
    }
    reasons = {rule: int(count) for _, rule, count in table_rows(html, "escalation-reasons")}
    assert reasons == dict(Counter(r for e in pilot_day.escalations for r in e["reasons"]))

    ratings = table_rows(html, "ratings-table")
    expected = {
        answer: (votes.count(True), votes.count(False))
        for answer, votes in pilot_day.ratings.items()
    }
    assert {row[0]: (int(row[1]), int(row[2])) for row in ratings} == {
        topic_name(answer): votes for answer, votes in expected.items()
    }
    rates = [int(row[3].rstrip("%")) for row in ratings]
    assert rates == sorted(rates), "least helpful answers come first"

    unanswered = {row[0]: int(row[1]) for row in table_rows(html, "unanswered-table")}
    assert sum(unanswered.values()) == len(pilot_day.unanswered)
    assert "what's the capital of france?" in unanswered
    assert '<svg class="chart"' in html and "What is stored" in html


def _conversation_links(html: str) -> list[str]:
    table = re.search(r'<table id="conversations-table">.*?</table>', html, re.S).group(0)
    return re.findall(r'href="/nurse/conversations/([^"]+)"', table)


def test_lists_come_a_page_at_a_time_and_can_be_searched(assistant, pilot_day):
    """A busy clinic's day must not make one endless page: conversations and unanswered
    questions come a page at a time, and a search narrows both to what patients typed."""
    listing = f"/nurse?from={today()}&to={today()}&per_page=2"
    first = get(assistant, listing, headers=BEARER).text
    total = figure(first, "conversations")
    pages = -(-total // 2)
    assert total >= len(pilot_day.conversations) >= 3
    assert f"Page 1 of {pages} ({total} in all)" in first
    seen = []
    for number in range(1, pages + 1):
        html = get(assistant, f"{listing}&page={number}", headers=BEARER).text
        links = _conversation_links(html)
        assert len(links) == (2 if number < pages else total - 2 * (pages - 1))
        seen += links
    assert len(seen) == len(set(seen)) == total, "every conversation on exactly one page"

    found = get(assistant, f"{listing}&q=CAPITAL+france", headers=BEARER).text
    [asked_it] = [
        s
        for s, said in pilot_day.conversations.items()
        if any("capital of france" in m for m in said)
    ]
    assert [html_module.unescape(link) for link in _conversation_links(found)] == [asked_it]
    assert [row[0] for row in table_rows(found, "unanswered-table")] == [
        "what's the capital of france?"
    ]
    nothing = get(assistant, f"{listing}&q=zebra", headers=BEARER).text
    assert "No conversation with these words in this period." in nothing
    assert figure(nothing, "conversations") == total, "the figures stay those of the whole period"


def test_unanswered_export_lists_every_question_with_time_and_conversation(assistant, pilot_day):
    reply = get(
        assistant, f"/nurse/export/unanswered.csv?from={today()}&to={today()}", headers=BEARER
    )
    assert reply.status_code == 200 and reply.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(reply.text)))
    assert sorted((r["conversation"], r["question"]) for r in rows) == sorted(
        (sender, text.replace(PHONE, "[phone]").replace(EMAIL, "[e-mail]"))
        for sender, text in pilot_day.unanswered
    )
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", r["time"]) for r in rows)


def test_feedback_export_counts_per_answer(assistant, pilot_day):
    reply = get(
        assistant, f"/nurse/export/feedback.csv?from={today()}&to={today()}", headers=BEARER
    )
    rows = {
        r["answer"]: (int(r["helpful"]), int(r["not_helpful"]))
        for r in csv.DictReader(io.StringIO(reply.text))
    }
    assert rows == {
        answer: (votes.count(True), votes.count(False))
        for answer, votes in pilot_day.ratings.items()
    }


def test_phone_numbers_and_email_addresses_are_masked_everywhere(assistant, pilot_day):
    [sender] = [s for s in pilot_day.conversations if s.startswith("unanswered")]
    pages = [
        get(assistant, f"/nurse?from={today()}&to={today()}", headers=BEARER).text,
        get(assistant, f"/nurse/conversations/{sender}", headers=BEARER).text,
        get(
            assistant, f"/nurse/export/unanswered.csv?from={today()}&to={today()}", headers=BEARER
        ).text,
    ]
    for page in pages:
        assert PHONE not in page and EMAIL not in page and "555 010" not in page
    assert "my number is [phone], email [e-mail], can you fix my car?" in pages[1]
    # ...while the tracker store itself keeps what was said (it is the clinic's record).
    with sqlite3.connect(assistant.tracker_db) as db:
        assert (
            db.execute("SELECT count(*) FROM events WHERE data LIKE ?", (f"%{EMAIL}%",)).fetchone()[
                0
            ]
            >= 1
        )


def test_transcript_shows_the_conversation_in_order(assistant, pilot_day):
    [sender] = [s for s in pilot_day.conversations if s.startswith("escalated")]
    html = get(assistant, f"/nurse/conversations/{sender}", headers=BEARER).text
    rows = table_rows(html, "transcript")
    assert [row[2] for row in rows if row[1] == "Patient"] == pilot_day.conversations[sender]
    assert [row[2].split(":")[0] for row in rows if row[1] == "Escalation"] == [
        e["level"] for e in pilot_day.escalations
    ]
    assert (
        get(assistant, "/nurse/conversations/no-such-conversation", headers=BEARER).status_code
        == 404
    )


@pytest.mark.parametrize(
    "path",
    [
        "/nurse",
        "/nurse/export/unanswered.csv",
        "/nurse/export/feedback.csv",
        "/nurse/conversations/anything",
        "/nurse/inbox",
        "/nurse/proposals",
        "/nurse/no-such-page",
    ],
)
def test_without_a_valid_token_every_nurse_path_is_401_and_shows_nothing(
    assistant, pilot_day, path
):
    patient_words = "capital of france"
    for headers in (
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": NURSE_TOKEN},
        {"Cookie": "nurse_session=99999999999.forged"},
    ):
        reply = get(assistant, path, headers=headers)
        assert reply.status_code == 401, (path, headers)
        assert patient_words not in reply.text and "Sign in" in reply.text
    # The token in a URL is never accepted.
    assert get(assistant, f"{path}?token={NURSE_TOKEN}").status_code == 401


def test_a_bad_date_gets_a_clear_400(assistant, pilot_day):
    reply = get(assistant, "/nurse?from=yesterday", headers=BEARER)
    assert reply.status_code == 400 and "2026-11-21" in reply.text


def test_sign_in_form_sets_a_session_cookie(assistant, pilot_day):
    session = requests.Session()
    signed_in = sign_in(session, assistant, NURSE_NAME, NURSE_PASSWORD)
    assert signed_in.status_code == 303
    cookie = signed_in.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/nurse" in cookie
    assert "Max-Age=28800" in cookie, "8 hours"
    assert NURSE_PASSWORD not in cookie and NURSE_NAME.split()[0] not in cookie, "encrypted"
    dashboard = session.get(f"{assistant.web_url}/nurse", timeout=10)
    assert dashboard.status_code == 200 and f"{NURSE_NAME}, nurse" in dashboard.text
    session.post(f"{assistant.web_url}/nurse/sign-out", timeout=10)
    assert (
        session.get(f"{assistant.web_url}/nurse", timeout=10, allow_redirects=False).status_code
        == 401
    )


@pytest.mark.parametrize(
    "name,password",
    [
        (NURSE_NAME, "not her password"),
        (NURSE_NAME, CLINICIAN_PASSWORD),
        ("Nobody Here", NURSE_PASSWORD),
        (NURSE_NAME, ""),
        ("", ""),
    ],
    # Named, not shown: the passwords are random per process, and parallel workers must
    # collect the same test ids.
    ids=["wrong password", "another's password", "unknown name", "empty password", "both empty"],
)
def test_a_wrong_name_or_password_is_401_without_saying_which(assistant, name, password):
    session = requests.Session()
    wrong = sign_in(session, assistant, name, password)
    assert wrong.status_code == 401
    assert "That name and password do not match an account." in wrong.text
    assert "Set-Cookie" not in wrong.headers
    assert session.get(f"{assistant.web_url}/nurse", timeout=10).status_code == 401


def test_many_wrong_passwords_for_one_name_are_paused(assistant):
    name = "Throttle Test"  # no such account: the pause is per name and address
    tries = [sign_in(requests.Session(), assistant, name, "wrong password") for _ in range(12)]
    assert [reply.status_code for reply in tries] == [401] * 10 + [429] * 2
    assert "Too many tries" in tries[-1].text
    assert signed_in(assistant, "nurse").get(f"{assistant.web_url}/nurse").status_code == 200


def test_a_disabled_account_is_signed_out_and_cannot_sign_in(assistant):
    name, password = "Temporary Nurse", "temporary pass phrase"
    command = [str(WEB_VENV / "bin" / "python"), "-m", "webapp.accounts"]
    env = {**os.environ, "REVIEW_DB_URL": f"sqlite:///{assistant.review_db}"}
    subprocess.run(
        command + ["add", "--name", name, "--role", "nurse"],
        env={**env, "STAFF_PASSWORD": password},
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
    )
    session = requests.Session()
    assert sign_in(session, assistant, name, password).status_code == 303
    assert session.get(f"{assistant.web_url}/nurse/proposals", timeout=10).status_code == 200
    subprocess.run(command + ["disable", "--name", name], env=env, cwd=PROJECT_ROOT, check=True)
    assert session.get(f"{assistant.web_url}/nurse/proposals", timeout=10).status_code == 401
    assert sign_in(requests.Session(), assistant, name, password).status_code == 401


def test_the_dashboard_reads_the_store_read_only(assistant, pilot_day):
    store = ConversationStore(f"sqlite:///{assistant.tracker_db}", read_only=True)
    with pytest.raises(Exception, match="readonly|read-only|query_only"):
        with store.engine.begin() as connection:
            connection.exec_driver_sql("DELETE FROM events")


def test_make_purge_deletes_only_old_conversations(assistant, pilot_day, tmp_path):
    copy = tmp_path / "tracker.db"
    shutil.copy(assistant.tracker_db, copy)
    [old] = [s for s in pilot_day.conversations if s.startswith("unanswered")]
    with sqlite3.connect(copy) as db:
        db.execute(
            "UPDATE events SET timestamp = timestamp - 40 * 86400 WHERE sender_id = ?", (old,)
        )
        before = {row[0] for row in db.execute("SELECT DISTINCT sender_id FROM events")}
    result = subprocess.run(
        ["make", "--no-print-directory", "purge", "DAYS=30", f"TRACKER_STORE_URL=sqlite:///{copy}"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Deleted 1 conversations" in result.stdout
    with sqlite3.connect(copy) as db:
        after = {row[0] for row in db.execute("SELECT DISTINCT sender_id FROM events")}
    assert after == before - {old}
    # Without DAYS, the retention period: RETENTION_DAYS, 90 days unless set.
    shutil.copy(assistant.tracker_db, copy)
    with sqlite3.connect(copy) as db:
        db.execute(
            "UPDATE events SET timestamp = timestamp - 40 * 86400 WHERE sender_id = ?", (old,)
        )
    for retention, deleted in ((None, 0), ("35", 1)):
        env = {k: v for k, v in os.environ.items() if k != "RETENTION_DAYS"}
        env |= {"RETENTION_DAYS": retention} if retention else {}
        result = subprocess.run(
            ["make", "--no-print-directory", "purge", f"TRACKER_STORE_URL=sqlite:///{copy}"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            env=env,
        )
        assert f"Deleted {deleted} conversations" in result.stdout, result.stdout + result.stderr


def test_dashboard_in_a_browser(browser, assistant, pilot_day):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        sign_in_with_the_form(page, assistant, "nurse", "/nurse")
        expect(page.locator("#figure-conversations .number")).to_have_text(
            str(len(pilot_day.conversations))
        )
        expect(page.locator("#figure-escalations .number")).to_have_text(
            str(len(pilot_day.escalations))
        )
        chart = page.locator("svg.chart").first
        expect(chart).to_be_visible()
        assert chart.bounding_box()["height"] > 50 and chart.locator("rect.bar").count() >= 1
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT_DIR / "nurse-dashboard.png"), full_page=True)
        [sender] = [s for s in pilot_day.conversations if s.startswith("escalated")]
        page.locator(f"a[href='/nurse/conversations/{sender}']").first.click()
        expect(page.get_by_role("heading", name=re.compile("Conversation"))).to_be_visible()
        expect(page.locator("tr.line-patient").first).to_contain_text(
            pilot_day.conversations[sender][0]
        )
    finally:
        context.close()


# The inbox (/nurse/inbox): questions to add to the FAQ or dismiss, decisions kept for good.

INBOX_TOPIC = "utter_faq/ductogram_what_is"
GROUP = re.compile(
    r'<section class="group" aria-labelledby="group-\d+" data-key="([^"]*)">\s*'
    r'<h3 id="group-\d+">(.*?)</h3>',
    re.S,
)


@pytest.fixture(scope="module")
def inbox_questions(assistant: RunningAssistant, pilot_day) -> list[str]:
    """Questions the assistant cannot answer, asked over REST, each in its own conversation."""
    asked = [
        "do you validate parking tickets for the hospital garage",
        "recommend a good pizza place near the clinic",
    ]
    for text in asked:
        replies = assistant.send(f"inbox-{uuid.uuid4().hex[:8]}", text)
        bodies = [r.get("text", "").split("\nSource")[0].strip() for r in replies]
        assert not set(bodies) & set(ANSWER_TOPICS), f"{text!r} was answered: {replies}"
    return asked


def inbox_groups(assistant) -> dict[str, str]:
    """{question as shown: its group's key} on the inbox page."""
    reply = get(assistant, "/nurse/inbox", headers=BEARER)
    assert reply.status_code == 200
    return {html_module.unescape(text): key for key, text in GROUP.findall(reply.text)}


def decide(assistant, who: str = "nurse", **form: str) -> requests.Response:
    """A decision posted by STAFF[who], signed in with her own password."""
    return signed_in(assistant, who).post(
        f"{assistant.web_url}/nurse/inbox/decide", data=form, allow_redirects=False, timeout=30
    )


def review_rows(assistant, sql: str, *parameters) -> list[tuple]:
    """Rows of the review database, read with SQL."""
    with closing(sqlite3.connect(assistant.review_db)) as db:
        return db.execute(sql, parameters).fetchall()


def decisions(assistant, key: str) -> list[tuple]:
    return review_rows(
        assistant,
        "SELECT kind, topic, reason, sample_text, decided_by, decided_at"
        " FROM inbox_decisions WHERE group_key = ?",
        key,
    )


def all_decisions(assistant) -> int:
    return review_rows(assistant, "SELECT count(*) FROM inbox_decisions")[0][0]


def just_now(stored: str) -> bool:
    when = dt.datetime.fromisoformat(stored).replace(tzinfo=dt.timezone.utc)
    return abs((dt.datetime.now(dt.timezone.utc) - when).total_seconds()) < 600


def test_an_unanswered_question_reaches_the_inbox_and_leaves_it_once_added(
    assistant, inbox_questions
):
    question = inbox_questions[0]
    groups = inbox_groups(assistant)
    assert question in groups and "what's the capital of france?" in groups
    assert "my number is [phone], email [e-mail], can you fix my car?" in groups
    added = decide(assistant, key=groups[question], kind="add_example", topic=INBOX_TOPIC)
    assert added.status_code == 303 and added.headers["Location"].startswith("/nurse/inbox?")
    assert question not in inbox_groups(assistant)
    [(kind, topic, reason, sample, who, when)] = decisions(assistant, groups[question])
    assert (kind, topic, reason, sample, who) == (
        "add_example",
        INBOX_TOPIC,
        None,
        question,
        NURSE_NAME,
    )
    assert just_now(when)
    assert review_rows(
        assistant, "SELECT kind, topic, text, status, created_by FROM proposals"
    ) == [("example", INBOX_TOPIC, question, "draft", NURSE_NAME)]
    # Asked again in other words, it stays away: the decision holds for similar wordings.
    assistant.send(
        f"inbox-{uuid.uuid4().hex[:8]}", "Do you validate parking tickets for the garage?"
    )
    assert not any("parking" in shown for shown in inbox_groups(assistant))


def test_a_dismissed_question_leaves_the_inbox_with_its_reason(assistant, inbox_questions):
    question = inbox_questions[1]
    key = inbox_groups(assistant)[question]
    assert decide(assistant, key=key, kind="dismiss", reason="off_topic").status_code == 303
    assert question not in inbox_groups(assistant)
    [(kind, _, reason, _, who, when)] = decisions(assistant, key)
    assert (kind, reason, who) == ("dismiss", "off_topic", NURSE_NAME) and just_now(when)


@pytest.mark.parametrize(
    "form,problem",
    [
        ({"kind": "add_example", "topic": "utter_faq/no_such_topic"}, "Please pick a topic"),
        ({"kind": "new_topic", "title": "  "}, "Please give the new topic a title"),
        ({"kind": "dismiss", "reason": "boring"}, "Please pick why it is dismissed"),
    ],
)
def test_a_bad_decision_gets_a_clear_message_and_stores_nothing(
    assistant, inbox_questions, form, problem
):
    before = all_decisions(assistant)
    key = inbox_groups(assistant)["what's the capital of france?"]
    refused = decide(assistant, key=key, **form)
    assert refused.status_code == 400
    assert problem in refused.text and "Nothing was saved." in refused.text
    assert "what&#39;s the capital of france?" in refused.text, "the inbox shows again"
    assert all_decisions(assistant) == before
    assert "what's the capital of france?" in inbox_groups(assistant)


def test_a_decision_from_another_site_is_refused(assistant, inbox_questions):
    before = all_decisions(assistant)
    key = inbox_groups(assistant)["what's the capital of france?"]
    reply = signed_in(assistant, "nurse").post(
        f"{assistant.web_url}/nurse/inbox/decide",
        data={"key": key, "kind": "dismiss", "reason": "nonsense"},
        headers={"Origin": "https://evil.example"},
        allow_redirects=False,
        timeout=30,
    )
    assert reply.status_code == 403 and all_decisions(assistant) == before
    assert get(assistant, "/nurse/inbox").status_code == 401, "signed in only"


def test_inbox_in_a_browser(browser, assistant, pilot_day, inbox_questions):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        sign_in_with_the_form(page, assistant, "nurse", "/nurse")
        page.get_by_role("link", name="Inbox").click()
        expect(page.get_by_role("heading", name=re.compile("Inbox"))).to_be_visible()
        car = page.locator("section.group", has_text="can you fix my car?")
        expect(car.get_by_role("heading")).to_have_text(
            "my number is [phone], email [e-mail], can you fix my car?"
        )
        expect(car.get_by_label("Add as an example of")).to_be_visible()
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT_DIR / "nurse-inbox.png"), full_page=True)
        car.get_by_label("Dismiss as").select_option("nonsense")
        car.get_by_role("button", name="Dismiss").click()
        expect(page.locator("#saved")).to_be_visible()
        expect(page.locator("section.group", has_text="can you fix my car?")).to_have_count(0)
    finally:
        context.close()


# Sign-off (/nurse/proposals): a clinician signs off what the inbox proposes, or sends it back.


def proposals_in_sql(assistant) -> dict[int, tuple]:
    """{id: (status, created_by, reviewed_by, reviewed_at, review_note)} in the review database."""
    rows = review_rows(
        assistant,
        "SELECT id, status, created_by, reviewed_by, reviewed_at, review_note FROM proposals",
    )
    return {row[0]: row[1:] for row in rows}


def history_of(assistant, proposal: int) -> list[tuple]:
    return review_rows(
        assistant,
        "SELECT from_status, to_status, changed_by, changed_at, note FROM proposal_history"
        " WHERE proposal_id = ? ORDER BY id",
        proposal,
    )


@pytest.fixture(scope="module")
def drafts(assistant: RunningAssistant, inbox_questions) -> dict[str, int]:
    """Proposals made in the inbox over HTTP: a new topic by the nurse and an example by the
    clinician, from questions the assistant cannot answer; {who proposed: proposal id}."""
    asked = {
        "nurse": "how do I renew my passport online",
        "clinician": "what time does the hospital cafeteria open on sundays",
    }
    for text in asked.values():
        assistant.send(f"signoff-{uuid.uuid4().hex[:8]}", text)
    groups = inbox_groups(assistant)
    made = {}
    for who, text in asked.items():
        form = (
            {"kind": "new_topic", "title": "Renewing a passport?"}
            if who == "nurse"
            else {"kind": "add_example", "topic": INBOX_TOPIC}
        )
        reply = decide(assistant, who, key=groups[text], **form)
        assert reply.status_code == 303, reply.text
        [(made[who],)] = review_rows(assistant, "SELECT id FROM proposals WHERE text = ?", text)
    return made


def review(session: requests.Session, assistant, **form: str) -> requests.Response:
    return session.post(
        f"{assistant.web_url}/nurse/proposals/review",
        data=form,
        allow_redirects=False,
        timeout=30,
    )


def test_a_nurse_sees_the_proposals_but_cannot_sign_off(assistant, drafts):
    nurse = signed_in(assistant, "nurse")
    page = nurse.get(f"{assistant.web_url}/nurse/proposals", timeout=30)
    assert page.status_code == 200
    assert "Renewing a passport?" in page.text and "how do I renew my passport online" in page.text
    assert NURSE_NAME in page.text and CLINICIAN_NAME in page.text, "who proposed each"
    assert "Sign off</button>" not in page.text and "Send back</button>" not in page.text
    before = proposals_in_sql(assistant)
    refused = review(nurse, assistant, proposal=str(drafts["nurse"]), action="sign_off")
    assert refused.status_code == 403
    assert (
        "Only a clinician can sign off" in refused.text and "Nothing was changed." in refused.text
    )
    assert proposals_in_sql(assistant) == before
    assert [h[:3] for h in history_of(assistant, drafts["nurse"])] == [(None, "draft", NURSE_NAME)]


def test_the_token_reads_the_dashboard_but_cannot_decide_or_sign_off(assistant, drafts):
    assert get(assistant, "/nurse", headers=BEARER).status_code == 200
    assert get(assistant, "/nurse/export/feedback.csv", headers=BEARER).status_code == 200
    page = get(assistant, "/nurse/proposals", headers=BEARER)
    assert page.status_code == 200 and "Sign off</button>" not in page.text
    before, decided = proposals_in_sql(assistant), all_decisions(assistant)
    for path, form in [
        ("/nurse/proposals/review", {"proposal": str(drafts["nurse"]), "action": "sign_off"}),
        ("/nurse/inbox/decide", {"key": "capital france whats", "kind": "dismiss"}),
    ]:
        refused = requests.post(f"{assistant.web_url}{path}", data=form, headers=BEARER, timeout=30)
        assert refused.status_code == 403 and "can only read" in refused.text, path
    assert proposals_in_sql(assistant) == before and all_decisions(assistant) == decided


def test_a_clinician_signs_off_with_her_name_and_the_date(assistant, drafts):
    clinician = signed_in(assistant, "clinician")
    page = clinician.get(f"{assistant.web_url}/nurse/proposals", timeout=30).text
    assert f'aria-label="Sign off proposal {drafts["nurse"]}"' in page
    signed = review(clinician, assistant, proposal=str(drafts["nurse"]), action="sign_off")
    assert signed.status_code == 303
    status, created_by, reviewed_by, reviewed_at, note = proposals_in_sql(assistant)[
        drafts["nurse"]
    ]
    assert (status, created_by, reviewed_by, note) == (
        "reviewed",
        NURSE_NAME,
        CLINICIAN_NAME,
        None,
    )
    assert just_now(reviewed_at)
    [made, change] = history_of(assistant, drafts["nurse"])
    assert made[:3] == (None, "draft", NURSE_NAME)
    assert change[:3] == ("draft", "reviewed", CLINICIAN_NAME) and just_now(change[3])
    again = review(
        clinician, assistant, proposal=str(drafts["nurse"]), action="send_back", note="x"
    )
    assert again.status_code == 409 and "reviewed that change first" in again.text
    assert len(history_of(assistant, drafts["nurse"])) == 2


def test_a_clinician_sends_back_her_own_proposal_with_a_note(assistant, drafts):
    clinician = signed_in(assistant, "clinician")
    own = str(drafts["clinician"])
    no_note = review(clinician, assistant, proposal=own, action="send_back", note=" ")
    assert no_note.status_code == 400 and "Please say in the note why" in no_note.text
    assert proposals_in_sql(assistant)[drafts["clinician"]][0] == "draft"
    sent = review(clinician, assistant, proposal=own, action="send_back", note="Not about us")
    assert sent.status_code == 303
    status, created_by, reviewed_by, _, note = proposals_in_sql(assistant)[drafts["clinician"]]
    assert (status, created_by, reviewed_by, note) == (
        "rejected",
        CLINICIAN_NAME,
        CLINICIAN_NAME,
        "Not about us",
    )
    assert history_of(assistant, drafts["clinician"])[-1][4] == "Not about us"
    page = clinician.get(f"{assistant.web_url}/nurse/proposals", timeout=30).text
    assert "(own proposal)" in page


def test_sign_off_in_a_browser(browser, assistant):
    # Its own draft, so that it does not depend on what the tests before it left.
    wording = "do you sell gift vouchers for the hospital shop"
    assistant.send(f"signoff-{uuid.uuid4().hex[:8]}", wording)
    reply = decide(
        assistant,
        "nurse",
        key=inbox_groups(assistant)[wording],
        kind="add_example",
        topic=INBOX_TOPIC,
    )
    assert reply.status_code == 303, reply.text
    [(proposal,)] = review_rows(assistant, "SELECT id FROM proposals WHERE text = ?", wording)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        sign_in_with_the_form(page, assistant, "clinician", "/nurse/proposals")
        expect(page.locator("#signed-in-as")).to_have_text(f"{CLINICIAN_NAME}, clinician")
        page.get_by_role("link", name="Proposals").click()
        row = page.locator(f"#proposal-{proposal}")
        expect(row).to_contain_text(wording)
        expect(row).to_contain_text("Draft")
        row.get_by_role("button", name=f"Sign off proposal {proposal}").click()
        expect(page.locator("#saved")).to_have_text("Signed off.")
        expect(row).to_contain_text("Signed off")
        expect(row).to_contain_text(f"by {CLINICIAN_NAME}")
        expect(row.get_by_role("button")).to_have_count(0)
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT_DIR / "nurse-proposals.png"), full_page=True)
    finally:
        context.close()
    status, _, reviewed_by, reviewed_at, _ = proposals_in_sql(assistant)[proposal]
    assert (status, reviewed_by) == ("reviewed", CLINICIAN_NAME) and just_now(reviewed_at)


# The answer editor (/nurse/answers). Its web server checks copying against the real documents'
# fingerprints plus those of one made-up sentence (SEED_FINGERPRINTS_FILE), so that a test can
# copy a run without the documents' words being in the repository.
MADE_UP_SOURCE = "the little radiographer carefully warmed seven purple blankets before lunch"
EDITED = "utter_faq/ductogram_duration"
GRADE_12 = (
    "Galactography necessitates cannulation of the secreting lactiferous duct, subsequently "
    "administering iodinated radiocontrast, facilitating comprehensive visualisation."
)


@pytest.fixture(scope="module")
def answers_web(model_path, tmp_path_factory) -> RunningAssistant:
    """The web server alone, with its own review database."""
    from core.copying import fingerprints_of

    workdir = tmp_path_factory.mktemp("answers")
    prints = json.loads(FINGERPRINTS_FILE.read_text())
    prints["documents"]["made_up_for_the_test"] = {"fingerprints": fingerprints_of(MADE_UP_SOURCE)}
    (workdir / "fingerprints.json").write_text(json.dumps(prints))
    running = start_assistant(
        model_path,
        workdir,
        SERVERS="web",
        SEED_FINGERPRINTS_FILE=str(workdir / "fingerprints.json"),
    )
    yield running
    running.stop()


def edit_form(**changes) -> dict:
    proposal = {"why": "Patients asked how long it takes in total.", "action": "propose"}
    return pages.edit_form(EDITED, **(proposal | changes))


def answer_edits(assistant) -> list[tuple]:
    return review_rows(
        assistant, "SELECT id, topic, text, status, proposed_by, why, reviewed_by FROM answer_edits"
    )


def test_answers_are_listed_searched_and_opened(answers_web):
    nurse = signed_in(answers_web, "nurse")
    listing = nurse.get(f"{answers_web.web_url}/nurse/answers", timeout=30)
    assert listing.status_code == 200
    titles = [row[0] for row in table_rows(listing.text, "topics-table")]
    assert sorted(titles) == sorted(faq_titles().values())
    found = nurse.get(f"{answers_web.web_url}/nurse/answers", params={"q": "prolactin"}, timeout=30)
    assert 0 < len(table_rows(found.text, "topics-table")) < len(titles)
    topic = published_topics()[EDITED]
    opened = nurse.get(f"{answers_web.web_url}/nurse/answers/ductogram_duration", timeout=30)
    page = html_module.unescape(opened.text)
    assert topic.text in page and all(example in page for example in topic.examples)
    [source] = topic.sources
    assert f'value="{source.document}/{source.section}" selected' in opened.text
    # The editor's one script is its own file (live checks); nothing inline.
    assert opened.headers["Content-Security-Policy"].startswith(
        "default-src 'none'; script-src 'self'; connect-src 'self';"
    )
    assert re.findall(r"<script\b[^>]*>", opened.text) == [
        '<script src="/nurse/static/answer-checks.js" defer>'
    ]


def test_answers_overdue_lists_topics_never_signed_off(answers_web):
    listing = get(answers_web, "/nurse/answers", headers=BEARER)
    overdue = table_rows(listing.text, "overdue-table") if "overdue-table" in listing.text else []
    # No answer has been signed off in this fresh review database: each is overdue once its
    # file's last commit is more than a year old, or never reviewed outside git.
    for _, last, review_by in overdue:
        assert review_by.endswith("overdue")
        assert last == "never reviewed" or last.endswith("(file changed)")


def test_answers_a_grade_12_edit_is_refused_with_its_reason_and_nothing_stored(answers_web):
    nurse = signed_in(answers_web, "nurse")
    reply = nurse.post(
        f"{answers_web.web_url}/nurse/answers/edit", data=edit_form(text=GRADE_12), timeout=30
    )
    assert reply.status_code == 400
    page = html_module.unescape(reply.text)
    assert "“How long does a ductogram take?” reads at school grade" in page
    assert "Use shorter sentences" in page
    assert GRADE_12 in page, "what was typed comes back"
    assert answer_edits(answers_web) == []


def test_answers_words_copied_from_a_source_are_refused(answers_web):
    nurse = signed_in(answers_web, "nurse")
    text = f"Before the test, {MADE_UP_SOURCE}. It takes about half an hour."
    for action in ("check", "propose"):
        reply = nurse.post(
            f"{answers_web.web_url}/nurse/answers/edit",
            data=edit_form(text=text, action=action),
            timeout=30,
        )
        assert reply.status_code == 400
        page = html_module.unescape(reply.text)
        assert f'copied run of 10 words: "{MADE_UP_SOURCE}"' in page
        assert "Say it in your own words" in page
    assert answer_edits(answers_web) == []


def test_answers_proposing_needs_a_reason(answers_web):
    nurse = signed_in(answers_web, "nurse")
    checked = nurse.post(
        f"{answers_web.web_url}/nurse/answers/edit",
        data=edit_form(why="", action="check"),
        timeout=30,
    )
    assert checked.status_code == 200 and 'id="saved"' in checked.text
    refused = nurse.post(
        f"{answers_web.web_url}/nurse/answers/edit", data=edit_form(why=""), timeout=30
    )
    assert refused.status_code == 400 and "Please say why you make this change" in refused.text
    assert answer_edits(answers_web) == []


def test_answers_a_good_edit_is_a_draft_a_clinician_signs_off_with_its_history(answers_web):
    topic = published_topics()[EDITED]
    new_text = topic.text.replace(topic.text.split()[0], "Usually,", 1)
    nurse = signed_in(answers_web, "nurse")
    reply = nurse.post(
        f"{answers_web.web_url}/nurse/answers/edit",
        data=edit_form(text=new_text),
        allow_redirects=False,
        timeout=30,
    )
    assert reply.status_code == 303, reply.text
    [(edit_id, topic_key, text, status, by, why, reviewed_by)] = answer_edits(answers_web)
    assert (topic_key, text, status, by, reviewed_by) == (
        EDITED,
        new_text,
        "draft",
        NURSE_NAME,
        None,
    )
    assert why == "Patients asked how long it takes in total."

    refused = nurse.post(
        f"{answers_web.web_url}/nurse/proposals/review-edit",
        data={"proposal": edit_id, "action": "sign_off"},
        timeout=30,
    )
    assert refused.status_code == 403 and answer_edits(answers_web)[0][3] == "draft"

    clinician = signed_in(answers_web, "clinician")
    signed = clinician.post(
        f"{answers_web.web_url}/nurse/proposals/review-edit",
        data={"proposal": edit_id, "action": "sign_off"},
        allow_redirects=False,
        timeout=30,
    )
    assert signed.status_code == 303
    assert answer_edits(answers_web)[0][3:] == ("reviewed", NURSE_NAME, why, CLINICIAN_NAME)

    history = nurse.get(f"{answers_web.web_url}/nurse/answers/ductogram_duration", timeout=30).text
    version = re.search(rf'id="version-{edit_id}">(.*?)</div>', history, re.S).group(1)
    assert f"<del>{html_module.escape(topic.text.split()[0])}</del>" in version
    assert "<ins>Usually,</ins>" in version and NURSE_NAME in version and "Signed off" in version
    listing = nurse.get(f"{answers_web.web_url}/nurse/answers", timeout=30).text
    assert topic.title not in str(
        table_rows(listing, "overdue-table") if "overdue-table" in listing else ""
    )


def test_answers_editor_in_a_browser(browser, answers_web):
    topic = published_topics()[EDITED]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        sign_in_with_the_form(page, answers_web, "nurse", "/nurse/answers")
        page.goto(f"{answers_web.web_url}/nurse/answers")  # this web server has no dashboard
        page.get_by_role("link", name=topic.title).first.click()
        expect(page.get_by_role("heading", name=topic.title)).to_be_visible()
        expect(page.get_by_label("Answer", exact=True)).to_have_value(topic.text)
        page.get_by_label("Answer", exact=True).fill(GRADE_12)
        page.get_by_role("button", name="Check").click()
        expect(page.locator("#problems")).to_contain_text("reads at school grade")
        expect(page.get_by_label("Answer", exact=True)).to_have_value(GRADE_12)
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT_DIR / "nurse-answers.png"), full_page=True)
    finally:
        context.close()
