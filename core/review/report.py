"""The figures nurses review, computed from tracker-store events. Pure logic: events in,
plain data out. Everything a patient typed goes through core.review.masking before it leaves."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from core.content import faq_titles
from core.names import ANSWER_PREFIX, FALLBACK_INTENT, FEEDBACK_SLOT, OUT_OF_SCOPE_INTENT
from core.review.masking import mask
from core.review.ratings import answer_of
from core.triage.messages import PAYLOAD_KEY
from core.triage.rules import load_rulebook

# A message the assistant could not answer: understood as nothing it knows, as off-topic, or
# as an answer to a question nobody asked ("What would you like to know?").
UNANSWERED_INTENTS = {FALLBACK_INTENT, OUT_OF_SCOPE_INTENT}
UNANSWERED_ACTIONS = {
    "utter_ask_rephrase",
    "utter_out_of_scope",
    "utter_how_can_i_help",
    "action_default_fallback",
}


def _day(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).strftime("%Y-%m-%d")


def _time(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def topic_name(answer: str) -> str:
    """A topic as nurses see it: its title ("What is a ductogram?"), not its key. An answer no
    longer in data/nlu/ has no title: "utter_faq/ductogram_what_is" -> "ductogram what is"."""
    return faq_titles().get(answer) or answer.split("/", 1)[-1].replace("_", " ")


def _answer_note(utter_action: str) -> str:
    """What a bot message was: an FAQ answer by its topic's title, anything else by its name."""
    return topic_name(utter_action) if utter_action.startswith(ANSWER_PREFIX) else utter_action


def _grouping_key(text: str) -> str:
    return re.sub(r"[^\w\s]", "", text.lower()).strip()


@dataclass
class Unanswered:
    text: str
    count: int = 0
    asked: list[dict[str, str]] = field(default_factory=list)  # [{"time", "conversation"}]


@dataclass
class AnswerRating:
    answer: str
    helpful: int = 0
    not_helpful: int = 0

    @property
    def topic(self) -> str:
        return topic_name(self.answer)

    @property
    def total(self) -> int:
        return self.helpful + self.not_helpful

    @property
    def helpful_rate(self) -> float:
        return self.helpful / self.total if self.total else 0.0


@dataclass
class Report:
    conversations: int
    messages: int
    topics: list[tuple]  # [(topic, count)], most asked first
    topics_by_day: dict[str, dict[str, int]]  # {day: {topic: count}}
    unanswered: list[Unanswered]  # most often asked first
    escalations_by_level: dict[str, int]
    escalations_by_reason: list[tuple]  # [(reason id, reason in words, count)]
    ratings: list[AnswerRating]  # worst first
    # [{"id", "started", "messages", "escalation", "said"}]; "said": the patient's words, masked,
    # for searching
    conversation_list: list[dict[str, Any]]


def _triage(event: dict[str, Any]) -> dict[str, Any] | None:
    custom = (event.get("data") or {}).get("custom") if event.get("event") == "bot" else None
    return custom.get(PAYLOAD_KEY) if isinstance(custom, dict) else None


def _intent(event: dict[str, Any]) -> str | None:
    return ((event.get("parse_data") or {}).get("intent") or {}).get("name")


def _rating(event: dict[str, Any]) -> dict[str, Any] | None:
    """{"answer", "helpful"} when the event stores an answer rating."""
    value = (
        event.get("value")
        if event.get("event") == "slot" and event.get("name") == FEEDBACK_SLOT
        else None
    )
    return value if isinstance(value, dict) else None


def _patient_message(event: dict[str, Any]) -> bool:
    """Something the patient said; a thumb pressed on the page (a "/feedback_..." payload) is
    a rating, counted as one, not a message."""
    return event.get("event") == "user" and not (event.get("text") or "").startswith("/feedback_")


