"""The nurses' dashboard over a real SQLite tracker store, filled by holding real conversations
with the running assistant: every figure and both exports are checked against what happened."""

from __future__ import annotations

import csv
import datetime as dt
import html as html_module
import io
import re
import shutil
import sqlite3
import subprocess
import uuid
from collections import Counter
from contextlib import closing
from dataclasses import dataclass, field

import pytest
import requests
from conftest import NURSE_TOKEN, PROJECT_ROOT, SCREENSHOT_DIR, RunningAssistant, triage_of
from playwright.sync_api import expect

from core.content import all_response_variants, faq_responses, faq_titles
from core.review.report import topic_name
from webapp.store import ConversationStore

PHONE, EMAIL = "+1 555 010 0199", "jane.doe@example.org"
ANSWER_TOPICS = {response["text"].strip(): name for name, response in faq_responses().items()}
UNANSWERED_TEXTS = {
    all_response_variants()[name][0]["text"].strip()
    for name in ("utter_out_of_scope", "utter_ask_rephrase", "utter_how_can_i_help")
}
BEARER = {"Authorization": f"Bearer {NURSE_TOKEN}"}


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
    body = re.search(rf'<table id="{table_id}">.*?<tbody>(.*?)</tbody>', html, re.S).group(1)
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
    wrong = requests.post(
        f"{assistant.web_url}/nurse/sign-in",
        data={"token": "nope"},
        allow_redirects=False,
        timeout=10,
    )
    assert wrong.status_code == 401 and "not right" in wrong.text
    session = requests.Session()
    signed_in = session.post(
        f"{assistant.web_url}/nurse/sign-in",
        data={"token": NURSE_TOKEN},
        allow_redirects=False,
        timeout=10,
    )
    assert signed_in.status_code == 303
    cookie = signed_in.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and NURSE_TOKEN not in cookie
    assert session.get(f"{assistant.web_url}/nurse", timeout=10).status_code == 200
    session.post(f"{assistant.web_url}/nurse/sign-out", timeout=10)
    assert (
        session.get(f"{assistant.web_url}/nurse", timeout=10, allow_redirects=False).status_code
        == 401
    )


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
    assert (
        subprocess.run(
            ["make", "--no-print-directory", "purge"], cwd=PROJECT_ROOT, capture_output=True
        ).returncode
        != 0
    )


def test_dashboard_in_a_browser(browser, assistant, pilot_day):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{assistant.web_url}/nurse")
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        page.get_by_label("Access token").fill(NURSE_TOKEN)
        page.get_by_role("button", name="Sign in").click()
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


def decide(assistant, **form: str) -> requests.Response:
    return requests.post(
        f"{assistant.web_url}/nurse/inbox/decide",
        data=form,
        headers=BEARER,
        allow_redirects=False,
        timeout=30,
    )


def decisions(assistant, key: str) -> list[tuple]:
    with closing(sqlite3.connect(assistant.review_db)) as db:
        return db.execute(
            "SELECT kind, topic, reason, sample_text, decided_by, decided_at"
            " FROM inbox_decisions WHERE group_key = ?",
            (key,),
        ).fetchall()


def all_decisions(assistant) -> int:
    with closing(sqlite3.connect(assistant.review_db)) as db:
        return db.execute("SELECT count(*) FROM inbox_decisions").fetchone()[0]


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
        "nurse",
    )
    assert just_now(when)
    with closing(sqlite3.connect(assistant.review_db)) as db:
        assert db.execute("SELECT kind, topic, text, status FROM proposals").fetchall() == [
            ("example", INBOX_TOPIC, question, "draft")
        ]
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
    assert (kind, reason, who) == ("dismiss", "off_topic", "nurse") and just_now(when)


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
    reply = requests.post(
        f"{assistant.web_url}/nurse/inbox/decide",
        data={"key": key, "kind": "dismiss", "reason": "nonsense"},
        headers={**BEARER, "Origin": "https://evil.example"},
        allow_redirects=False,
        timeout=30,
    )
    assert reply.status_code == 403 and all_decisions(assistant) == before
    assert get(assistant, "/nurse/inbox").status_code == 401, "signed in only"


def test_inbox_in_a_browser(browser, assistant, pilot_day, inbox_questions):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{assistant.web_url}/nurse")
        page.get_by_label("Access token").fill(NURSE_TOKEN)
        page.get_by_role("button", name="Sign in").click()
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
