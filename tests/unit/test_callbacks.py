"""Call-back requests (core/review/callbacks.py, webapp/callbacks.py) and the patients' endpoints
(webapp/patient.py), on real SQLite tracker stores holding the events Rasa writes: reading a
request, asking again, the queue's order, the nurses' changes and their history, deleting a
conversation with its requests in one transaction, and the purge."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bench.clinic import EVENTS_INDEX, EVENTS_TABLE, INSERT_EVENT, event_row
from core.review.callbacks import (
    CALLED,
    CHECK_THE_FORM,
    CLOSED,
    NEW,
    CallbackRequest,
    NotAccepted,
    NotAllowed,
    check_transition,
    confirmation,
    doctor_summary,
    good_time_problem,
    most_serious_triage,
    name_problem,
    phone_digits,
    queue_order,
    read_note,
    read_request,
    waited,
)
from tools.servers import PROJECT_ROOT, WEB_VENV
from webapp import purge
from webapp.callbacks import HISTORY, REQUESTS, CallbackStore, NoSuchRequest
from webapp.settings import PublishSettings, WebSettings
from webapp.store import ConversationStore

CLINIC_PHONE = "+1 555 0100"
UTC = dt.timezone.utc
T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
GOOD = {
    "conversation": "web-1f2e",
    "first_name": "Ann",
    "phone": "+1 555 010 0199",
    "good_time": "mornings",
    "consent": True,
}


def triage_event(level: str, why: list[str], timestamp: float) -> dict:
    return {
        "event": "bot",
        "timestamp": timestamp,
        "text": "Please see your doctor.",
        "data": {"custom": {"triage": {"level": level, "reasons": ["r"], "why": why}}},
    }


def summary_event(date: str, level: str | None, timestamp: float) -> dict:
    summary = {
        "date": date,
        "level": level,
        "headline": "Please see your doctor within a few days." if level else None,
        "reasons": ["The fluid has blood in it."] if level else [],
        "answers": [{"question": "Which side?", "answer": "Left"}, {"question": 3}],
        "tell_doctor": "Fluid from the left nipple for 2 weeks.",
        "next_step": "Contact your doctor in the next day or two." if level else None,
    }
    return {"event": "bot", "timestamp": timestamp, "data": {"custom": {"doctor_summary": summary}}}


def conversation(sender: str, start: float, *bot_events: dict) -> list[tuple]:
    user = {
        "event": "user",
        "timestamp": start,
        "text": "my nipple leaks, call me on 07700 900123",
        "parse_data": {"intent": {"name": "red_flag"}},
    }
    events = [{"event": "action", "timestamp": start - 1, "name": "action_session_start"}, user]
    return [event_row(sender, event) for event in events + list(bot_events)]


@pytest.fixture
def tracker(tmp_path: Path) -> Path:
    """A tracker store with Rasa's events table: web-1f2e escalated routine then urgent, and
    left a summary; web-other did neither."""
    path = tmp_path / "tracker.db"
    start = T0.timestamp() - 600
    rows = conversation(
        "web-1f2e",
        start,
        triage_event("routine", ["it started after the test"], start + 1),
        triage_event("urgent", ["the fluid has blood in it"], start + 2),
        {"event": "bot", "timestamp": start + 3, "text": "Anything else?"},
    ) + conversation("web-other", start)
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute(EVENTS_TABLE)
        connection.execute(EVENTS_INDEX)
        connection.executemany(INSERT_EVENT, rows)
    return path


@pytest.fixture
def store(tracker: Path) -> CallbackStore:
    callbacks = CallbackStore(f"sqlite:///{tracker}")
    callbacks.create_tables()
    return callbacks


def ask(store: CallbackStore, now: dt.datetime = T0, **changes) -> object:
    return store.keep(read_request({**GOOD, **changes}, CLINIC_PHONE), now)


def events_of(tracker: Path, sender: str) -> int:
    with closing(sqlite3.connect(tracker)) as connection:
        query = "SELECT COUNT(*) FROM events WHERE sender_id = ?"
        return connection.execute(query, (sender,)).fetchone()[0]


# Reading a request ---------------------------------------------------------------------------


def test_a_good_request_is_read_tidied():
    asked = read_request(
        {**GOOD, "first_name": "  Ann  Marie ", "good_time": "after\n3 pm"}, CLINIC_PHONE
    )
    assert asked == CallbackRequest("web-1f2e", "Ann Marie", "+1 555 010 0199", "after 3 pm")


@pytest.mark.parametrize(
    "phone, digits",
    [
        ("+1 (555) 010-0199", "15550100199"),
        ("07700.900.123", "07700900123"),
        ("5550100", "5550100"),
        ("+123456789012345", "123456789012345"),
        ("123456", None),  # 6 digits
        ("1234567890123456", None),  # 16 digits
        ("++1 555 010 0199", None),  # one + only
        ("555 010 0199 ext 2", None),
        ("555-O1O-0199", None),
        ("١٢٣٤٥٦٧٨", None),  # digits, but not ones a phone dials
    ],
)
def test_phone_numbers(phone, digits):
    assert phone_digits(phone) == digits


@pytest.mark.parametrize(
    "changes, field, words",
    [
        ({"first_name": ""}, "first_name", "type your first name"),
        ({"first_name": "   "}, "first_name", "type your first name"),
        ({"first_name": "1234"}, "first_name", "in letters"),
        ({"first_name": "A" * 61}, "first_name", "60 letters or fewer"),
        ({"first_name": 7}, "first_name", "type your first name"),
        ({"phone": "12"}, "phone", "7 to 15 digits"),
        ({"phone": None}, "phone", "phone number we should call"),
        ({"phone": "1" * 41}, "phone", "7 to 15 digits"),
        ({"good_time": ""}, "good_time", "good time to call"),
        ({"good_time": "x" * 101}, "good_time", "100 characters"),
        ({"good_time": ["mornings"]}, "good_time", "good time to call"),
        ({"consent": False}, "consent", CLINIC_PHONE),
        ({"consent": "true"}, "consent", CLINIC_PHONE),
    ],
)
def test_each_problem_is_said_by_field(changes, field, words):
    with pytest.raises(NotAccepted) as refused:
        read_request({**GOOD, **changes}, CLINIC_PHONE)
    assert refused.value.message.startswith(CHECK_THE_FORM)
    assert list(refused.value.problems) == [field]
    assert words in refused.value.problems[field]


def test_without_consent_the_message_offers_the_clinics_phone():
    body = {k: v for k, v in GOOD.items() if k != "consent"}
    with pytest.raises(NotAccepted) as refused:
        read_request(body, CLINIC_PHONE)
    assert f"call the clinic on {CLINIC_PHONE}" in refused.value.message


def test_every_problem_at_once():
    with pytest.raises(NotAccepted) as refused:
        read_request({"conversation": "web-1"}, CLINIC_PHONE)
    assert set(refused.value.problems) == {"first_name", "phone", "good_time", "consent"}


@pytest.mark.parametrize("conversation", [None, "", "web 1", "../etc", "x" * 101, 12])
def test_a_conversation_id_must_look_like_one(conversation):
    with pytest.raises(NotAccepted) as refused:
        read_request({**GOOD, "conversation": conversation}, CLINIC_PHONE)
    assert "conversation" in refused.value.problems


@pytest.mark.parametrize("body", [[], "text", None, 3])
def test_a_body_that_is_not_an_object_is_refused(body):
    with pytest.raises(NotAccepted):
        read_request(body, CLINIC_PHONE)


# States, order, words ------------------------------------------------------------------------


def test_requests_move_forward_only():
    check_transition(NEW, CALLED)
    check_transition(NEW, CLOSED)
    check_transition(CALLED, CLOSED)
    for from_status, to_status in [(CALLED, NEW), (CLOSED, CALLED), (CLOSED, NEW), (NEW, NEW)]:
        with pytest.raises(NotAllowed):
            check_transition(from_status, to_status)


def test_the_queue_puts_the_most_serious_then_the_longest_waiting_first():
    def request(name, level, minutes_ago, status=NEW):
        when = T0 - dt.timedelta(minutes=minutes_ago)
        return {
            "first_name": name,
            "triage_level": level,
            "requested_at": when,
            "updated_at": when,
            "status": status,
        }

    requests = [
        request("none-old", None, 500),
        request("routine", "routine", 400),
        request("urgent-new", "urgent", 5),
        request("closed", "emergency", 1, CLOSED),
        request("emergency", "emergency", 2, CALLED),
        request("urgent-old", "urgent", 60),
        request("unknown", "severe", 900),
        request("closed-older", None, 1000, CLOSED),
    ]
    assert [r["first_name"] for r in queue_order(requests)] == [
        "emergency",
        "urgent-old",
        "urgent-new",
        "routine",
        "unknown",
        "none-old",
        "closed",
        "closed-older",
    ]


def test_waiting_in_words():
    assert waited(T0, T0) == "0 minutes"
    assert waited(T0 - dt.timedelta(minutes=1), T0) == "1 minute"
    assert waited(T0 - dt.timedelta(minutes=130), T0) == "2 hours 10 minutes"
    assert waited(T0 - dt.timedelta(hours=50), T0) == "2 days 2 hours"
    assert waited(T0 + dt.timedelta(minutes=5), T0) == "0 minutes"


def test_the_confirmation_warns_first_after_an_emergency():
    asked = read_request(GOOD, CLINIC_PHONE)
    words = {
        "clinic_name": "Example Breast Clinic",
        "clinic_hours": "Monday to Friday, 08:00 to 17:00",
        "expectation": "The clinic is open now.",
        "emergency_number": "999",
    }
    text = confirmation(asked, "emergency", **words)
    assert text.startswith("This may be an emergency. Call 999 now: do not wait for our call.")
    calm = confirmation(asked, "urgent", **words)
    assert "emergency" not in calm and "The clinic is open now." in calm
    assert "+1 555 010 0199" in calm and "Monday to Friday, 08:00 to 17:00" in calm


def test_the_most_serious_escalation_is_read_the_latest_of_equals():
    events = [
        triage_event("urgent", ["a"], 1),
        triage_event("emergency", ["b"], 2),
        {"event": "bot", "text": "hi"},
        triage_event("routine", ["c"], 3),
        {"event": "user", "text": "ok"},
    ]
    assert most_serious_triage(events) == ("emergency", ["b"])
    later = events + [triage_event("emergency", ["d"], 4)]
    assert most_serious_triage(later) == ("emergency", ["d"])
    assert most_serious_triage([{"event": "bot", "text": "hi"}]) == (None, [])


def test_the_latest_doctor_summary_is_read():
    events = [summary_event("2026-11-30", None, 1), summary_event("2026-12-01", "urgent", 2)]
    found = doctor_summary(events + [{"event": "bot", "text": "Bye"}])
    assert found is not None
    assert found["date"] == "2026-12-01" and found["level"] == "urgent"
    assert found["level_words"].startswith("Urgent")
    assert (
        found["answers"]
        == [
            {"question": "Which side?", "answer": "Left"},
            {"question": "", "answer": ""},
        ][:1]
    )
    calm = doctor_summary(events[:1])
    assert calm is not None and calm["level"] is None and calm["next_step"] == ""
    assert doctor_summary([{"event": "bot", "text": "hi"}, {"event": "user"}]) is None


# Storage -------------------------------------------------------------------------------------


def test_a_request_is_kept_with_the_latest_escalation(store):
    kept = ask(store)
    assert not kept.merged and kept.triage_level == "urgent"
    [row] = store.queue()
    assert row["first_name"] == "Ann" and row["phone"] == "+1 555 010 0199"
    assert row["status"] == NEW and row["requested_at"] == T0 and row["consent_at"] == T0
    assert row["triage_reasons"] == ["the fluid has blood in it"]
    assert [(h["from_status"], h["to_status"], h["changed_by"]) for h in row["history"]] == [
        (None, NEW, "patient")
    ]
    assert store.count_new() == 1


def test_a_conversation_without_escalation_or_events(store, tracker):
    assert ask(store, conversation="web-other").triage_level is None
    assert ask(store, conversation="web-never-seen").triage_level is None
    with closing(sqlite3.connect(tracker)) as connection, connection:
        connection.execute("DROP TABLE events")  # Rasa has not made it yet
    assert ask(store, conversation="web-third").triage_level is None


def test_asking_again_updates_the_open_request(store):
    first = ask(store)
    later = T0 + dt.timedelta(minutes=10)
    again = ask(store, later, good_time="afternoons", phone="07700 900123")
    assert again.merged and again.request_id == first.request_id
    [row] = store.queue()
    assert row["good_time"] == "afternoons" and row["phone"] == "07700 900123"
    assert row["requested_at"] == T0 and row["updated_at"] == later  # still waiting since T0
    # The number lives in the request only, never copied into its history.
    assert [h["note"] for h in row["history"]] == [None, "Ann, afternoons"]
    assert store.count_new() == 1


def test_asking_again_after_a_call_puts_it_back_as_new(store):
    first = ask(store)
    store.change_status(first.request_id, CALLED, "Nurse Kim", "No answer", T0)
    again = ask(store, T0 + dt.timedelta(hours=1))
    assert again.merged
    row = store.request(first.request_id)
    assert row is not None and row["status"] == NEW
    assert (row["history"][-1]["from_status"], row["history"][-1]["to_status"]) == (CALLED, NEW)


def test_after_closing_a_new_request_is_made(store):
    first = ask(store)
    store.change_status(first.request_id, CLOSED, "Nurse Kim", "Spoke to her", T0)
    second = ask(store, T0 + dt.timedelta(days=1))
    assert not second.merged and second.request_id != first.request_id
    assert [r["status"] for r in store.queue()] == [NEW, CLOSED]


def test_never_two_open_requests_for_one_conversation(store):
    ask(store)
    row = {
        "conversation_id": "web-1f2e",
        "first_name": "Eve",
        "phone": "5550100",
        "good_time": "now",
        "consent_at": T0,
        "requested_at": T0,
        "updated_at": T0,
        "triage_reasons": "[]",
        "status": CALLED,
    }
    with pytest.raises(sa.exc.IntegrityError), store.engine.begin() as connection:
        connection.execute(sa.insert(REQUESTS).values(**row))
    with store.engine.begin() as connection:  # a closed one may sit beside it
        connection.execute(sa.insert(REQUESTS).values(**{**row, "status": CLOSED}))


def test_nurses_changes_are_recorded_with_who_when_and_note(store):
    request_id = ask(store).request_id
    called_at, closed_at = T0 + dt.timedelta(hours=1), T0 + dt.timedelta(hours=2)
    store.change_status(request_id, CALLED, "Nurse Kim", "Left a message", called_at)
    assert store.count_new() == 0
    store.change_status(request_id, CLOSED, "Dr Lee", "", closed_at)
    row = store.request(request_id)
    assert row is not None
    assert (row["status"], row["status_by"], row["note"]) == (CLOSED, "Dr Lee", None)
    assert [
        (h["from_status"], h["to_status"], h["changed_by"], h["note"]) for h in row["history"]
    ] == [
        (None, NEW, "patient", None),
        (NEW, CALLED, "Nurse Kim", "Left a message"),
        (CALLED, CLOSED, "Dr Lee", None),
    ]
    with pytest.raises(NotAllowed):
        store.change_status(request_id, CALLED, "Nurse Kim")
    with pytest.raises(NoSuchRequest):
        store.change_status(999, CALLED, "Nurse Kim")


def test_the_stored_queue_is_in_order(store, tracker):
    start = T0.timestamp()
    rows = conversation("web-emergency", start, triage_event("emergency", ["e"], start + 1))
    with closing(sqlite3.connect(tracker)) as connection, connection:
        connection.executemany(INSERT_EVENT, rows)
    ask(store, T0, conversation="web-other")  # no escalation, waiting longest
    ask(store, T0 + dt.timedelta(minutes=5))  # urgent
    ask(store, T0 + dt.timedelta(minutes=9), conversation="web-emergency")
    assert [r["conversation_id"] for r in store.queue()] == [
        "web-emergency",
        "web-1f2e",
        "web-other",
    ]


def test_an_emergency_reported_after_asking_moves_the_request_up(store, tracker):
    ask(store, T0, conversation="web-later")  # no escalation when she asked
    ask(store, T0 + dt.timedelta(minutes=5))  # urgent
    start = T0.timestamp() + 600
    rows = conversation("web-later", start, triage_event("emergency", ["later"], start + 1))
    with closing(sqlite3.connect(tracker)) as connection, connection:
        connection.executemany(INSERT_EVENT, rows)
    first = store.queue()[0]
    assert (first["conversation_id"], first["triage_level"]) == ("web-later", "emergency")
    assert first["triage_reasons"] == ["later"]


def test_forgetting_deletes_the_events_and_the_requests(store, tracker):
    request_id = ask(store).request_id
    store.change_status(request_id, CALLED, "Nurse Kim", "", T0)
    ask(store, conversation="web-other")
    forgotten = store.forget("web-1f2e")
    assert (forgotten.events, forgotten.callbacks) == (5, 1)
    assert events_of(tracker, "web-1f2e") == 0 and events_of(tracker, "web-other") == 2
    assert [r["conversation_id"] for r in store.queue()] == ["web-other"]
    with store.engine.connect() as connection:
        history = connection.execute(sa.select(HISTORY.c.request_id)).scalars().all()
    assert request_id not in history and history
    assert store.forget("web-1f2e") == type(forgotten)(0, 0)


def test_forgetting_is_one_transaction(store, tracker, monkeypatch):
    ask(store)

    def broken(connection, condition):
        raise sa.exc.OperationalError("DELETE", {}, Exception("disk I/O error"))

    monkeypatch.setattr("webapp.callbacks._delete_requests", broken)
    with pytest.raises(sa.exc.OperationalError):
        store.forget("web-1f2e")
    assert events_of(tracker, "web-1f2e") == 5  # the events' deletion was rolled back
    assert store.count_new() == 1


def test_purge_deletes_old_requests_and_those_of_purged_conversations(store):
    old = ask(store, T0 - dt.timedelta(days=100), conversation="web-old").request_id
    kept = ask(store, T0 - dt.timedelta(days=10)).request_id
    gone_with_conversation = ask(store, T0, conversation="web-other").request_id
    deleted = store.purge_older_than(90, now=T0.timestamp(), conversations=["web-other"])
    assert deleted == 2
    assert [r["id"] for r in store.queue()] == [kept]
    assert store.request(old) is None and store.request(gone_with_conversation) is None


def test_make_purge_purges_call_backs_too(tracker, capsys):
    url = f"sqlite:///{tracker}"
    ancient = dt.datetime(2020, 1, 1, tzinfo=UTC)
    with closing(sqlite3.connect(tracker)) as connection, connection:
        connection.executemany(INSERT_EVENT, conversation("web-ancient", ancient.timestamp()))
    callbacks = CallbackStore(url)
    now = dt.datetime.now(UTC)
    ask(callbacks, ancient)  # untouched for years, though its conversation goes on
    ask(callbacks, now, conversation="web-ancient")  # recent, but its conversation is purged
    ask(callbacks, now, conversation="web-recent")
    days = (now - dt.datetime(2021, 1, 1, tzinfo=UTC)).days  # 2020 is old, the fixture's not
    assert purge.main(["--days", str(days), "--url", url]) == 0
    said = capsys.readouterr().out
    assert "Deleted 1 conversations (2 events)" in said and "and 2 call-back requests" in said
    assert [r["conversation_id"] for r in callbacks.queue()] == ["web-recent"]
    assert events_of(tracker, "web-1f2e") == 5


# The patients' endpoints ---------------------------------------------------------------------

PAGE = "http://localhost:8080"


def settings_for(tracker: Path) -> WebSettings:
    url = f"sqlite:///{tracker}"
    nowhere = Path("/nonexistent")
    return WebSettings(
        host="127.0.0.1",
        port=8080,
        rasa_port=5005,
        rasa_public_url="",
        clinic_name="Example Breast Clinic",
        clinic_phone=CLINIC_PHONE,
        clinic_hours="",
        emergency_number="911",
        widget_file=nowhere,
        nurse_token="",
        nurse_session_secret="",
        tracker_store_url=url,
        review_db_url="sqlite://",
        publishing=PublishSettings(nowhere, nowhere, nowhere, nowhere, nowhere, (), ""),
        cors_origins=(PAGE, "https://clinic.example"),
    )


def run_client(tracker: Path, script) -> None:
    """Runs `script(client)` against an app with the patients' routes, on a real server."""
    from webapp.patient import create_patient_routes

    async def main() -> None:
        settings = settings_for(tracker)
        app = web.Application(client_max_size=64 * 1024)
        callbacks = CallbackStore(settings.tracker_store_url)
        callbacks.create_tables()
        conversations = ConversationStore(settings.tracker_store_url, read_only=True)
        create_patient_routes(app, settings, conversations, callbacks)
        async with TestClient(TestServer(app)) as client:
            await script(client)

    asyncio.run(main())


