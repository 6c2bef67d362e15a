"""The dashboard's pure logic: masking, which answer a rating refers to, transcripts, the charts.
The figures, counted by the database, are tested in test_review_store.py."""

import pytest
from review_oracle import bot_event as bot
from review_oracle import hand_checked_day

from core.content import faq_titles
from core.review.charts import horizontal_bars, stacked_columns
from core.review.masking import mask
from core.review.ratings import last_answer, rating
from core.review.report import topic_name, transcript


@pytest.mark.parametrize(
    "text,masked",
    [
        ("call me on +1 (555) 010-0199 please", "call me on [phone] please"),
        ("ring 07700 900123", "ring [phone]"),
        ("my email is jane.doe+x@mail.example.org", "my email is [e-mail]"),
        ("I am 52 and it started 2 weeks ago", "I am 52 and it started 2 weeks ago"),
        ("in 2024 I had 3 scans", "in 2024 I had 3 scans"),
    ],
)
def test_masking(text, masked):
    assert mask(text) == masked


def test_a_rating_refers_to_the_latest_answer():
    events = [
        bot("utter_faq/a", 1),
        bot("utter_greet", 2),
        bot("utter_faq/b", 3),
        bot("utter_feedback_thanks", 4),
    ]
    assert last_answer(events) == "utter_faq/b"
    assert last_answer([bot("utter_greet", 1)]) is None
    assert (rating("affirm"), rating("feedback_not_helpful"), rating("greet")) == (
        True,
        False,
        None,
    )


def test_a_transcript_shows_messages_answers_escalations_and_ratings():
    events = hand_checked_day(1_795_000_000.0)
    # The thumb is a rating, not something the patient said.
    assert [line["who"] for line in transcript([e for e in events if e["sender_id"] == "a"])] == [
        "Patient",
        "Assistant",
        "Rating",
    ]
    assert [line["who"] for line in transcript([e for e in events if e["sender_id"] == "b"])] == [
        "Patient",
        "Patient",
        "Assistant",
        "Escalation",
    ]


def test_charts_are_svg_with_titles_and_escape_labels():
    svg = horizontal_bars("Escalations by reason", [("<b>lump</b>", 3), ("fever", 1)])
    assert svg.startswith('<svg class="chart" role="img" aria-label="Escalations by reason"')
    assert "&lt;b&gt;lump&lt;/b&gt;: 3" in svg and "<b>" not in svg
    columns = stacked_columns(
        "Answers per day", {"2026-11-20": {"a": 2}, "2026-11-21": {"a": 1, "b": 1}}
    )
    assert columns.count('class="bar"') == 3
    assert horizontal_bars("x", []) == "" and stacked_columns("x", {}) == ""


def test_topics_are_named_by_their_titles_not_their_keys():
    assert (
        topic_name("utter_faq/ductogram_duration") == faq_titles()["utter_faq/ductogram_duration"]
    )
    assert topic_name("utter_faq/ductogram_duration") != "ductogram duration"
    assert topic_name("utter_faq/a_topic_since_removed") == "a topic since removed"


def test_a_transcript_names_answers_and_ratings_by_their_topics_titles():
    title = faq_titles()["utter_faq/ductogram_duration"]
    events = [
        {"event": "user", "timestamp": 1.0, "text": "how long is it", "parse_data": {}},
        {
            "event": "bot",
            "timestamp": 2.0,
            "text": "About an hour.",
            "metadata": {"utter_action": "utter_faq/ductogram_duration"},
        },
        {
            "event": "bot",
            "timestamp": 3.0,
            "text": "Hello!",
            "metadata": {"utter_action": "utter_greet"},
        },
    ]
    lines = transcript(events)
    assert [line["note"] for line in lines if line["who"] == "Assistant"] == [title, "utter_greet"]