def build_report(events: list[dict[str, Any]]) -> Report:
    by_conversation: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        by_conversation[event["sender_id"]].append(event)

    messages = 0
    topics: Counter = Counter()
    topics_by_day: dict[str, Counter] = defaultdict(Counter)
    unanswered: dict[str, Unanswered] = {}
    levels: Counter = Counter()
    reasons: Counter = Counter()
    reason_words: dict[str, str] = {}
    ratings: dict[str, AnswerRating] = {}
    conversation_list = []

    for sender, conversation in by_conversation.items():
        user_events = [e for e in conversation if _patient_message(e)]
        if not user_events:
            continue  # a session start with nothing said is not a conversation
        messages += len(user_events)
        worst_level = None
        pending_user: dict[str, Any] | None = None
        for event in conversation:
            kind = event.get("event")
            if kind == "user" and not _patient_message(event):
                pending_user = None
            elif kind == "user":
                pending_user = event
                if _intent(event) in UNANSWERED_INTENTS:
                    _add_unanswered(unanswered, event, sender)
                    pending_user = None
            elif kind == "action" and pending_user is not None:
                # The first action after a message tells whether it was answered.
                name = event.get("name")
                if name in UNANSWERED_ACTIONS:
                    _add_unanswered(unanswered, pending_user, sender)
                if name not in (None, "action_listen", "action_session_start"):
                    pending_user = None
            elif kind == "bot":
                answer = answer_of(event)
                if answer:
                    topic = topic_name(answer)
                    topics[topic] += 1
                    topics_by_day[_day(event["timestamp"])][topic] += 1
                triage = _triage(event)
                if triage:
                    levels[triage.get("level", "unknown")] += 1
                    worst_level = _worse(worst_level, triage.get("level"))
                    for index, reason in enumerate(triage.get("reasons") or []):
                        reasons[reason] += 1
                        words = triage.get("why") or []
                        if index < len(words):
                            reason_words.setdefault(reason, words[index])
            elif value := _rating(event):
                rating = ratings.setdefault(
                    value.get("answer", "?"), AnswerRating(value.get("answer", "?"))
                )
                if value.get("helpful"):
                    rating.helpful += 1
                else:
                    rating.not_helpful += 1
        conversation_list.append(
            {
                "id": sender,
                "started": _time(user_events[0]["timestamp"]),
                "messages": len(user_events),
                "escalation": worst_level,
                "said": " ".join(mask(e.get("text") or "") for e in user_events),
            }
        )

    return Report(
        conversations=len(conversation_list),
        messages=messages,
        topics=topics.most_common(),
        topics_by_day={day: dict(counts) for day, counts in sorted(topics_by_day.items())},
        unanswered=sorted(unanswered.values(), key=lambda u: (-u.count, u.text)),
        escalations_by_level=dict(levels),
        escalations_by_reason=[
            (r, reason_words.get(r, r.replace("_", " ")), n) for r, n in reasons.most_common()
        ],
        ratings=sorted(ratings.values(), key=lambda r: (r.helpful_rate, -r.not_helpful, r.answer)),
        conversation_list=sorted(conversation_list, key=lambda c: c["started"], reverse=True),
    )


def _worse(current: str | None, new: str | None) -> str | None:
    """The more serious of two levels, as ranked in data/red_flags.yml."""
    levels = load_rulebook().levels
    rank = {name: level.rank for name, level in levels.items()}
    return new if rank.get(new or "", 0) > rank.get(current or "", 0) else current


def _add_unanswered(unanswered: dict[str, Unanswered], event: dict[str, Any], sender: str) -> None:
    text = mask(event.get("text") or "")
    entry = unanswered.setdefault(_grouping_key(text), Unanswered(text))
    entry.count += 1
    entry.asked.append({"time": _time(event["timestamp"]), "conversation": sender})


def transcript(events: list[dict[str, Any]]) -> list[dict[str, str]]:
    """One conversation as lines a nurse can read: who, when, what (patient text masked)."""
    lines = []
    for event in events:
        kind = event.get("event")
        if _patient_message(event):
            lines.append(
                {
                    "who": "Patient",
                    "time": _time(event["timestamp"]),
                    "text": mask(event.get("text") or ""),
                    "note": _intent(event) or "",
                }
            )
        elif kind == "bot":
            # One bot event may carry both the words and the escalation (the red-flag reply does).
            if event.get("text"):
                lines.append(
                    {
                        "who": "Assistant",
                        "time": _time(event["timestamp"]),
                        "text": event["text"],
                        "note": _answer_note(
                            (event.get("metadata") or {}).get("utter_action") or ""
                        ),
                    }
                )
            triage = _triage(event)
            if triage:
                lines.append(
                    {
                        "who": "Escalation",
                        "time": _time(event["timestamp"]),
                        "text": f"{triage.get('level')}: {', '.join(triage.get('reasons') or [])}",
                        "note": "",
                    }
                )
        elif value := _rating(event):
            lines.append(
                {
                    "who": "Rating",
                    "time": _time(event["timestamp"]),
                    "text": f"{'helpful' if value.get('helpful') else 'not helpful'}: "
                    f"{topic_name(str(value.get('answer') or ''))}",
                    "note": "",
                }
            )
    return lines
