"""The nurses' figures computed the slow, obvious way: every event of the period decoded and
walked in Python, conversation by conversation. This was the dashboard's own code until the
database counted the figures (webapp/review_queries.py); the tests hold the two to the same
answers, on the same rows.

It differs from the old code where the old answer depended on the order events were walked
in or dropped events: every answer, escalation and rating of the period counts (the old code
skipped conversations with no patient message in the period), a reason and a group of
unanswered questions are told in the words of their earliest event, and conversations list
newest first by their first message's exact time.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from typing import Any

import sqlalchemy as sa

from core.review.masking import mask
from core.review.ratings import answer_of
from core.review.report import (
    UNANSWERED_ACTIONS,
    UNANSWERED_INTENTS,
    AnswerRating,
    Report,
    Unanswered,
    is_patient_message,
    rating_of,
    time_of,
    topic_name,
    triage_of,
)
from core.triage.rules import load_rulebook


def events_between(url: str, start: float, end: float) -> list[dict[str, Any]]:
    """Every event in [start, end), by row id, each with its conversation's "sender_id" and its
    row's "id": what the dashboard once loaded into memory."""
    engine = sa.create_engine(url, future=True)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT id, sender_id, data FROM events "
                "WHERE timestamp >= :start AND timestamp < :end ORDER BY id"
            ),
            {"start": start, "end": end},
        ).all()
    engine.dispose()
    return [
        {**json.loads(data), "sender_id": sender, "id": row_id} for row_id, sender, data in rows
    ]


def _intent(event: dict[str, Any]) -> str | None:
    return ((event.get("parse_data") or {}).get("intent") or {}).get("name")


def _day(timestamp: float) -> str:
    return time_of(timestamp)[:10]


def _worse(current: str | None, new: str | None) -> str | None:
    rank = {name: level.rank for name, level in load_rulebook().levels.items()}
    return new if rank.get(new or "", 0) > rank.get(current or "", 0) else current


