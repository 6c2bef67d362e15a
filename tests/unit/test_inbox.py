"""The nurses' inbox: grouping by similar wording (core/review/inbox.py), the messages the
database finds for it (webapp/review_queries.py) on a real SQLite tracker store filled with the
events Rasa writes (bench/clinic.py), and decisions kept in a real review database
(webapp/review_db.py) that hide the question for good."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
import sqlalchemy as sa

from bench.clinic import INSERT_EVENT, Conversation, create_events_table, event_row, fill
from core.content import faq_titles
from core.review.inbox import (
    ADD_EXAMPLE,
    DISMISS,
    LOW_CONFIDENCE,
    NEW_TOPIC,
    NOT_HELPFUL,
    UNANSWERED,
    DecidedGroups,
    InboxMessage,
    NotAccepted,
    WordSets,
    group_messages,
    key_of,
    picked_a_suggestion,
    ranked_topics,
    read_decision,
    similar,
    words_of,
)
from webapp.review_db import DECISIONS, PROPOSALS, AlreadyDecided, ReviewDatabase
from webapp.store import ConversationStore

DAY = dt.datetime(2026, 11, 20, tzinfo=dt.timezone.utc).timestamp()
TOPIC = "utter_faq/ductogram_what_is"


def message(row: int, text: str, why: str = UNANSWERED, ranked=(), at: float = 0) -> InboxMessage:
    return InboxMessage(row, text, DAY + (at or row), f"c{row}", why, tuple(ranked))


# Grouping


def test_similar_wordings_group_and_the_most_asked_come_first():
    groups = group_messages(
        [
            message(1, "Can you fix my car?"),
            message(2, "What's the capital of France?"),
            message(3, "whats the capital of france"),
            message(4, "capital of France??"),
            message(5, "can u fix my car"),
            message(6, "Can I drive after the test?"),
        ]
    )
    assert [(g.text, g.count) for g in groups] == [
        ("What's the capital of France?", 3),
        ("Can you fix my car?", 2),
        ("Can I drive after the test?", 1),
    ]
    assert groups[0].wordings == [
        "What's the capital of France?",
        "whats the capital of france",
        "capital of France??",
    ]
    assert groups[0].key == "capital france whats"


def test_grouping_is_deterministic_whatever_order_the_rows_come_in():
    messages = [message(n, text) for n, text in enumerate(["a b c", "a b c d", "x y", "b c d e"])]
    expected = group_messages(messages)
    for seed in range(5):
        shuffled = messages[:]
        random.Random(seed).shuffle(shuffled)
        assert group_messages(shuffled) == expected


def test_words_are_masked_lower_case_without_punctuation_or_filler():
    assert words_of("Please call me on +1 555 010 0199!") == {"call", "phone"}
    assert words_of("Is THE dye   safe?") == {"dye", "safe"}
    assert words_of("???") == frozenset()
    [group] = group_messages([message(1, "email jane.doe@example.org")])
    assert group.text == "email [e-mail]" and "jane" not in group.key


def test_a_decided_group_hides_its_messages_and_future_similar_wordings():
    first = group_messages([message(1, "What's the capital of France?")])
    decided = DecidedGroups([first[0].key])
    later = group_messages(
        [message(2, "capital of france"), message(3, "Can you fix my car?")], decided
    )
    assert [g.text for g in later] == ["Can you fix my car?"]


def test_a_message_found_for_two_reasons_counts_once_with_both():
    [group] = group_messages(
        [message(1, "dye thing?", UNANSWERED), message(1, "dye thing?", LOW_CONFIDENCE)]
    )
    assert group.count == 1 and group.reasons == ["not answered", "answered, unsure"]


def test_suggestions_are_the_topics_the_model_ranked_highest_over_the_group():
    [group] = group_messages(
        [
            message(1, "does the dye sting", ranked=["ductogram_pain", "ductogram_what_is"]),
            message(2, "does dye sting", ranked=["ductogram_what_is", "ductogram_pain"]),
            message(3, "dye sting?", ranked=["ductogram_pain"]),
        ]
    )
    assert group.suggestions == ["utter_faq/ductogram_pain", "utter_faq/ductogram_what_is"]


def test_ranked_topics_put_what_was_offered_first_then_the_models_ranking():
    reading = {"answers": [], "suggestions": ["b"], "how": "suggest"}
    ranking = [
        {"intent_response_key": "faq/a", "confidence": 0.2},
        {"intent_response_key": "faq/c", "confidence": 0.7},
        {"intent_response_key": "faq/b", "confidence": 0.1},
    ]
    assert ranked_topics(reading, ranking) == ("b", "c", "a")
    assert ranked_topics(None, None) == ()


def test_a_did_you_mean_the_patient_tapped_is_not_unanswered():
    offered = {"answers": [], "suggestions": ["x", "y"], "how": "suggest"}
    assert picked_a_suggestion(offered, {"answers": ["y"], "how": "title"})
    assert not picked_a_suggestion(offered, {"answers": ["z"], "how": "title"})
    assert not picked_a_suggestion(offered, {"answers": ["y"], "how": "classifier"})
    assert not picked_a_suggestion(offered, None)


def test_proposed_title_is_the_question_tidied():
    [group] = group_messages([message(1, "  how   long is recovery.  ")])
    assert group.proposed_title == "How long is recovery?"


# Reading a nurse's decision


@pytest.mark.parametrize(
    "form,problem",
    [
        ({"kind": ADD_EXAMPLE, "topic": "utter_faq/no_such_topic"}, "pick a topic"),
        ({"kind": NEW_TOPIC, "title": "   "}, "give the new topic a title"),
        ({"kind": NEW_TOPIC, "title": "x" * 121}, "under 120"),
        ({"kind": DISMISS, "reason": "boring"}, "off topic, a duplicate, or nonsense"),
        ({"kind": "delete_everything"}, "choose what to do"),
    ],
)
def test_bad_decisions_get_a_polite_reason(form, problem):
    with pytest.raises(NotAccepted, match=problem):
        read_decision({"key": "k", **form}, faq_titles())


def test_good_decisions_are_read():
    topics = faq_titles()
    assert read_decision({"key": "k", "kind": ADD_EXAMPLE, "topic": TOPIC}, topics).topic == TOPIC
    assert (
        read_decision({"key": "k", "kind": NEW_TOPIC, "title": " Parking  at the clinic "}, topics)
    ).title == "Parking at the clinic"
    assert read_decision({"key": "k", "kind": DISMISS, "reason": "nonsense"}, topics).reason == (
        "nonsense"
    )


# The database: what the inbox reads, and the decisions kept


def _talk(rng: random.Random, sender: str, start: float) -> Conversation:
    talk = Conversation(rng, sender, start)
    talk.session_start()
    return talk


def _reading(talk: Conversation, **parse: object) -> None:
    """Changes the last patient message's parse data (user() is followed by one event)."""
    talk.events[-2]["parse_data"].update(parse)


