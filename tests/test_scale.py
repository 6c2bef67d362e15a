"""Two Rasa servers sharing one PostgreSQL tracker store and one Redis lock store, with one
action server: conversations whose turns alternate between the servers continue correctly,
and every event is stored once, in order. `make test-scale` runs this file (make test too).

PostgreSQL and Redis run as private instances on free ports in a temporary directory,
started and stopped here (tools/ensure_scale_services.sh installs the packages)."""

from __future__ import annotations

import datetime as dt
import glob
import json
import os
import random
import shutil
import subprocess
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from conftest import RunningAssistant, free_port, port_is_open, start_assistant, triage_of
from pages import signed_in
from review_oracle import build_report, events_between

from bench.clinic import day_of_rows
from core.replies import unavailable_text
from core.review.pages import matching, paginate
from core.review.report import ConversationSummary
from webapp.review_queries import EVENTS
from webapp.store import ConversationStore


def _as_postgres_user(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _wait_for_port(port: int, what: str, process=None, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not port_is_open(port):
        assert process is None or process.poll() is None, f"{what} exited early"
        assert time.monotonic() < deadline, f"{what} did not start on port {port}"
        time.sleep(0.2)


class PrivatePostgres:
    """pg_ctl for the private instance, so a test can stop and start it."""

    def __init__(self, pg_bin: Path, data: Path, port: int) -> None:
        self.pg_bin, self.data, self.port = pg_bin, data, port
        self.url = f"postgresql://rasa@127.0.0.1:{port}/rasa"

    def pg_ctl(self, *args: str) -> None:
        subprocess.run(
            _as_postgres_user([str(self.pg_bin / "pg_ctl"), "-D", str(self.data), *args]),
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        self.pg_ctl(
            "-w",
            "-l",
            str(self.data / "server.log"),
            "-o",
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data}",
            "start",
        )

    def stop(self) -> None:
        self.pg_ctl("-m", "fast", "-w", "stop")


@pytest.fixture(scope="module")
def postgres() -> Iterator[PrivatePostgres]:
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    assert bins, (
        "PostgreSQL is not installed: run tools/ensure_scale_services.sh (make test-scale does)."
    )
    pg_bin = Path(bins[-1])
    # Not under pytest's private temp dir: the postgres user must be able to reach it.
    home = Path(tempfile.mkdtemp(prefix="scale-test-postgres-"))
    data = home / "data"
    data.mkdir()
    if os.geteuid() == 0:
        for path in (home, data):
            shutil.chown(path, "postgres")
    instance = PrivatePostgres(pg_bin, data, free_port())
    subprocess.run(
        _as_postgres_user([str(pg_bin / "initdb"), "-D", str(data), "-U", "rasa", "--auth=trust"]),
        check=True,
        capture_output=True,
    )
    instance.start()
    try:
        subprocess.run(
            [
                str(pg_bin / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(instance.port),
                "-U",
                "rasa",
                "rasa",
            ],
            check=True,
            capture_output=True,
        )
        yield instance
    finally:
        subprocess.run(
            _as_postgres_user([str(pg_bin / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
def postgres_url(postgres: PrivatePostgres) -> str:
    return postgres.url


@pytest.fixture(scope="module")
def redis_port(tmp_path_factory) -> Iterator[int]:
    server = shutil.which("redis-server")
    assert server, (
        "Redis is not installed: run tools/ensure_scale_services.sh (make test-scale does)."
    )
    port = free_port()
    process = subprocess.Popen(
        [
            server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path_factory.mktemp("redis")),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port, "Redis", process)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def two_servers(
    model_path, postgres_url, redis_port, tmp_path_factory
) -> Iterator[list[RunningAssistant]]:
    shared = dict(
        TRACKER_STORE_URL=postgres_url,
        LOCK_STORE_TYPE="redis",
        REDIS_HOST="127.0.0.1",
        REDIS_PORT=str(redis_port),
        REDIS_DB="1",
    )
    # The web server too, on the same PostgreSQL: the nurses' call-back queue.
    first = start_assistant(
        model_path, tmp_path_factory.mktemp("server-a"), SERVERS="actions rasa web", **shared
    )
    try:
        second = start_assistant(
            model_path,
            tmp_path_factory.mktemp("server-b"),
            SERVERS="rasa",
            ACTION_PORT=str(first.action_port),
            **shared,
        )
        yield [first, second]
        second.stop()
    finally:
        first.stop()


def stored_events(postgres_url: str, sender: str) -> list[dict]:
    engine = sa.create_engine(postgres_url, future=True)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT id, data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender}
        ).all()
    engine.dispose()
    return [json.loads(data) for _, data in rows]


def talk(
    servers: list[RunningAssistant], sender: str, messages: list[str], pattern: str = "abab"
) -> list[list[dict]]:
    """Send each message to server a or b as the pattern says (repeated)."""
    replies = []
    for index, message in enumerate(messages):
        server = servers[0] if pattern[index % len(pattern)] == "a" else servers[1]
        replies.append(server.send(sender, message))
    return replies


def assert_stored_once_in_order(postgres_url: str, sender: str, sent: list[str]) -> None:
    events = stored_events(postgres_url, sender)
    assert [e["text"] for e in events if e["event"] == "user"] == sent
    timestamps = [e["timestamp"] for e in events]
    assert timestamps == sorted(timestamps), "events out of order"
    duplicates = [
        key for key, n in Counter(json.dumps(e, sort_keys=True) for e in events).items() if n > 1
    ]
    assert not duplicates, f"events stored twice: {duplicates[:2]}"


def test_faq_turns_alternate_between_servers(two_servers, postgres_url):
    sender = f"scale-faq-{uuid.uuid4().hex[:8]}"
    sent = [
        "What is a ductogram?",
        "Will a ductogram hurt?",
        "How long does a ductogram take?",
        "thanks",
    ]
    replies = talk(two_servers, sender, sent)
    for reply in replies[:3]:
        assert "Source: What Is a Ductogram?" in reply[-1]["text"], reply
    assert_stored_once_in_order(postgres_url, sender, sent)


def test_symptom_check_interrupted_halfway_continues_on_the_other_server(two_servers, postgres_url):
    sender = f"scale-check-{uuid.uuid4().hex[:8]}"
    first_half = [
        "Check my symptoms",
        "It is milky",
        "From both breasts",
        "Only when I squeeze",
        "No",
    ]
    second_half = ["No", "Female", "Under 30", "Neither", "No", "Neither"]
    replies = talk(two_servers, sender, first_half, pattern="a")
    assert replies[-1][-1]["text"].startswith("Have you seen changes like skin dimpling"), replies[
        -1
    ]
    # Server a is done with this conversation; server b picks it up where it stopped.
    replies = talk(two_servers, sender, second_half, pattern="b")
    assert replies[0][-1]["text"] == "Are you female or male?", replies[0]
    assert any("What to tell your doctor" in m.get("text", "") for m in replies[-1]), replies[-1]
    assert_stored_once_in_order(postgres_url, sender, first_half + second_half)


def test_symptom_check_alternating_every_turn_with_a_question_in_the_middle(
    two_servers, postgres_url
):
    sender = f"scale-mixed-{uuid.uuid4().hex[:8]}"
    sent = [
        "Check my symptoms",
        "It is clear and watery",
        "What is a ductogram?",
        "From one breast",
        "It comes out by itself",
    ]
    replies = talk(two_servers, sender, sent)
    assert (
        "Source:" in replies[2][0]["text"]
        and replies[2][-1]["text"] == "Does it come from one breast or both?"
    )
    assert triage_of(replies[-1])["level"] == "urgent"  # clear, by itself, one breast
    assert_stored_once_in_order(postgres_url, sender, sent)


def test_red_flag_on_one_server_after_an_answer_on_the_other(two_servers, postgres_url, redis_port):
    sender = f"scale-flag-{uuid.uuid4().hex[:8]}"
    sent = ["What is a ductogram?", "my throat is swelling after the dye"]
    replies = talk(two_servers, sender, sent)
    assert triage_of(replies[1])["level"] == "emergency"
    assert_stored_once_in_order(postgres_url, sender, sent)
    # The lock store really is Redis: both servers took and released locks there.
    stats = subprocess.run(
        ["redis-cli", "-p", str(redis_port), "info", "commandstats"], capture_output=True, text=True
    ).stdout
    assert "cmdstat_set:calls=" in stats and "cmdstat_del:calls=" in stats, stats


def test_the_nurses_dashboard_reads_postgres_read_only(two_servers, postgres_url):
    """PostgreSQL counts the dashboard's figures as walking every event would, for the
    conversations above and for three generated days of a clinic (bench/clinic.py), whole or
    cut at midnight; and the dashboard cannot write."""
    first_day, rng = dt.date(2026, 11, 20), random.Random(11)
    columns = ("sender_id", "type_name", "timestamp", "intent_name", "action_name", "data")
    rows = [row for day in range(3) for row in day_of_rows(rng, first_day + dt.timedelta(day), 40)]
    engine = sa.create_engine(postgres_url, future=True)
    with engine.begin() as connection:
        connection.execute(
            sa.insert(EVENTS), [dict(zip(columns, row, strict=True)) for row in rows]
        )
    engine.dispose()
    midnight = dt.datetime.combine(first_day, dt.time.min, dt.timezone.utc).timestamp()
    store = ConversationStore(postgres_url, read_only=True)
    everything = (0, time.time() + 60)
    for start, end in [
        everything,
        (midnight, midnight + 3 * 86400),
        (midnight + 86400, midnight + 2 * 86400),
    ]:
        expected, conversations = build_report(events_between(postgres_url, start, end))
        for words in ("", "capital", "phone"):
            report, page = store.dashboard(start, end, words, 2, 7)
            found = matching(conversations, words, lambda c: c["said"])
            assert report == expected
            assert page == paginate(
                [
                    ConversationSummary(c["id"], c["started"], c["messages"], c["escalation"])
                    for c in found
                ],
                2,
                7,
            )
    assert store.dashboard(*everything)[0].messages >= 2, "the conversations above are counted"
    with pytest.raises(Exception, match="read-only"):
        with store.engine.begin() as connection:
            connection.exec_driver_sql("DELETE FROM events")
    store.engine.dispose()


def test_call_back_requests_queue_on_postgres_and_are_forgotten(two_servers, postgres_url):
    """A patient escalated on one server asks for a call back through the web server; the
    request, kept in PostgreSQL beside her conversation, waits in the nurses' queue with its
    level; a nurse's change is recorded; forget-me leaves no row of the conversation."""
    first, second = two_servers
    sender = f"web-{uuid.uuid4()}"
    assert triage_of(second.send(sender, "I have bloody discharge from one breast"))["level"] == (
        "urgent"
    )
    request = {
        "conversation": sender,
        "first_name": "Eve",
        "phone": "+44 7700 900123",
        "good_time": "mornings",
        "consent": True,
    }
    for good_time in ("mornings", "after lunch"):
        reply = requests.post(
            f"{first.web_url}/patient/callback", json=request | {"good_time": good_time}, timeout=30
        )
        assert reply.status_code == 200, reply.text
    engine = sa.create_engine(postgres_url, future=True)

    def one(sql: str, **parameters):
        with engine.connect() as connection:
            return connection.execute(sa.text(sql), parameters).all()

    [(request_id, level, good_time, status)] = one(
        "SELECT id, triage_level, good_time, status FROM callback_requests "
        "WHERE conversation_id = :s",
        s=sender,
    )
    assert (level, good_time, status) == ("urgent", "after lunch", "new")
    nurse = signed_in(first, "nurse")
    queue = nurse.get(f"{first.web_url}/nurse/callbacks", timeout=30)
    assert queue.status_code == 200 and f'id="callback-{request_id}"' in queue.text
    assert "+44 7700 900123" in queue.text
    changed = nurse.post(
        f"{first.web_url}/nurse/callbacks/change",
        data={"request": str(request_id), "to": "called", "note": "No answer"},
        allow_redirects=False,
        timeout=30,
    )
    assert changed.status_code == 303, changed.text
    assert one(
        "SELECT to_status, note FROM callback_history WHERE request_id = :r AND to_status = "
        "'called'",
        r=request_id,
    ) == [("called", "No answer")]
    forgot = requests.post(
        f"{first.web_url}/patient/forget", json={"conversation": sender}, timeout=30
    )
    assert forgot.status_code == 200 and forgot.json()["deleted_callbacks"] == 1
    assert one("SELECT count(*) FROM events WHERE sender_id = :s", s=sender) == [(0,)]
    assert one("SELECT count(*) FROM callback_requests WHERE conversation_id = :s", s=sender) == [
        (0,)
    ]
    assert one("SELECT count(*) FROM callback_history WHERE request_id = :r", r=request_id) == [
        (0,)
    ]
    engine.dispose()


def test_postgres_stopping_is_reported_and_survived(two_servers, postgres, postgres_url):
    """Last in this file: it stops the shared database. Rasa would keep answering from memory
    and store nothing; ours tells the patient and fails its health check until it is back."""
    server = two_servers[0]
    sender = f"scale-outage-{uuid.uuid4().hex[:8]}"
    server.send(sender, "What is a ductogram?")
    postgres.stop()
    try:
        reply = requests.post(
            f"{server.rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": "Will it hurt?"},
            timeout=120,
        )
        assert reply.status_code == 503 and reply.json()[0]["text"] == unavailable_text(), (
            reply.text
        )
        health = requests.get(f"{server.rasa_url}/webhooks/rest/", timeout=60)
        assert health.status_code == 503 and "TRACKER_STORE_URL" in health.json()["reason"]
    finally:
        postgres.start()
    deadline = time.monotonic() + 60
    while requests.get(f"{server.rasa_url}/webhooks/rest/", timeout=60).status_code != 200:
        assert time.monotonic() < deadline, "the health check did not recover"
        time.sleep(1)
    reply = server.send(sender, "How long does a ductogram take?")
    assert "Source: What Is a Ductogram?" in reply[0]["text"]
    user_texts = [e["text"] for e in stored_events(postgres_url, sender) if e["event"] == "user"]
    assert (
        user_texts[0] == "What is a ductogram?"
        and user_texts[-1] == "How long does a ductogram take?"
    )
