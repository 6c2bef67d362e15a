"""What makes the Rasa server fast (rasa_addons/): the caching tracker store, recent-turn dialogue
states and the compiled check of action-server replies. Each must give Rasa's own results."""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import tarfile
from pathlib import Path

import jsonschema
import pytest
import yaml
from conftest import PROJECT_ROOT, RunningAssistant, click
from rasa.core.actions.action import RemoteAction
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    EntitiesAdded,
    SessionStarted,
    SlotSet,
    UserUttered,
    deserialise_events,
)
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_addons.recent_turns_tracker import RECENT_TURNS, RecentTurnsTracker
from rasa_addons.remote_action.reply_schema import check_replies_with_compiled_schema
from rasa_addons.tracker_store import TIMESTAMP_INDEX, CachedSQLTrackerStore

# Its tests only talk to the servers, each in its own conversation: the servers are shared.
pytestmark = pytest.mark.shares_servers

DOMAIN = Domain.load(str(PROJECT_ROOT / "domain.yml"))

# One patient's long visit: questions, a symptom check with a detour and a stop, ratings,
# a red flag, small talk. Rule-only turns (hidden from MemoizationPolicy) come up throughout.
# ANSWER_THE_CHECK taps the first of these answers on offer until the check is over.
CHECK_ANSWERS = ["Milky", "One breast", "Only when squeezed", "No", "Female", "30 to 49", "Neither"]
ANSWER_THE_CHECK = object()
LONG_VISIT = [
    "hi",
    "what is a ductogram?",
    "yes",
    "how long does it take?",
    "no",
    "check my symptoms",
    ("Milky",),
    "will a ductogram hurt?",
    ("One breast",),
    "stop",
    "thanks",
    "what causes galactorrhea?",
    "/feedback_helpful",
    "what is prolactin?",
    "/feedback_not_helpful",
    "I have bloody discharge from my nipple",
    "what should I wear?",
    "are you a bot?",
    "tell me a joke",
    "check my symptoms",
    ANSWER_THE_CHECK,
    "bye",
    "can I eat before the test?",
    "what if nothing shows up?",
    "yes",
    "goodbye",
]


def _offered(reply: list[dict]) -> list[str]:
    return [b["title"] for m in reply for b in m.get("buttons") or []]


def _run_visit(assistant: RunningAssistant, sender: str, rounds: int = 1) -> list[dict]:
    reply: list[dict] = []
    for _ in range(rounds):
        for step in LONG_VISIT:
            if step is ANSWER_THE_CHECK:
                while any(answer in _offered(reply) for answer in CHECK_ANSWERS):
                    answer = next(a for a in CHECK_ANSWERS if a in _offered(reply))
                    reply = assistant.send(sender, click(reply, answer))
                assert "Source" not in reply[-1]["text"] and reply[-1].get("buttons"), (
                    reply
                )  # the summary
                continue
            reply = assistant.send(
                sender, click(reply, step[0]) if isinstance(step, tuple) else step
            )
    return reply


def _stored_events(db_path: Path, sender: str):
    with sqlite3.connect(db_path) as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,)
        ).fetchall()
    return deserialise_events([json.loads(data) for (data,) in rows])


def _rule_only_data(model_path: str) -> dict:
    with tarfile.open(model_path) as archive:
        member = next(
            m
            for m in archive.getmembers()
            if m.name.endswith("train_RulePolicy0/rule_only_data.json")
        )
        return json.load(archive.extractfile(member))


def _longest_rule(model_path: str) -> int:
    with tarfile.open(model_path) as archive:
        member = next(
            m for m in archive.getmembers() if m.name.endswith("train_RulePolicy0/rule_policy.json")
        )
        lookup = json.load(archive.extractfile(member))["lookup"]
    keys = [key for table in ("rules", "rules_for_loop_unhappy_path") for key in lookup[table]]
    return max(len(json.loads(key)) for key in keys)


# --- Recent-turn states --------------------------------------------------------------------