def test_the_callback_endpoint(tracker, monkeypatch):
    monkeypatch.setenv("EMERGENCY_NUMBER", "999")
    start = T0.timestamp()
    rows = conversation("web-emergency", start, triage_event("emergency", ["e"], start + 1))
    with closing(sqlite3.connect(tracker)) as connection, connection:
        connection.executemany(INSERT_EVENT, rows)

    async def script(client: TestClient) -> None:
        preflight = await client.options(
            "/patient/callback",
            headers={"Origin": PAGE, "Access-Control-Request-Method": "POST"},
        )
        assert preflight.status == 204
        assert preflight.headers["Access-Control-Allow-Origin"] == PAGE
        assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
        elsewhere = await client.options("/patient/callback", headers={"Origin": "https://x.test"})
        assert "Access-Control-Allow-Origin" not in elsewhere.headers

        sent = await client.post("/patient/callback", json=GOOD, headers={"Origin": PAGE})
        assert sent.status == 200 and sent.headers["Access-Control-Allow-Origin"] == PAGE
        body = await sent.json()
        assert body["merged"] is False and isinstance(body["request_id"], int)
        assert "The clinic's hours are" in body["text"] and "emergency" not in body["text"]
        again = await (await client.post("/patient/callback", json=GOOD)).json()
        assert again["merged"] is True and again["request_id"] == body["request_id"]

        urgent = await client.post(
            "/patient/callback", json={**GOOD, "conversation": "web-emergency"}
        )
        assert (await urgent.json())["text"].startswith(
            "This may be an emergency. Call 999 now: do not wait for our call."
        )

        bad = await client.post("/patient/callback", json={**GOOD, "phone": "12", "consent": 0})
        assert bad.status == 400
        problem = await bad.json()
        assert problem["message"].startswith(CHECK_THE_FORM)
        assert set(problem["problems"]) == {"phone", "consent"}
        for data, kind in [
            ("not json", "application/json"),
            (json.dumps(GOOD), "text/plain"),
            (json.dumps({**GOOD, "good_time": "x" * 5000}), "application/json"),
            ("[1, 2]", "application/json"),
        ]:
            refused = await client.post(
                "/patient/callback", data=data, headers={"Content-Type": kind}
            )
            assert refused.status == 400, data[:20]
            assert (await refused.json())["message"]
        other_site = await client.post(
            "/patient/callback", json=GOOD, headers={"Origin": "https://evil.test"}
        )
        assert other_site.status == 403

    run_client(tracker, script)
    with closing(sqlite3.connect(tracker)) as connection:
        assert connection.execute("SELECT COUNT(*) FROM callback_requests").fetchone()[0] == 2


