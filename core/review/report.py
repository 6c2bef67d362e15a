"""The figures nurses review, and what their parts mean. Pure logic: the database counts and
groups (webapp/review_queries.py); this turns its rows into the report and names things as
nurses see them. Everything a patient typed goes through core.review.masking before it leaves."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from core.content import faq_titles
from core.names import ANSWER_PREFIX, FALLBACK_INTENT, FEEDBACK_SLOT, OUT_OF_SCOPE_INTENT
from core.review.masking import mask
from core.review.ratings import is_answer, is_thumb
from core.triage.messages import PAYLOAD_KEY
from core.triage.rules import load_rulebook

# A message the assistant could not answer: understood as nothing it knows, as off-topic, or
# as an answer to a question nobody asked ("What would you like to know?"). Which it was is
# told by the intent, or by the first action after the message other than these.
UNANSWERED_INTENTS = {FALLBACK_INTENT, OUT_OF_SCOPE_INTENT}
UNANSWERED_ACTIONS = {
    "utter_ask_rephrase",
    "utter_out_of_scope",
    "utter_how_can_i_help",
    "action_default_fallback",
}
NOT_AN_ANSWER_ACTIONS = {"action_listen", "action_session_start"}
UTC_EPOCH = dt.date(1970, 1, 1)


def day_number_to_date(days_since_epoch: int) -> str:
    """A UTC day counted from 1970-01-01, as the database groups by it: "2026-11-21"."""
    return (UTC_EPOCH + dt.timedelta(days=int(days_since_epoch))).isoformat()


def time_of(timestamp: float) -> str:
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
    conversations: int  # with at least one patient message in the period
    messages: int  # patient messages; a thumb pressed is a rating, not a message
    topics: list[tuple]  # [(topic, count)], most asked first
    topics_by_day: dict[str, dict[str, int]]  # {day: {topic: count}}
    unanswered: list[Unanswered]  # most often asked first
    escalations_by_level: dict[str, int]
    escalations_by_reason: list[tuple]  # [(reason id, reason in words, count)]
    ratings: list[AnswerRating]  # worst first


@dataclass(frozen=True)
class ConversationSummary:
    """One line of the conversations list."""

    id: str
    started: str  # its first patient message in the period
    messages: int
    escalation: str | None  # the most serious level it reached, if any


def _most_first(counts: Counter) -> list[tuple[str, int]]:
    """Most first; equal counts by name, so the order does not depend on the rows' order."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def count_topics(
    answers: Iterable[tuple[str | None, int, int]],
) -> tuple[list[tuple], dict[str, dict[str, int]]]:
    """Topics most asked first, and per day, from (bot message's response, UTC day number,
    count) rows; responses that are not FAQ answers are left out."""
    topics: Counter = Counter()
    by_day: dict[str, Counter] = defaultdict(Counter)
    for utter_action, day, count in answers:
        if utter_action and is_answer(utter_action):
            topic = topic_name(utter_action)
            topics[topic] += count
            by_day[day_number_to_date(day)][topic] += count
    return _most_first(topics), {day: dict(counts) for day, counts in sorted(by_day.items())}


def count_escalations(
    escalations: Iterable[tuple[dict[str, Any], int]],
) -> tuple[dict[str, int], list[tuple]]:
    """Escalations by level and by reason from (escalation payload, count) rows, earliest
    payload first: a reason is put in the words of its earliest escalation."""
    levels: Counter = Counter()
    reasons: Counter = Counter()
    reason_words: dict[str, str] = {}
    for triage, count in escalations:
        levels[triage.get("level", "unknown")] += count
        words = triage.get("why") or []
        for index, reason in enumerate(triage.get("reasons") or []):
            reasons[reason] += count
            if index < len(words):
                reason_words.setdefault(reason, words[index])
    return dict(levels), [
        (reason, reason_words.get(reason, reason.replace("_", " ")), count)
        for reason, count in _most_first(reasons)
    ]


def count_ratings(ratings: Iterable[tuple[dict[str, Any], int]]) -> list[AnswerRating]:
    """Ratings per answer, least helpful first, from (rating slot value, count) rows."""
    per_answer: dict[str, AnswerRating] = {}
    for value, count in ratings:
        answer = str(value.get("answer") or "?")
        rating = per_answer.setdefault(answer, AnswerRating(answer))
        if value.get("helpful"):
            rating.helpful += count
        else:
            rating.not_helpful += count
    return sorted(per_answer.values(), key=lambda r: (r.helpful_rate, -r.not_helpful, r.answer))