def test_recent_turns_cover_what_the_trained_policies_read(model_path):
    policies = {
        p["name"]: p for p in yaml.safe_load((PROJECT_ROOT / "config.yml").read_text())["policies"]
    }
    assert set(policies) == {"RulePolicy", "MemoizationPolicy"}, (
        "a new policy may read more turns: check RECENT_TURNS"
    )
    assert RECENT_TURNS >= policies["MemoizationPolicy"]["max_history"]
    assert RECENT_TURNS >= _longest_rule(model_path)


def test_recent_states_equal_rasas_on_every_turn_of_a_long_live_conversation(assistant, model_path):
    sender = "serving-long-visit"
    _run_visit(assistant, sender)
    events = _stored_events(assistant.tracker_db, sender)
    assert sum(isinstance(e, ActionExecuted) for e in events) > 4 * RECENT_TURNS
    assert any(isinstance(e, ActionExecuted) and e.hide_rule_turn for e in events), (
        "no rule-only turns to skip"
    )
    rule_only = _rule_only_data(model_path)
    settings = [
        {},
        {"omit_unset_slots": True},
        {"ignore_rule_only_turns": True, "rule_only_data": rule_only},
    ]
    compared = 0
    for end in range(1, len(events) + 1):
        full_tracker = DialogueStateTracker.from_events(sender, events[:end], DOMAIN.slots)
        recent_tracker = RecentTurnsTracker.from_events(sender, events[:end], DOMAIN.slots)
        for kwargs in settings:
            full = full_tracker.past_states(DOMAIN, **kwargs)
            recent = recent_tracker.past_states(DOMAIN, **kwargs)
            assert len(recent) >= min(RECENT_TURNS, len(full)), (end, kwargs)
            assert recent == full[len(full) - len(recent) :], (end, kwargs)
            compared += len(full) > len(recent)
    assert compared > len(events), "the long conversation never used the shortcut"


def _random_conversation(rng: random.Random, turns: int) -> list:
    """Turns of random intents and actions, half of them hidden rule turns, some slots set."""
    intents = ["faq", "affirm", "deny", "thank", "greet", "stop"]
    actions = [
        "utter_faq",
        "utter_thank",
        "utter_greet",
        "action_record_feedback",
        "utter_feedback_thanks",
    ]
    events = [ActionExecuted("action_listen")]
    for _ in range(turns):
        events.append(UserUttered("text", {"name": rng.choice(intents), "confidence": 1.0}))
        for _ in range(rng.randint(1, 3)):
            events.append(ActionExecuted(rng.choice(actions), hide_rule_turn=rng.random() < 0.5))
        if rng.random() < 0.2:
            events.append(SlotSet("lump", rng.choice(["yes", "no", None])))
        events.append(ActionExecuted("action_listen", hide_rule_turn=rng.random() < 0.5))
    return events


def test_recent_states_equal_rasas_when_rule_turns_are_hidden_at_random():
    # Hidden turns make a state borrow the user input of the one before; the live conversation
    # above rarely puts that at the edge of the recent turns, these do.
    kwargs = {"ignore_rule_only_turns": True, "rule_only_data": {}}
    shortened = compared = 0
    for seed in range(20):
        events = _random_conversation(random.Random(seed), turns=30)
        for end in range(len(events) - 40, len(events) + 1):
            full = DialogueStateTracker.from_events(
                "random", events[:end], DOMAIN.slots
            ).past_states(DOMAIN, **kwargs)
            recent = RecentTurnsTracker.from_events(
                "random", events[:end], DOMAIN.slots
            ).past_states(DOMAIN, **kwargs)
            assert len(recent) >= RECENT_TURNS
            assert recent == full[len(full) - len(recent) :], (seed, end)
            shortened += len(recent) < len(full)
            compared += 1
    assert shortened > compared / 3