def test_the_forget_endpoint(tracker):
    async def script(client: TestClient) -> None:
        await client.post("/patient/callback", json=GOOD)
        done = await client.post(
            "/patient/forget", json={"conversation": "web-1f2e"}, headers={"Origin": PAGE}
        )
        assert done.status == 200 and done.headers["Access-Control-Allow-Origin"] == PAGE
        body = await done.json()
        assert (body["deleted_events"], body["deleted_callbacks"]) == (5, 1)
        assert body["text"].startswith("Your conversation is deleted.")
        for sent in ({}, {"conversation": "not an id"}, {"conversation": 5}, [1]):
            refused = await client.post("/patient/forget", json=sent)
            assert refused.status == 400

    run_client(tracker, script)
    assert events_of(tracker, "web-1f2e") == 0 and events_of(tracker, "web-other") == 2


def test_the_summary_page(tracker):
    rows = [
        event_row("web-1f2e", summary_event("2026-11-30", None, T0.timestamp())),
        event_row("web-1f2e", summary_event("2026-12-01", "urgent", T0.timestamp() + 1)),
    ]
    with closing(sqlite3.connect(tracker)) as connection, connection:
        connection.executemany(INSERT_EVENT, rows)

    async def script(client: TestClient) -> None:
        shown = await client.post("/patient/summary", data={"conversation": "web-1f2e"})
        assert shown.status == 200
        page = await shown.text()
        assert "2026-12-01" in page and "2026-11-30" not in page
        assert "Which side?" in page and "Fluid from the left nipple for 2 weeks." in page
        assert "General information, not a diagnosis." in page
        assert "Ctrl+P" in page and "@page { size: A4; margin: 15mm; }" in page
        policy = shown.headers["Content-Security-Policy"]
        assert "script-src" not in policy and "default-src 'none'" in policy
        none = await client.post("/patient/summary", data={"conversation": "web-other"})
        assert none.status == 404 and "No summary" in await none.text()
        bad = await client.post("/patient/summary", data={"conversation": "../../etc"})
        assert bad.status == 400
        latin = await client.post(
            "/patient/summary",
            data="conversation=web-1f2e\xe9".encode("latin-1"),
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        )
        assert latin.status == 400
        unknown = await client.post(
            "/patient/summary",
            data=b"conversation=web-1f2e",
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=no-such"},
        )
        assert unknown.status == 400

    run_client(tracker, script)


