"""The dashboard's figures as the database counts them (webapp/review_queries.py), on a real
SQLite tracker store filled with the events Rasa writes: they must equal what walking every
event in Python gives (tests/review_oracle.py, the dashboard's code before), on whole days,
on periods that cut conversations in two, a page and a search at a time."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from review_oracle import build_report, events_between, hand_checked_day

from bench.clinic import (
    EVENTS_INDEX,
    EVENTS_TABLE,
    INSERT_EVENT,
    Conversation,
    conversation_events,
    event_row,
    fill,
)
from core.review.pages import matching, paginate
from core.review.report import ConversationSummary
from webapp.store import ConversationStore

FIRST_DAY = dt.date(2026, 11, 20)
MIDNIGHT = {
    offset: dt.datetime.combine(
        FIRST_DAY + dt.timedelta(days=offset), dt.time.min, dt.timezone.utc
    ).timestamp()
    for offset in range(4)
}
SECOND_DAY = (MIDNIGHT[1], MIDNIGHT[2])
PERIODS = {
    "three whole days": (MIDNIGHT[0], MIDNIGHT[3]),
    # Conversations running past midnight, and a thumb pressed the next morning, are cut.
    "the second day": SECOND_DAY,
    "two hours": (MIDNIGHT[1] + 12 * 3600, MIDNIGHT[1] + 14 * 3600),
    "nothing happened": (MIDNIGHT[3] + 86400, MIDNIGHT[3] + 2 * 86400),
}
# The database looks for the longest plain word first (review_queries._prefilter_word): "mail"
# and "one" are parts of the masks "[e-mail]" and "[phone]", which only the masked text holds.
SEARCHES = [
    "capital",
    "CAPITAL france",
    "phone",
    "555",
    "téléphone",
    "ductogram hurt",
    "zebra",
    "mail Hurt",
    "one",
]


def edge_cases() -> list[tuple]:
    """Conversations the generator does not make, each around the second day's midnight."""
    rng = random.Random(5)
    conversations = []

    def conversation(sender: str, start: float) -> Conversation:
        talk = Conversation(rng, sender, start)
        talk.session_start()
        conversations.append(talk)
        return talk

    # Answered before midnight, rated by thumb after it.
    late = conversation("thumb-after-midnight", MIDNIGHT[1] - 300)
    late.ask_faq()
    late.clock = MIDNIGHT[1] + 60
    late.rate(by_thumb=True)
    # A message with no intent at all, then not answered.
    no_intent = conversation("no-intent", MIDNIGHT[1] + 1000)
    no_intent.user("zzz", "greet")
    no_intent.events[-2]["parse_data"] = {}
    no_intent.utter("utter_ask_rephrase", "Sorry?")
    # Asked minutes before midnight, not answered a second after.
    across = conversation("across-midnight", MIDNIGHT[1] - 300)
    across.user("what about the cream", "faq", "ductogram_aftercare")
    across.clock = MIDNIGHT[1] + 1
    across.utter("utter_ask_rephrase", "Sorry?")
    # An escalation at a level and for a rule data/red_flags.yml does not have.
    odd = conversation("unknown-level", MIDNIGHT[1] + 2000)
    odd.user("something strange", "red_flag")
    odd.action("utter_red_flag")
    odd.bot("utter_red_flag", "", None, {"triage": {"level": "severe", "reasons": ["made_up"]}})
    odd.action("action_listen")
    # One escalation at each of the rule book's levels: the generator samples rules at random,
    # and only 2 of its rules are routine.
    for level, rule in (
        ("emergency", "fainting"),
        ("urgent", "lump"),
        ("routine", "pregnant_before_test"),
    ):
        each = conversation(f"level-{level}", MIDNIGHT[1] + 2500)
        each.user("a sign", "red_flag")
        each.action("utter_red_flag")
        each.bot("utter_red_flag", "", None, {"triage": {"level": level, "reasons": [rule]}})
        each.action("action_listen")
    # Words the masking must hide, in letters beyond ASCII.
    abroad = conversation("abroad", MIDNIGHT[1] + 3000)
    abroad.user("Téléphone: +33 6 12 34 56 78, quand ouvrez-vous?", "out_of_scope")
    abroad.utter("utter_out_of_scope", "Sorry, I can only help with the ductogram test.")
    # A rating slot that is not a rating; a thumb followed straight by "please rephrase";
    # two unanswered replies to one message.
    muddled = conversation("muddled", MIDNIGHT[1] + 4000)
    muddled.ask_faq()
    muddled.events.append(
        {"event": "slot", "timestamp": muddled.clock, "name": "answer_feedback", "value": None}
    )
    muddled.user("/feedback_helpful", "feedback_helpful")
    muddled.utter("utter_ask_rephrase", "Sorry?")
    muddled.user("tell me the thing", "faq", "ductogram_steps")
    muddled.action("utter_ask_rephrase")
    muddled.utter("utter_out_of_scope", "Sorry, I can only help with the ductogram test.")
    return [event_row(c.sender, event) for c in conversations for event in c.events]


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("clinic") / "tracker.db"
    fill(path, FIRST_DAY, days=3, per_day=80, seed=7)
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.executemany(INSERT_EVENT, edge_cases())
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def store(store_url: str) -> ConversationStore:
    return ConversationStore(store_url, read_only=True)


def summary(conversation: dict) -> ConversationSummary:
    return ConversationSummary(
        conversation["id"],
        conversation["started"],
        conversation["messages"],
        conversation["escalation"],
    )