def test_a_long_conversation_still_answers_correctly_at_the_end(assistant):
    sender = "serving-very-long-visit"
    last_reply = _run_visit(assistant, sender, rounds=3)
    assert last_reply[0]["text"].startswith("Take care."), last_reply
    question = "how long does a ductogram take?"
    late, fresh = assistant.send(sender, question), assistant.send(sender + "-fresh", question)
    assert "Source: What Is a Ductogram?" in late[0]["text"]
    assert [m.get("text") for m in late] == [m.get("text") for m in fresh]
    reply = assistant.send(sender, "check my symptoms")
    assert reply[-1]["text"] == "What colour is the fluid?"


# --- The caching tracker store --------------------------------------------------------------


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'tracker.db'}"


def _tracker(sender: str, *texts: str) -> DialogueStateTracker:
    tracker = DialogueStateTracker.from_events(
        sender,
        [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")],
        DOMAIN.slots,
    )
    for text in texts:
        _add_turn(tracker, text)
    return tracker


def _add_turn(tracker: DialogueStateTracker, text: str) -> None:
    tracker.update(UserUttered(text, {"name": "faq", "confidence": 0.9}))
    tracker.update(ActionExecuted("utter_faq"))
    tracker.update(BotUttered(f"answer to {text}"))
    tracker.update(SlotSet("answer_feedback", {"answer": text}))
    tracker.update(ActionExecuted("action_listen"))


def _as_dicts(tracker: DialogueStateTracker) -> list[dict]:
    return [event.as_dict() for event in tracker.events]


def _retrieve(store, sender):
    return asyncio.run(store.retrieve(sender))


def _save(store, tracker):
    asyncio.run(store.save(tracker))


def test_cached_store_returns_what_rasas_store_returns_as_a_conversation_grows(sqlite_url):
    cached = CachedSQLTrackerStore(domain=DOMAIN, host=sqlite_url)
    stock = SQLTrackerStore(domain=DOMAIN, host=sqlite_url)
    tracker = _tracker("grows", "first")
    _save(cached, tracker)
    for turn in range(5):
        retrieved = _retrieve(cached, "grows")
        assert isinstance(retrieved, RecentTurnsTracker)
        assert _as_dicts(retrieved) == _as_dicts(_retrieve(stock, "grows"))
        assert retrieved.get_slot("answer_feedback") == {
            "answer": "first" if turn == 0 else f"turn {turn - 1}"
        }
        _add_turn(retrieved, f"turn {turn}")
        _save(cached, retrieved)
    assert "grows" in cached._conversations
    assert _retrieve(cached, "nobody") is None


def test_the_store_indexes_event_times_once_for_the_dashboard(sqlite_url):
    CachedSQLTrackerStore(domain=DOMAIN, host=sqlite_url)
    CachedSQLTrackerStore(domain=DOMAIN, host=sqlite_url)  # a second server: no error
    path = sqlite_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        indexes = connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'"
        ).fetchall()
    assert [name for name, _ in indexes].count(TIMESTAMP_INDEX) == 1
    # ... and Rasa's own store, in the same process, is left as Rasa makes it
    SQLTrackerStore(dialect="sqlite", db=path.replace("tracker.db", "rasa.db"))
    with sqlite3.connect(path.replace("tracker.db", "rasa.db")) as connection:
        rasas = connection.execute("SELECT name FROM sqlite_master WHERE type = 'index'").fetchall()
    assert rasas == [("ix_events_sender_id",)]


def test_rows_added_by_another_server_are_read(sqlite_url):
    here, elsewhere = (
        CachedSQLTrackerStore(domain=DOMAIN, host=sqlite_url),
        CachedSQLTrackerStore(domain=DOMAIN, host=sqlite_url),
    )
    _save(here, _tracker("shared", "asked here"))
    _retrieve(here, "shared")  # cached here
    tracker = _retrieve(elsewhere, "shared")
    _add_turn(tracker, "asked elsewhere")
    _save(elsewhere, tracker)
    assert [e.text for e in _retrieve(here, "shared").events if isinstance(e, UserUttered)] == [
        "asked here",
        "asked elsewhere",
    ]


