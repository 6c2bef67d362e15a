"""Faults the servers survive: the action server down or hanging, both servers restarted
mid-conversation, the database missing at start or locked while running, and many
conversations at once (real servers, real SQLite, over HTTP)."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from conftest import RunningAssistant, click, free_port, start_assistant, triage_of

from core.replies import unavailable_text
from tools.servers import ServersDidNotStart
from tools.servers import start_assistant as start_servers

FAQ_QUESTION = "what is a ductogram?"


def texts(reply):
    return [m.get("text") or "" for m in reply]


@pytest.fixture(scope="module")
def action_port() -> int:
    """Where the Rasa server below looks for its action server: nothing listens there, until
    the hanging test puts a server that never answers on it."""
    return free_port()


@pytest.fixture(scope="module")
def without_action_server(model_path, tmp_path_factory, action_port):
    """The Rasa server alone (one start serves the outage and the hanging tests)."""
    running = start_assistant(
        model_path,
        tmp_path_factory.mktemp("no-actions"),
        SERVERS="rasa",
        ACTION_PORT=str(action_port),
    )
    yield running
    running.stop()


def test_faq_answers_need_no_action_server(without_action_server):
    reply = without_action_server.send("down-faq", FAQ_QUESTION)
    assert "Source: What Is a Ductogram?" in reply[0]["text"]


def test_red_flags_escalate_without_the_action_server(without_action_server):
    reply = without_action_server.send("down-red-flag", "I have bloody discharge from my nipple")
    assert triage_of(reply)["level"] == "urgent"
    assert "see your doctor" in reply[0]["text"].lower()
    reply = without_action_server.send("down-emergency", "my throat is swelling after the dye")
    assert triage_of(reply)["level"] == "emergency"


def test_what_needs_the_action_server_gets_an_apology_with_the_phone_number(without_action_server):
    reply = without_action_server.send("down-check", "check my symptoms")
    assert texts(reply).count(unavailable_text()) == 1, reply
    assert "call the clinic at +1 555 0100" in unavailable_text()
    assert not any(m.get("buttons") for m in reply), (
        "the check is paused, not asking questions it cannot read"
    )
    reply = without_action_server.send("down-check", FAQ_QUESTION)
    assert any("Source: What Is a Ductogram?" in text for text in texts(reply)), (
        "the conversation must go on"
    )


class _SilentServer:
    """Accepts connections and never answers: an action server that hangs."""

    def __init__(self, port: int) -> None:
        self.socket = socket.socket()
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", port))
        self.socket.listen(50)
        self.held = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                self.held.append(self.socket.accept()[0])
            except OSError:
                return

    def close(self) -> None:
        for connection in self.held:
            connection.close()
        self.socket.close()


def test_a_hanging_action_server_gets_an_apology_not_a_wait(without_action_server, action_port):
    silent = _SilentServer(action_port)
    try:
        # send() gives up after 60 s; Rasa alone would wait 5 minutes for the action server.
        reply = without_action_server.send("hanging", "check my symptoms")
        assert unavailable_text() in texts(reply)
        assert triage_of(
            without_action_server.send("hanging-red-flag", "there is blood coming from my nipple")
        )
    finally:
        silent.close()


def test_a_symptom_check_goes_on_after_an_action_server_outage_and_both_servers_restart(
    model_path, tmp_path
):
    """Three starts on one tracker.db: both servers; Rasa alone (the action server is out);
    both again, each with new processes and ports."""
    first = start_assistant(model_path, tmp_path)
    try:
        for sender in ("restarted", "outage-answer", "outage-red-flag"):
            reply = first.send(sender, "check my symptoms")
            reply = first.send(sender, click(reply, "Milky"))
            assert reply[-1]["text"] == "Does it come from one breast or both?"
    finally:
        first.stop()
    rasa_alone = start_assistant(model_path, tmp_path, SERVERS="rasa", ACTION_PORT=str(free_port()))
    try:
        reply = rasa_alone.send("outage-answer", "From one breast")
        assert texts(reply).count(unavailable_text()) == 1, reply
        assert not any(m.get("buttons") for m in reply), "no question the check cannot read"

        reply = rasa_alone.send("outage-red-flag", "now there is blood coming out of my nipple")
        assert triage_of(reply)["level"] == "urgent"
        assert texts(reply).count(unavailable_text()) == 1, reply
        assert not any(m.get("buttons") for m in reply), reply

        for sender in ("outage-answer", "outage-red-flag"):
            reply = rasa_alone.send(sender, FAQ_QUESTION)
            assert "Source: What Is a Ductogram?" in reply[0]["text"]
            assert unavailable_text() not in texts(reply), (
                "the paused check no longer apologises at every message"
            )
    finally:
        rasa_alone.stop()
    again = start_assistant(model_path, tmp_path)
    try:
        reply = again.send("restarted", "From one breast")
        assert reply[-1]["text"] == "Does it come out by itself, or only when you squeeze?", reply
    finally:
        again.stop()


@pytest.mark.parametrize(
    "url", ["postgresql://nobody@127.0.0.1:{port}/rasa", "sqlite:////proc/no-such-dir/tracker.db"]
)
def test_the_server_refuses_to_start_without_its_database(model_path, tmp_path, url):
    with pytest.raises(ServersDidNotStart) as refused:
        start_servers(
            model_path, tmp_path, SERVERS="rasa", TRACKER_STORE_URL=url.format(port=free_port())
        )
    assert "Cannot use the conversation database" in str(refused.value)
    assert "TRACKER_STORE_URL" in str(refused.value)
    assert "nobody@" not in str(refused.value).split("Cannot use")[-1]


def test_a_locked_database_is_reported_not_hidden(assistant: RunningAssistant):
    health = f"{assistant.rasa_url}/webhooks/rest/"
    assert requests.get(health, timeout=30).status_code == 200
    assistant.send("locked", FAQ_QUESTION)
    lock = sqlite3.connect(assistant.tracker_db, timeout=1, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        reply = requests.post(
            f"{assistant.rasa_url}/webhooks/rest/webhook",
            json={"sender": "locked", "message": "will it hurt?"},
            timeout=120,
        )
        assert reply.status_code == 503 and texts(reply.json()) == [unavailable_text()], reply.text
        checked = requests.get(health, timeout=60)
        assert checked.status_code == 503 and "TRACKER_STORE_URL" in checked.json()["reason"]
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    assert requests.get(health, timeout=30).status_code == 200
    reply = assistant.send("locked", FAQ_QUESTION)
    assert "Source: What Is a Ductogram?" in reply[0]["text"]
    with sqlite3.connect(assistant.tracker_db) as db:
        stored = [
            json.loads(d)["text"]
            for (d,) in db.execute(
                "SELECT data FROM events WHERE sender_id='locked' AND type_name='user' ORDER BY id"
            )
        ]
    assert stored[0] == FAQ_QUESTION and stored[-1] == FAQ_QUESTION


def test_50_conversations_of_20_messages_at_once_are_stored_complete_and_in_order(
    assistant: RunningAssistant,
):
    questions = [
        "what is a ductogram?",
        "will it hurt?",
        "what should I wear?",
        "thanks",
        "how long does it take?",
    ]

    def one_patient(number: int):
        sender = f"crowd-{number}"
        sent = [f"{questions[turn % len(questions)]} ({turn})" for turn in range(20)]
        replies = [assistant.send(sender, text) for text in sent]
        return sender, sent, replies

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(one_patient, range(50)))
    with sqlite3.connect(assistant.tracker_db) as db:
        for sender, sent, replies in results:
            assert all(reply and reply[0].get("text") for reply in replies), sender
            rows = db.execute(
                "SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id", (sender,)
            ).fetchall()
            user_texts = [json.loads(data)["text"] for kind, data in rows if kind == "user"]
            assert user_texts == sent, f"{sender}: lost, doubled or out of order"
            bot_count = sum(kind == "bot" for kind, _ in rows)
            assert bot_count == sum(len(reply) for reply in replies), sender


@pytest.fixture
def tiny_disk(tmp_path):
    """A 2 MB file system, to fill up (tmpfs: make test runs as root, as on CI)."""
    mount_point = tmp_path / "tiny-disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    assert mounted.returncode == 0, (
        f"cannot mount a small file system to fill (needs root): {mounted.stderr}"
    )
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


def _fill(disk) -> None:
    with open(disk / "filler", "wb") as filler:
        try:
            while True:
                filler.write(b"\0" * 65536)
                filler.flush()
        except OSError:
            pass


def test_a_full_disk_is_reported_not_hidden(model_path, tmp_path, tiny_disk):
    running = start_assistant(
        model_path,
        tmp_path,
        SERVERS="actions rasa",
        TRACKER_STORE_URL=f"sqlite:///{tiny_disk}/tracker.db",
    )
    try:
        running.send("full-disk", FAQ_QUESTION)
        _fill(tiny_disk)
        reply = requests.post(
            f"{running.rasa_url}/webhooks/rest/webhook",
            json={"sender": "full-disk", "message": "will it hurt? " * 200},
            timeout=120,
        )
        assert reply.status_code == 503 and texts(reply.json()) == [unavailable_text()], reply.text
        (tiny_disk / "filler").unlink()
        reply = running.send("full-disk", FAQ_QUESTION)
        assert "Source: What Is a Ductogram?" in reply[0]["text"]
    finally:
        running.stop()
