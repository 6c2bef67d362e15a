"""The dashboard's pure logic: masking, which answer a rating refers to, the figures, the charts."""

import pytest

from core.content import faq_titles
from core.review.charts import horizontal_bars, stacked_columns
from core.review.masking import mask
from core.review.ratings import last_answer, rating
from core.review.report import build_report, topic_name, transcript


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


def bot(answer, ts, **extra):
    return {
        "event": "bot",
        "timestamp": ts,
        "text": "...",
        "metadata": {"utter_action": answer},
        **extra,
    }


def user(text, intent, ts):
    return {
        "event": "user",
        "timestamp": ts,
        "text": text,
        "parse_data": {"intent": {"name": intent}},
    }


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


def test_report_counts_groups_and_orders():
    day = 1_795_000_000.0
    events = [
        {"sender_id": "a", **user("What is a ductogram?", "faq", day)},
        {"sender_id": "a", "event": "action", "name": "utter_faq", "timestamp": day},
        {"sender_id": "a", **bot("utter_faq/ductogram_what_is", day)},
        {"sender_id": "a", **user("/feedback_not_helpful", "feedback_not_helpful", day + 1)},
        {
            "sender_id": "a",
            "event": "slot",
            "name": "answer_feedback",
            "timestamp": day + 1,
            "value": {"answer": "utter_faq/ductogram_what_is", "helpful": False},
        },
        {"sender_id": "b", **user("Capital of France?", "out_of_scope", day)},
        {"sender_id": "b", **user("capital of france", "faq", day + 2)},
        {"sender_id": "b", "event": "action", "name": "utter_ask_rephrase", "timestamp": day + 2},
        # The red-flag reply: its words and its escalation in one bot event.
        {
            "sender_id": "b",
            **bot(
                "utter_red_flag",
                day + 3,
                text="Please see your doctor soon.",
                data={
                    "custom": {
                        "triage": {
                            "level": "urgent",
                            "reasons": ["lump"],
                            "why": ["you have a lump"],
                        }
                    }
                },
            ),
        },
        {"sender_id": "c", "event": "session_started", "timestamp": day},
    ]
    report = build_report(events)
    assert (report.conversations, report.messages) == (2, 3)  # the thumb is a rating, not a message
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
    assert {c["id"]: c["escalation"] for c in report.conversation_list} == {
        "a": None,
        "b": "urgent",
    }
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