def test_deleted_rows_are_not_served_from_memory(sqlite_url, tmp_path):
    store = CachedSQLTrackerStore(domain=DOMAIN, host=sqlite_url)
    _save(store, _tracker("purged", "old question", "another"))
    _retrieve(store, "purged")
    with sqlite3.connect(tmp_path / "tracker.db") as db:
        db.execute("DELETE FROM events WHERE sender_id = 'purged'")
    assert _retrieve(store, "purged") is None
    _save(store, _tracker("purged", "new question"))
    assert [e.text for e in _retrieve(store, "purged").events if isinstance(e, UserUttered)] == [
        "new question"
    ]


def test_a_new_session_starts_from_its_own_events(sqlite_url):
    store = CachedSQLTrackerStore(domain=DOMAIN, host=sqlite_url)
    tracker = _tracker("sessions", "yesterday's question")
    _save(store, tracker)
    tracker = _retrieve(store, "sessions")
    for event in [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
    ]:
        tracker.update(event)
    _add_turn(tracker, "today's question")
    _save(store, tracker)
    retrieved = _retrieve(store, "sessions")
    assert [e.text for e in retrieved.events if isinstance(e, UserUttered)] == ["today's question"]
    assert _as_dicts(retrieved) == _as_dicts(
        _retrieve(SQLTrackerStore(domain=DOMAIN, host=sqlite_url), "sessions")
    )


def test_entities_added_to_a_message_are_not_added_again_on_each_read(sqlite_url):
    store = CachedSQLTrackerStore(domain=DOMAIN, host=sqlite_url)
    tracker = _tracker("entities", "question")
    tracker.update(EntitiesAdded([{"entity": "side", "value": "left", "start": 0, "end": 4}]))
    _save(store, tracker)
    for _ in range(3):
        assert len(_retrieve(store, "entities").latest_message.entities) == 1


def test_the_cache_keeps_to_its_size(sqlite_url):
    store = CachedSQLTrackerStore(domain=DOMAIN, host=sqlite_url, cached_events=40)
    for number in range(5):
        _save(store, _tracker(f"patient-{number}", "a", "b"))  # 13 events each
        _retrieve(store, f"patient-{number}")
    assert store._events_in_cache <= 40
    assert list(store._conversations) == ["patient-2", "patient-3", "patient-4"]
    assert sum(len(c.events) for c in store._conversations.values()) == store._events_in_cache


def test_the_running_server_stores_in_sqlite_through_the_caching_store(assistant):
    # Rasa falls back to an in-memory store if endpoints.yml names a class it cannot import.
    assert "Tracker store with type" not in assistant.log_file.read_text(errors="replace")
    assistant.send("serving-stored", "what is a ductogram?")
    assert len(_stored_events(assistant.tracker_db, "serving-stored")) > 3


# --- Action-server replies ------------------------------------------------------------------

VALID_REPLIES = [
    {"events": [], "responses": []},
    {
        "events": [{"event": "slot", "name": "lump", "value": "no", "timestamp": None}],
        "responses": [{"response": "utter_greet"}],
    },
    {
        "events": [
            {"event": "active_loop", "name": None},
            {"event": "followup", "name": "action_listen"},
        ]
    },
]
INVALID_REPLIES = [
    {"events": [{"event": "slot"}]},
    {"events": "not a list"},
    {"responses": [1, 2]},
    {"events": [{"event": "no_such_event"}]},
]


@pytest.mark.parametrize("reply", VALID_REPLIES + INVALID_REPLIES)
def test_action_replies_get_the_same_verdict_as_rasas_check(reply):
    check_replies_with_compiled_schema()
    action = RemoteAction("action_escalate_red_flag", None)
    try:
        jsonschema.validate(reply, RemoteAction.action_response_format_spec())
        rasa_verdict = None
    except jsonschema.ValidationError as error:
        rasa_verdict = error.message
    if rasa_verdict is None:
        assert action._validate_action_result(reply) is True
    else:
        with pytest.raises(jsonschema.ValidationError) as raised:
            action._validate_action_result(reply)
        assert raised.value.message.startswith(
            rasa_verdict + ". Failed to validate Action server response"
        )
    assert (reply in VALID_REPLIES) == (rasa_verdict is None)