def test_the_privacy_page(tracker, monkeypatch):
    monkeypatch.setenv("RETENTION_DAYS", "30")
    monkeypatch.setenv("CLINIC_EMAIL", "privacy@clinic.example")

    async def script(client: TestClient) -> None:
        shown = await client.get("/privacy")
        assert shown.status == 200
        page = await shown.text()
        for words in (
            "for 30 days",
            "Delete my conversation",
            "delete what I said",
            "privacy@clinic.example",
            CLINIC_PHONE,
            "hidden",
        ):
            assert words in page
        assert "script-src" not in shown.headers["Content-Security-Policy"]

    run_client(tracker, script)


NURSE_FLOW = """
import asyncio, re
from aiohttp.test_utils import TestClient, TestServer
from webapp.nurse import ACCOUNTS_KEY
from webapp.server import create_app
from webapp.settings import load_settings


def nav(page):
    return re.search(r'id="nav-callbacks">([^<]*)', page).group(1)


async def main():
    app = create_app(load_settings())
    app[ACCOUNTS_KEY].add("Kim", "nurse", "long enough pass phrase")
    async with TestClient(TestServer(app)) as client:
        here = f"http://{client.server.host}:{client.server.port}"
        asked = {"conversation": "web-1f2e", "first_name": "Ann", "phone": "+1 555 010 0199",
                 "good_time": "mornings", "consent": True}
        assert (await client.post("/patient/callback", json=asked)).status == 200
        signed_in = await client.post(
            "/nurse/sign-in", data={"name": "Kim", "password": "long enough pass phrase"},
            headers={"Origin": here}, allow_redirects=False)
        assert signed_in.status == 303
        queue = await (await client.get("/nurse/callbacks")).text()
        assert nav(queue) == "Callbacks (1 new)"
        assert 'href="tel:+15550100199"' in queue and "the fluid has blood in it" in queue
        assert "[phone]" in queue and "07700 900123" not in queue  # the transcript is masked
        assert nav(await (await client.get("/nurse")).text()) == "Callbacks (1 new)"
        change = {"request": "1", "to": "called", "note": "Left a message"}
        elsewhere = await client.post("/nurse/callbacks/change", data=change,
                                      headers={"Origin": "https://evil.test"})
        assert elsewhere.status == 403
        done = await client.post("/nurse/callbacks/change", data=change, headers={"Origin": here})
        page = await done.text()
        assert done.status == 200 and nav(page) == "Callbacks"
        assert "Kim marked it called – “Left a message”" in page
        again = await client.post("/nurse/callbacks/change", data=change, headers={"Origin": here})
        assert again.status == 409
    print("ok")


asyncio.run(main())
"""


def test_the_nurses_queue_in_the_web_servers_environment(tracker, tmp_path):
    """/nurse/callbacks with a signed-in nurse, in the web server's own environment (WEB_VENV,
    with aiohttp-session): the menu's count, the queue, a change and its history."""
    python = WEB_VENV / "bin" / "python"
    assert python.exists(), f"{python} is missing: `make install` creates the web environment."
    keep = ("PATH", "HOME", "LANG")
    env = {name: value for name, value in os.environ.items() if name in keep}
    result = subprocess.run(
        [str(python), "-c", NURSE_FLOW],
        cwd=PROJECT_ROOT,
        env={
            **env,
            "PYTHONPATH": str(PROJECT_ROOT),
            "TRACKER_STORE_URL": f"sqlite:///{tracker}",
            "REVIEW_DB_URL": f"sqlite:///{tmp_path / 'review.db'}",
            "WEB_PORT": "8080",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.strip() == "ok", result.stderr[-3000:]


@pytest.mark.parametrize("bad", ["\ud800", "Ann\x00", "a\x1bb"])
def test_characters_no_one_can_type_are_refused_with_a_reason(bad):
    assert name_problem(bad) and good_time_problem(bad)
    assert read_note(f"called {bad}").isprintable()