def _most_first(counts: Counter) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def build_report(events: list[dict[str, Any]]) -> tuple[Report, list[dict[str, Any]]]:
    """The report, and every conversation with a patient message in the period, newest first:
    {"id", "started", "first", "messages", "escalation", "said"} ("said": what the patient
    typed, masked, for searching)."""
    by_conversation: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        by_conversation[event["sender_id"]].append(event)

    messages = 0
    topics: Counter = Counter()
    topics_by_day: dict[str, Counter] = defaultdict(Counter)
    unanswered_messages: list[tuple[int, dict[str, Any], str]] = []  # (row id, event, sender)
    levels: Counter = Counter()
    reasons: Counter = Counter()
    reason_words: dict[str, tuple[int, str]] = {}  # reason -> (row id, words)
    ratings: dict[str, AnswerRating] = {}
    conversation_list = []

    for sender, conversation in by_conversation.items():
        user_events = [e for e in conversation if is_patient_message(e)]
        messages += len(user_events)
        worst_level = None
        pending_user: dict[str, Any] | None = None
        for event in conversation:
            kind = event.get("event")
            if kind == "user" and not is_patient_message(event):
                pending_user = None
            elif kind == "user":
                pending_user = event
                if _intent(event) in UNANSWERED_INTENTS:
                    unanswered_messages.append((event["id"], event, sender))
                    pending_user = None
            elif kind == "action" and pending_user is not None:
                # The first action after a message tells whether it was answered.
                name = event.get("name")
                if name in UNANSWERED_ACTIONS:
                    unanswered_messages.append((pending_user["id"], pending_user, sender))
                if name not in (None, "action_listen", "action_session_start"):
                    pending_user = None
            elif kind == "bot":
                answer = answer_of(event)
                if answer:
                    topic = topic_name(answer)
                    topics[topic] += 1
                    topics_by_day[_day(event["timestamp"])][topic] += 1
                triage = triage_of(event)
                if triage:
                    levels[triage.get("level", "unknown")] += 1
                    worst_level = _worse(worst_level, triage.get("level"))
                    for index, reason in enumerate(triage.get("reasons") or []):
                        reasons[reason] += 1
                        words = triage.get("why") or []
                        if (
                            index < len(words)
                            and event["id"] < reason_words.get(reason, (float("inf"), ""))[0]
                        ):
                            reason_words[reason] = (event["id"], words[index])
            elif value := rating_of(event):
                rating = ratings.setdefault(
                    str(value.get("answer") or "?"), AnswerRating(str(value.get("answer") or "?"))
                )
                if value.get("helpful"):
                    rating.helpful += 1
                else:
                    rating.not_helpful += 1
        if user_events:  # a session start with nothing said is not a conversation
            first = min(e["timestamp"] for e in user_events)
            conversation_list.append(
                {
                    "id": sender,
                    "started": time_of(first),
                    "first": first,
                    "messages": len(user_events),
                    "escalation": worst_level,
                    "said": " ".join(mask(e.get("text") or "") for e in user_events),
                }
            )

    unanswered: dict[str, Unanswered] = {}
    for _, event, sender in sorted(unanswered_messages, key=lambda found: found[0]):
        text = mask(event.get("text") or "")
        entry = unanswered.setdefault(
            re.sub(r"[^\w\s]", "", text.lower()).strip(), Unanswered(text)
        )
        entry.count += 1
        entry.asked.append({"time": time_of(event["timestamp"]), "conversation": sender})

    report = Report(
        conversations=len(conversation_list),
        messages=messages,
        topics=_most_first(topics),
        topics_by_day={day: dict(counts) for day, counts in sorted(topics_by_day.items())},
        unanswered=sorted(unanswered.values(), key=lambda u: (-u.count, u.text)),
        escalations_by_level=dict(levels),
        escalations_by_reason=[
            (r, reason_words[r][1] if r in reason_words else r.replace("_", " "), n)
            for r, n in _most_first(reasons)
        ],
        ratings=sorted(ratings.values(), key=lambda r: (r.helpful_rate, -r.not_helpful, r.answer)),
    )
    return report, sorted(conversation_list, key=lambda c: (-c["first"], c["id"]))


def bot_event(answer: str, ts: float, **extra: Any) -> dict[str, Any]:
    """A bot message as Rasa stores it: the answer's response name in its metadata."""
    return {
        "event": "bot",
        "timestamp": ts,
        "text": "...",
        "metadata": {"utter_action": answer},
        **extra,
    }


def user_event(text: str, intent: str, ts: float) -> dict[str, Any]:
    """A patient message as Rasa stores it, with the intent it was read as."""
    return {
        "event": "user",
        "timestamp": ts,
        "text": text,
        "parse_data": {"intent": {"name": intent}},
    }


def hand_checked_day(day: float) -> list[dict[str, Any]]:
    """A small day whose figures were worked out by hand: conversation "a" asks, is answered and
    rates the answer down; "b" asks something off-topic twice and is escalated (a lump)."""
    return [
        {"sender_id": "a", **user_event("What is a ductogram?", "faq", day)},
        {"sender_id": "a", "event": "action", "name": "utter_faq", "timestamp": day},
        {"sender_id": "a", **bot_event("utter_faq/ductogram_what_is", day)},
        {"sender_id": "a", **user_event("/feedback_not_helpful", "feedback_not_helpful", day + 1)},
        {
            "sender_id": "a",
            "event": "slot",
            "name": "answer_feedback",
            "timestamp": day + 1,
            "value": {"answer": "utter_faq/ductogram_what_is", "helpful": False},
        },
        {"sender_id": "b", **user_event("Capital of France?", "out_of_scope", day)},
        {"sender_id": "b", **user_event("capital of france", "faq", day + 2)},
        {"sender_id": "b", "event": "action", "name": "utter_ask_rephrase", "timestamp": day + 2},
        # The red-flag reply: its words and its escalation in one bot event.
        {
            "sender_id": "b",
            **bot_event(
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
    ]