@pytest.mark.parametrize("period", sorted(PERIODS))
def test_the_figures_equal_walking_every_event(store, store_url, period):
    start, end = PERIODS[period]
    expected, _ = build_report(events_between(store_url, start, end))
    report, _ = store.dashboard(start, end)
    assert report == expected
    assert store.unanswered(start, end) == expected.unanswered  # the CSV downloads
    assert store.ratings(start, end) == expected.ratings
    if period == "three whole days":
        # Every kind of figure is there to compare.
        assert report.conversations > 200 and report.unanswered and report.ratings
        assert {"emergency", "urgent", "routine", "severe"} <= set(report.escalations_by_level)
        assert ("made_up", "made up", 1) in report.escalations_by_reason


@pytest.mark.parametrize("period", ["three whole days", "the second day"])
@pytest.mark.parametrize("number,per_page", [(1, 50), (2, 7), (5, 7), (99, 7), (0, 7), (1, 1000)])
def test_a_page_of_conversations_is_the_same_page(store, store_url, period, number, per_page):
    start, end = PERIODS[period]
    _, conversations = build_report(events_between(store_url, start, end))
    expected = paginate([summary(c) for c in conversations], number, per_page)
    _, page = store.dashboard(start, end, "", number, per_page)
    assert page == expected


@pytest.mark.parametrize("words", SEARCHES)
def test_a_search_finds_the_same_conversations(store, store_url, words):
    start, end = PERIODS["three whole days"]
    expected_report, conversations = build_report(events_between(store_url, start, end))
    found = matching(conversations, words, lambda c: c["said"])
    report, page = store.dashboard(start, end, words, 2, 5)
    assert page == paginate([summary(c) for c in found], 2, 5)
    assert report == expected_report, "the figures stay those of the whole period"


def test_searches_see_only_masked_words(store):
    start, end = PERIODS["three whole days"]
    assert store.dashboard(start, end, "555")[1].total == 0
    assert store.dashboard(start, end, "33 6 12")[1].total == 0
    assert "abroad" in [c.id for c in store.dashboard(start, end, "téléphone [phone]")[1].items]


def test_edge_cases_are_counted_as_the_walk_counts_them(store):
    start, end = SECOND_DAY
    report, _ = store.dashboard(start, end, "", 1, 200)
    asked = {a["conversation"] for item in report.unanswered for a in item.asked}
    # Not answered: a message with no intent, one of two replies, foreign words masked;
    # not: a message sent before the period, a thumb.
    assert {"no-intent", "abroad"} <= asked and "across-midnight" not in asked
    assert [a["conversation"] for item in report.unanswered for a in item.asked].count(
        "muddled"
    ) == 1
    assert any(item.text == "Téléphone: [phone], quand ouvrez-vous?" for item in report.unanswered)
    listed = {c.id for c in store.dashboard(start, end, "", 1, 200)[1].items}
    assert "thumb-after-midnight" not in listed, "a thumb alone is not a conversation"


def test_the_hand_checked_day(tmp_path: Path):
    """A small day whose figures were worked out by hand."""
    day = 1_795_000_000.0

    events = [(e.pop("sender_id"), e) for e in hand_checked_day(day)]
    events.append(("c", {"event": "session_started", "timestamp": day}))
    path = tmp_path / "tracker.db"
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute(EVENTS_TABLE)
        connection.executemany(INSERT_EVENT, [event_row(sender, e) for sender, e in events])
    report, page = ConversationStore(f"sqlite:///{path}").dashboard(day - 10, day + 10)
    assert (report.conversations, report.messages) == (2, 3)  # the thumb is a rating
    assert report.topics == [("What is a ductogram?", 1)]  # its title, from data/nlu/
    [unanswered] = report.unanswered
    assert (unanswered.text, unanswered.count) == ("Capital of France?", 2)
    assert report.escalations_by_level == {"urgent": 1}
    assert report.escalations_by_reason == [("lump", "you have a lump", 1)]
    [ratings] = report.ratings
    assert (ratings.answer, ratings.helpful, ratings.not_helpful) == (
        "utter_faq/ductogram_what_is",
        0,
        1,
    )
    assert {c.id: c.escalation for c in page.items} == {"a": None, "b": "urgent"}


def test_rows_are_written_as_rasa_writes_them(tmp_path: Path):
    """The generator's rows (bench/clinic.py) are those Rasa's own SQL tracker store writes
    for the same conversations, in a table made as Rasa makes it."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.trackers import DialogueStateTracker

    rasa_store = SQLTrackerStore(dialect="sqlite", db=str(tmp_path / "rasa.db"))
    rng = random.Random(3)
    ours = []
    for number in range(30):
        sender = f"patient-{number}"
        events = conversation_events(rng, sender, 1_795_000_000.0 + number * 600)
        ours += [event_row(sender, event) for event in events]
        asyncio.run(rasa_store.save(DialogueStateTracker.from_dict(sender, events)))
    with closing(sqlite3.connect(tmp_path / "rasa.db")) as connection:
        theirs = connection.execute(
            "SELECT sender_id, type_name, timestamp, intent_name, action_name, data"
            " FROM events ORDER BY id"
        ).fetchall()
        schema = [row[0] for row in connection.execute("SELECT sql FROM sqlite_master")]
    assert {row[1] for row in ours} >= {"user", "bot", "action", "slot", "session_started"}
    assert theirs == ours
    assert schema == [EVENTS_TABLE, EVENTS_INDEX]