def inbox_day() -> list[Conversation]:
    """One conversation per way into the inbox, and the ways out of it."""
    rng = random.Random(11)
    talks = []
    off = _talk(rng, "off-topic", DAY + 100)
    off.user("Can you fix my car?", "out_of_scope")
    off.utter("utter_out_of_scope", "Sorry, I can only help with the ductogram test.")
    talks.append(off)
    # "Did you mean": one patient taps a suggestion, the other types something else.
    for sender, then in (("tapped", "What is a ductogram?"), ("ignored", "never mind")):
        talk = _talk(rng, sender, DAY + 200)
        talk.user(f"the dye thing ({sender})", "nlu_fallback")
        _reading(
            talk,
            faq_reading={"answers": [], "suggestions": ["ductogram_what_is"], "how": "suggest"},
        )
        talk.utter("utter_ask_rephrase", "Did you mean ...?")
        talk.user(then, "faq", "ductogram_what_is")
        if sender == "tapped":
            _reading(
                talk,
                faq_reading={"answers": ["ductogram_what_is"], "suggestions": [], "how": "title"},
            )
        talks.append(talk)
    unsure = _talk(rng, "unsure", DAY + 300)
    unsure.user("does the dye go in the milk duct", "faq", "ductogram_what_is")
    unsure.events[-2]["parse_data"]["response_selector"]["faq"]["response"]["confidence"] = 0.31
    unsure.action("utter_faq")
    unsure.bot(TOPIC, "A ductogram is ...")
    unsure.user("will it hurt", "faq", "ductogram_pain")
    _reading(
        unsure, faq_reading={"answers": ["ductogram_pain"], "suggestions": [], "how": "retrieval"}
    )
    unsure.action("utter_faq")
    unsure.bot("utter_faq/ductogram_pain", "Most people ...")
    talks.append(unsure)
    rated = _talk(rng, "rated-down", DAY + 400)
    rated.user("how big is the needle", "faq", "ductogram_what_is")
    rated.action("utter_faq")
    rated.bot(TOPIC, "A ductogram is ...")
    rated.last_answer = TOPIC
    rated.user("thanks", "thank")  # said in between: not the question the answer answered
    rated.rng = _after_thumb_down()
    rated.rate(by_thumb=True)
    talks.append(rated)
    return talks


def _after_thumb_down() -> random.Random:
    """A random source whose first draw is a thumb down in Conversation.rate."""
    seed = 0
    while random.Random(seed).random() < 0.7:
        seed += 1
    return random.Random(seed)


@pytest.fixture()
def tracker_url(tmp_path: Path) -> str:
    path = tmp_path / "tracker.db"
    with closing(sqlite3.connect(path)) as connection, connection:
        create_events_table(connection)
        connection.executemany(
            INSERT_EVENT, [event_row(t.sender, e) for t in inbox_day() for e in t.events]
        )
    return f"sqlite:///{path}"