def group_unanswered(asked: Iterable[tuple[str, float, str]]) -> list[Unanswered]:
    """Unanswered questions grouped by their words (masked, any case and punctuation), most
    often asked first, from (text, timestamp, conversation) rows in the order they were asked;
    a group is shown in the words of its first asking."""
    groups: dict[str, Unanswered] = {}
    for text, timestamp, sender in asked:
        masked = mask(text or "")
        entry = groups.setdefault(_grouping_key(masked), Unanswered(masked))
        entry.count += 1
        entry.asked.append({"time": time_of(timestamp), "conversation": sender})
    return sorted(groups.values(), key=lambda u: (-u.count, u.text))


def worst_level(levels: Iterable[str | None]) -> str | None:
    """The most serious of some escalation levels, as ranked in data/red_flags.yml."""
    rank = {name: level.rank for name, level in load_rulebook().levels.items()}
    worst = None
    for level in levels:
        if rank.get(level or "", 0) > rank.get(worst or "", 0):
            worst = level
    return worst


@dataclass(frozen=True)
class ConversationWords:
    """A conversation with the words its patient typed, masked: for searching by words."""

    id: str
    started: float  # its first patient message
    messages: int
    said: str

    def summary(self) -> ConversationSummary:
        return ConversationSummary(self.id, time_of(self.started), self.messages, None)


def conversation_words(messages: Iterable[tuple[str, float, str]]) -> list[ConversationWords]:
    """Each conversation's words, newest first (as the database lists them: by first message,
    then by id), from (conversation, timestamp, text) rows of the patient's messages in the
    order they were sent."""
    by_conversation: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for sender, timestamp, text in messages:
        by_conversation[sender].append((timestamp, text))
    conversations = [
        ConversationWords(
            sender,
            min(timestamp for timestamp, _ in said),
            len(said),
            " ".join(mask(text or "") for _, text in said),
        )
        for sender, said in by_conversation.items()
    ]
    return sorted(conversations, key=lambda c: (-c.started, c.id))


def triage_of(event: dict[str, Any]) -> dict[str, Any] | None:
    """The escalation a bot event carried ({"level", "reasons", "why", ...}), if any."""
    custom = (event.get("data") or {}).get("custom") if event.get("event") == "bot" else None
    return custom.get(PAYLOAD_KEY) if isinstance(custom, dict) else None


def _intent(event: dict[str, Any]) -> str | None:
    return ((event.get("parse_data") or {}).get("intent") or {}).get("name")


def rating_of(event: dict[str, Any]) -> dict[str, Any] | None:
    """{"answer", "helpful"} when the event stores an answer rating."""
    value = (
        event.get("value")
        if event.get("event") == "slot" and event.get("name") == FEEDBACK_SLOT
        else None
    )
    return value if isinstance(value, dict) else None


def is_patient_message(event: dict[str, Any]) -> bool:
    """Something the patient said: a user message that is not a thumb pressed on the page."""
    return event.get("event") == "user" and not is_thumb(event.get("text"), _intent(event))


def transcript(events: list[dict[str, Any]]) -> list[dict[str, str]]:
    """One conversation as lines a nurse can read: who, when, what (patient text masked)."""
    lines = []
    for event in events:
        kind = event.get("event")
        if is_patient_message(event):
            lines.append(
                {
                    "who": "Patient",
                    "time": time_of(event["timestamp"]),
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
                        "time": time_of(event["timestamp"]),
                        "text": event["text"],
                        "note": _answer_note(
                            (event.get("metadata") or {}).get("utter_action") or ""
                        ),
                    }
                )
            triage = triage_of(event)
            if triage:
                lines.append(
                    {
                        "who": "Escalation",
                        "time": time_of(event["timestamp"]),
                        "text": f"{triage.get('level')}: {', '.join(triage.get('reasons') or [])}",
                        "note": "",
                    }
                )
        elif value := rating_of(event):
            lines.append(
                {
                    "who": "Rating",
                    "time": time_of(event["timestamp"]),
                    "text": f"{'helpful' if value.get('helpful') else 'not helpful'}: "
                    f"{topic_name(str(value.get('answer') or ''))}",
                    "note": "",
                }
            )
    return lines
