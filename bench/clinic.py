"""A busy clinic's conversations as Rasa's SQL tracker store holds them, written fast.

    python -m bench.clinic tracker.db [--days 30] [--per-day 1250]

Conversations are made of the turns the assistant has: FAQ answers (the real answers and
titles from data/nlu/), ratings by thumb ("/feedback_helpful") and in words ("yes", "that
didn't help"), off-topic and not-understood questions, red flags with their escalation (from
data/red_flags.yml, some about someone else), greetings, and sessions with nothing said. Each
event has the JSON and the columns Rasa 3.6's SQLTrackerStore writes
(tests/unit/test_review_store.py checks them against Rasa's own store); rows of conversations
held at the same time interleave, as they do when Rasa saves each turn.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from core.content import faq_responses, training_examples
from core.triage.messages import escalation_reply
from core.triage.rules import load_rulebook

BUSY_CLINIC_CONVERSATIONS_PER_DAY = 1250
MODEL_METADATA = {"model_id": "1c069f98bf5845e783991779b23c1efb", "assistant_id": "ductogram"}
INTENTS = [
    "faq",
    "greet",
    "thank",
    "affirm",
    "deny",
    "red_flag",
    "inform",
    "stop",
    "ask_capabilities",
    "out_of_scope",
]
# Rasa's table and index, as SQLTrackerStore creates them on SQLite.
EVENTS_TABLE = """CREATE TABLE events (
	id INTEGER NOT NULL, 
	sender_id VARCHAR(255) NOT NULL, 
	type_name VARCHAR(255) NOT NULL, 
	timestamp FLOAT, 
	intent_name VARCHAR(255), 
	action_name VARCHAR(255), 
	data TEXT, 
	PRIMARY KEY (id)
)"""  # noqa: W291 - Rasa's DDL has these trailing spaces
EVENTS_INDEX = "CREATE INDEX ix_events_sender_id ON events (sender_id)"
INSERT_EVENT = (
    "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)
# Questions the assistant cannot answer, in the spellings patients use; some with a phone
# number or an e-mail address, which the dashboard must hide.
OFF_TOPIC = [
    "What's the capital of France?",
    "whats the capital of france",
    "Can you fix my car?",
    "can you fix my car",
    "Who won the game last night?",
    "Do you sell parking permits?",
    "my number is +1 555 010 0199, please call me",
    "email me at jane.doe@example.org about my results",
    "Is the cafeteria open on Sunday?",
    "How do I renew my passport?",
]
NOT_UNDERSTOOD = [
    "the thing with the other thing",
    "hmm ok so what about it",
    "Can I bring my dog to the duct thing?",
    "is it like the one my sister had",
    "asdf",
    "what about the cream",
]
RATINGS_IN_WORDS = [("yes", "affirm", True), ("that didn't help", "feedback_not_helpful", False)]
SMALL_TALK = [("hello", "greet", "utter_greet"), ("thanks", "thank", "utter_you_are_welcome")]
RED_FLAGS = [
    "I have bloody discharge from one breast",
    "my throat is swelling after the dye",
    "I found a lump and there is discharge",
    "I have a fever since the test",
    "my mum's nipple has turned in",
]
CARERS = [{"relation": "mother", "pronoun": "she"}, {"relation": "husband", "pronoun": "he"}]


@dataclass(frozen=True)
class Answer:
    topic: str  # "ductogram_what_is"
    text: str
    metadata: dict[str, Any]
    questions: list[str]


@cache
def _answers() -> list[Answer]:
    examples = training_examples()
    return [
        Answer(
            name.split("/", 1)[1],
            response["text"].strip() + "\nSource: What Is a Ductogram?",
            response.get("metadata") or {},
            examples.get("faq/" + name.split("/", 1)[1]) or ["Tell me about it"],
        )
        for name, response in sorted(faq_responses().items())
    ]


class Conversation:
    """Events of one conversation, each a dict as Rasa's Event.as_dict() gives it."""

    def __init__(self, rng: random.Random, sender: str, start: float) -> None:
        self.rng, self.sender, self.clock = rng, sender, start
        self.events: list[dict[str, Any]] = []
        self.last_answer: str | None = None

    def _stamp(self, step: float = 0.002) -> float:
        self.clock += step * (0.5 + self.rng.random())
        return self.clock

    def _id(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    def action(self, name: str, policy: str | None = "RulePolicy") -> None:
        self.events.append(
            {
                "event": "action",
                "timestamp": self._stamp(),
                "metadata": MODEL_METADATA,
                "name": name,
                "policy": policy,
                "confidence": 1.0 if policy or name == "action_session_start" else None,
                "action_text": None,
                "hide_rule_turn": False,
            }
        )

    def session_start(self) -> None:
        self.action("action_session_start", policy=None)
        self.events.append(
            {"event": "session_started", "timestamp": self._stamp(), "metadata": MODEL_METADATA}
        )
        self.action("action_listen", policy=None)

    def user(self, text: str, intent: str, answer: str | None = None) -> None:
        """A patient's message, with parse data the size and shape of this assistant's."""
        self.clock += self.rng.uniform(5, 90)  # reading and typing
        message_id = self._id()
        confidence = round(self.rng.uniform(0.55, 1.0), 6)
        intent_data: dict[str, Any] = {"name": intent, "confidence": confidence}
        if answer:
            intent_data["full_retrieval_intent_name"] = f"faq/{answer}"
        ranking = [{"name": intent, "confidence": confidence}] + [
            {"name": other, "confidence": self.rng.random() * 1e-3}
            for other in INTENTS
            if other != intent
        ][:9]
        words, start, tokens = text.split(), 0, []
        for word in words:
            start = text.index(word, start)
            tokens.append([start, start + len(word)])
            start += len(word)
        topics = [a.topic for a in self.rng.sample(_answers(), 10)]
        parse_data = {
            "intent": intent_data,
            "entities": [],
            "text": text,
            "message_id": message_id,
            "metadata": {},
            "text_tokens": tokens,
            "intent_ranking": ranking,
            "response_selector": {
                "all_retrieval_intents": ["faq"],
                "faq": {
                    "response": {
                        "responses": None,
                        "confidence": confidence,
                        "intent_response_key": f"faq/{answer or topics[0]}",
                        "utter_action": f"utter_faq/{answer or topics[0]}",
                    },
                    "ranking": [
                        {"confidence": self.rng.random(), "intent_response_key": f"faq/{topic}"}
                        for topic in topics
                    ],
                },
            },
            "faq_reading": {
                "answers": [answer] if answer else [],
                "suggestions": [],
                "how": "model",
            },
            "red_flags": {
                "active_signs": [],
                "general_signs": [],
                "findings": [],
                "subject": None,
                "level": None,
                "reasons": [],
                "verdict": {"action": None, "level": None, "reasons": []},
                "safety_net": 0.001,
                "original_intent": intent,
            },
        }
        self.events.append(
            {
                "event": "user",
                "timestamp": self._stamp(),
                "metadata": MODEL_METADATA,
                "text": text,
                "parse_data": parse_data,
                "input_channel": "rest",
                "message_id": message_id,
            }
        )
        self.events.append(
            {
                "event": "user_featurization",
                "timestamp": self._stamp(),
                "metadata": MODEL_METADATA,
                "use_text_for_featurization": False,
            }
        )

    def bot(
        self, utter_action: str, text: str, metadata: dict | None = None, custom: Any = None
    ) -> None:
        self.events.append(
            {
                "event": "bot",
                "timestamp": self._stamp(),
                "metadata": {
                    **({"metadata": metadata} if metadata else {}),
                    "utter_action": utter_action,
                    **MODEL_METADATA,
                },
                "text": text,
                "data": {
                    "elements": None,
                    "quick_replies": None,
                    "buttons": None,
                    "attachment": None,
                    "image": None,
                    "custom": custom,
                },
            }
        )

    def utter(self, action: str, text: str) -> None:
        self.action(action)
        self.bot(action, text, {"topic": "conversation"})
        self.action("action_listen")

    # The turns a patient can take.

    def ask_faq(self) -> None:
        answer = self.rng.choice(_answers())
        self.user(self.rng.choice(answer.questions), "faq", answer.topic)
        self.action("utter_faq")
        self.bot(f"utter_faq/{answer.topic}", answer.text, answer.metadata)
        self.action("action_listen")
        self.last_answer = f"utter_faq/{answer.topic}"

    def rate(self, by_thumb: bool) -> None:
        if by_thumb:
            helpful = self.rng.random() < 0.7
            text = "/feedback_helpful" if helpful else "/feedback_not_helpful"
            self.user(text, text[1:])
        else:
            text, intent, helpful = self.rng.choice(RATINGS_IN_WORDS)
            self.user(text, intent)
        self.action("action_record_feedback")
        self.events.append(
            {
                "event": "slot",
                "timestamp": self._stamp(),
                "metadata": MODEL_METADATA,
                "name": "answer_feedback",
                "value": {"answer": self.last_answer, "helpful": helpful},
            }
        )
        reply = "utter_feedback_thanks" if helpful else "utter_feedback_sorry"
        self.action(reply)
        self.bot(reply, "Thank you for telling me.", {"topic": "feedback"})
        self.action("action_listen")
        self.last_answer = None

    def off_topic(self) -> None:
        self.user(self.rng.choice(OFF_TOPIC), "out_of_scope")
        self.utter("utter_out_of_scope", "Sorry, I can only help with the ductogram test.")

    def not_understood(self) -> None:
        # Most by the fallback intent; some read as a topic or a "yes" and then not answered.
        text = self.rng.choice(NOT_UNDERSTOOD)
        kind = self.rng.random()
        if kind < 0.6:
            self.user(text, "nlu_fallback")
            self.utter("utter_ask_rephrase", "Sorry, I'm not sure I understood.")
        elif kind < 0.85:
            self.user(text, "faq", self.rng.choice(_answers()).topic)
            self.utter("utter_ask_rephrase", "Sorry, I'm not sure I understood.")
        else:
            self.user(text, "affirm")
            self.utter("utter_how_can_i_help", "What would you like to know?")

    def red_flag(self) -> None:
        rulebook = load_rulebook()
        rules = self.rng.sample(rulebook.rules, 2 if self.rng.random() < 0.2 else 1)
        level = max((rule.level for rule in rules), key=lambda name: rulebook.levels[name].rank)
        carer = self.rng.choice(CARERS) if self.rng.random() < 0.15 else None
        reply = escalation_reply(level, [rule.id for rule in rules], rulebook, carer)
        self.user(self.rng.choice(RED_FLAGS), "red_flag")
        self.action("utter_red_flag")
        self.bot("utter_red_flag", reply["text"], None, reply["custom"])
        self.action("action_answer_after_red_flag")
        self.action("action_listen")

    def small_talk(self) -> None:
        text, intent, action = self.rng.choice(SMALL_TALK)
        self.user(text, intent)
        self.utter(action, "Hello! I can answer questions about the ductogram.")


def conversation_events(rng: random.Random, sender: str, start: float) -> list[dict[str, Any]]:
    """One patient's visit: a session start, then 1 to 5 turns (none, now and then)."""
    conversation = Conversation(rng, sender, start)
    conversation.session_start()
    if rng.random() < 0.04:
        return conversation.events  # opened the chat and typed nothing
    for _ in range(rng.choice((1, 2, 2, 3, 3, 4, 5))):
        roll = rng.random()
        if conversation.last_answer and roll < 0.2:
            conversation.rate(by_thumb=rng.random() < 0.8)
        elif roll < 0.65:
            conversation.ask_faq()
        elif roll < 0.73:
            conversation.off_topic()
        elif roll < 0.8:
            conversation.not_understood()
        elif roll < 0.86:
            conversation.red_flag()
        else:
            conversation.small_talk()
    return conversation.events


def event_row(sender: str, event: dict[str, Any]) -> tuple:
    """(sender_id, type_name, timestamp, intent_name, action_name, data), as
    rasa.core.tracker_store.SQLTrackerStore.save fills them."""
    intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
    return (
        sender,
        event["event"],
        event["timestamp"],
        intent,
        event.get("name"),
        json.dumps(event),
    )


def day_of_rows(rng: random.Random, day: dt.date, conversations: int) -> list[tuple]:
    """Every row of one day's conversations, in the order Rasa would have saved them."""
    midnight = dt.datetime.combine(day, dt.time.min, dt.timezone.utc).timestamp()
    rows = []
    for number in range(conversations):
        # Busiest in the clinic's day; a few at night, some running past midnight.
        hour = rng.triangular(0, 24, 13)
        sender = f"{day:%Y%m%d}-{number:05d}-{rng.getrandbits(32):08x}"
        rows += [
            event_row(sender, event)
            for event in conversation_events(rng, sender, midnight + hour * 3600)
        ]
    rows.sort(key=lambda row: row[2])
    return rows


def create_events_table(connection: sqlite3.Connection) -> None:
    connection.execute(EVENTS_TABLE)
    connection.execute(EVENTS_INDEX)


def fill(path: Path, first_day: dt.date, days: int, per_day: int, seed: int = 0) -> int:
    """A new SQLite tracker store at `path` with `days` days of `per_day` conversations each;
    returns the number of events written."""
    rng = random.Random(seed)
    written = 0
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA journal_mode = OFF")  # a scratch file, written once
        connection.execute("PRAGMA synchronous = OFF")
        create_events_table(connection)
        for offset in range(days):
            rows = day_of_rows(rng, first_day + dt.timedelta(days=offset), per_day)
            connection.executemany(INSERT_EVENT, rows)
            written += len(rows)
        connection.commit()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--per-day", type=int, default=BUSY_CLINIC_CONVERSATIONS_PER_DAY)
    parser.add_argument("--first-day", type=dt.date.fromisoformat, default=dt.date(2026, 11, 1))
    args = parser.parse_args()
    started = time.perf_counter()
    events = fill(args.path, args.first_day, args.days, args.per_day)
    print(f"{events} events in {time.perf_counter() - started:.1f} s: {args.path}")


if __name__ == "__main__":
    main()