def test_the_inbox_reads_each_kind_of_message_from_the_store(tracker_url):
    found = ConversationStore(tracker_url).inbox(DAY, DAY + 86400)
    assert sorted((m.why, m.text, m.conversation) for m in found) == [
        (LOW_CONFIDENCE, "does the dye go in the milk duct", "unsure"),
        (LOW_CONFIDENCE, "will it hurt", "unsure"),
        (NOT_HELPFUL, "how big is the needle", "rated-down"),
        (UNANSWERED, "Can you fix my car?", "off-topic"),
        (UNANSWERED, "the dye thing (ignored)", "ignored"),
    ]
    [offered] = [m for m in found if m.conversation == "ignored"]
    assert offered.ranked[0] == "ductogram_what_is"


def test_the_unanswered_are_the_dashboards(tmp_path):
    """One definition of unanswered: on a generated clinic, the inbox's unanswered messages
    are those the dashboard lists (no "Did you mean" there to tap)."""
    path = tmp_path / "clinic.db"
    fill(path, dt.date(2026, 11, 20), days=1, per_day=150, seed=3)
    store = ConversationStore(f"sqlite:///{path}")
    inbox = sorted(
        (m.conversation, m.text) for m in store.inbox(DAY, DAY + 86400) if m.why == UNANSWERED
    )
    dashboard = sorted(
        (asked["conversation"], item.text)
        for item in store.unanswered(DAY, DAY + 86400)
        for asked in item.asked
    )
    assert inbox and len(inbox) == len(dashboard)
    assert [c for c, _ in inbox] == [c for c, _ in dashboard]


def test_a_decision_is_kept_with_who_and_when_and_the_group_stays_away(tracker_url, tmp_path):
    store, review = ConversationStore(tracker_url), ReviewDatabase(f"sqlite:///{tmp_path}/r.db")
    groups = group_messages(store.inbox(DAY, DAY + 86400), DecidedGroups(review.decided_keys()))
    car = next(g for g in groups if g.text == "Can you fix my car?")
    review.keep(
        read_decision({"key": car.key, "kind": DISMISS, "reason": "off_topic"}, {}), car, "nurse"
    )
    needle = next(g for g in groups if "needle" in g.text)
    decision = read_decision({"key": needle.key, "kind": ADD_EXAMPLE, "topic": TOPIC}, faq_titles())
    review.keep(decision, needle, "nurse")
    with pytest.raises(AlreadyDecided):
        review.keep(decision, needle, "nurse")

    again = ReviewDatabase(f"sqlite:///{tmp_path}/r.db")  # as after a restart
    left = group_messages(store.inbox(DAY, DAY + 86400), DecidedGroups(again.decided_keys()))
    assert {g.text for g in left} == {g.text for g in groups} - {car.text, needle.text}
    later = group_messages(
        [message(99, "can you fix my car please")], DecidedGroups(again.decided_keys())
    )
    assert later == []
    with again.engine.connect() as connection:
        rows = connection.execute(
            sa.select(
                DECISIONS.c.kind,
                DECISIONS.c.sample_text,
                DECISIONS.c.decided_by,
                DECISIONS.c.decided_at,
            )
        ).all()
        drafts = connection.execute(
            sa.select(PROPOSALS.c.kind, PROPOSALS.c.topic, PROPOSALS.c.text, PROPOSALS.c.status)
        ).all()
    assert [(kind, text, who) for kind, text, who, _ in rows] == [
        (DISMISS, "Can you fix my car?", "nurse"),
        (ADD_EXAMPLE, "how big is the needle", "nurse"),
    ]
    assert all(
        abs(
            when.replace(tzinfo=dt.timezone.utc).timestamp()
            - dt.datetime.now(dt.timezone.utc).timestamp()
        )
        < 60
        for *_, when in rows
    )
    assert drafts == [("example", TOPIC, "how big is the needle", "draft")]


def test_key_of_is_the_sorted_words():
    assert key_of(words_of("Fix my CAR, can you?")) == "car fix"


def test_word_sets_find_the_same_set_as_comparing_with_every_one():
    """The index compares only sets that share a word; it must find what a comparison with
    every set finds, the earliest similar one, on random word sets (empty ones included)."""
    rng = random.Random(7)
    vocabulary = [f"w{i}" for i in range(12)]
    added: list[frozenset[str]] = []
    index = WordSets()
    for _ in range(400):
        words = frozenset(rng.sample(vocabulary, rng.randint(0, 4)))
        expected = next((i for i, other in enumerate(added) if similar(words, other)), None)
        assert index.first_similar(words) == expected, words
        if rng.random() < 0.5:
            assert index.add(words) == len(added)
            added.append(words)
