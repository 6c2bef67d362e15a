"""The running assistant over HTTP: tools/run_servers.sh with the trained model and a real SQLite store."""

import json
import re
import signal
import sqlite3
import time
import uuid

import requests
from conftest import port_is_open

from core.content import faq_responses

FAQ_RESPONSES = faq_responses()


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex[:8]}"


def texts(messages):
    return [m.get("text", "") for m in messages]


def test_answers_a_question_with_its_source(assistant):
    messages = assistant.send(new_sender(), "What are the risks of having a ductogram?")
    assert len(messages) == 1, messages
    answer, citation = messages[0]["text"].split("\n")
    assert answer == FAQ_RESPONSES["utter_faq/ductogram_risks"]["text"].strip()
    assert citation == "Source: What Is a Ductogram? — Risks"


def test_forum_answer_cites_the_forum_reply(assistant):
    [message] = assistant.send(new_sender(), "could my port catheter be leaking into my breast?")
    assert message["text"].endswith("Source: A doctor's forum reply (2009) — Port catheters")
    assert "care team" in message["text"]


def test_greeting_has_disclaimer_and_working_suggested_questions(assistant):
    sender = new_sender()
    [greeting] = assistant.send(sender, "hello")
    assert "not a diagnosis" in greeting["text"] and "emergency number" in greeting["text"]
    assert len(greeting["buttons"]) >= 3
    *questions, symptom_check = greeting["buttons"]
    for button in questions:
        [answer] = assistant.send(sender, button["payload"])
        assert re.search(r"\nSources?: ", answer["text"]), (button, answer)
    # The last one starts the symptom check: its first question, with answer buttons.
    replies = assistant.send(sender, symptom_check["payload"])
    assert symptom_check["title"] == "Check my symptoms" and replies[-1]["buttons"], replies
    assert replies[-1]["text"] == "What colour is the fluid?"


def test_out_of_scope_is_honest_and_cites_nothing(assistant):
    [message] = assistant.send(new_sender(), "what's the capital of france?")
    assert "I can only help" in message["text"] and "care team" in message["text"]
    assert "Source:" not in message["text"]


# Bad input of every kind: tests/test_bad_input.py.


def test_conversations_are_stored_in_the_sqlite_tracker_store(assistant):
    sender = new_sender()
    assistant.send(sender, "what should I wear to my ductogram?")
    with sqlite3.connect(assistant.tracker_db) as db:
        rows = db.execute(
            "SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id", (sender,)
        ).fetchall()
    events = [(kind, json.loads(data)) for kind, data in rows]
    user = [e for kind, e in events if kind == "user"]
    bot = [e for kind, e in events if kind == "bot"]
    assert user[0]["text"] == "what should I wear to my ductogram?"
    assert (
        user[0]["parse_data"]["response_selector"]["faq"]["response"]["intent_response_key"]
        == "faq/ductogram_what_to_wear"
    )
    assert bot[0]["text"].endswith("Source: What Is a Ductogram? — What to wear")
    assert bot[0]["metadata"]["utter_action"] == "utter_faq/ductogram_what_to_wear"


def test_socketio_channel_is_enabled(assistant):
    reply = requests.get(
        f"{assistant.rasa_url}/socket.io/", params={"EIO": "4", "transport": "polling"}, timeout=10
    )
    assert reply.status_code == 200 and '"sid"' in reply.text


def test_http_api_needs_the_token(assistant):
    """Rasa's HTTP API is on for publishing (PUT /model) and answers nothing without
    RASA_API_TOKEN (make run makes a random one)."""
    parse = requests.post(f"{assistant.rasa_url}/model/parse", json={"text": "hi"}, timeout=10)
    tracker = requests.get(f"{assistant.rasa_url}/conversations/x/tracker", timeout=10)
    assert (parse.status_code, tracker.status_code) == (401, 401)


def test_ctrl_c_stops_all_three_servers(assistant):
    # Last in this module: it stops the servers the other tests used.
    ports = [assistant.rasa_port, assistant.action_port, assistant.web_port]
    assert all(port_is_open(port) for port in ports)
    assistant.stop(signal.SIGINT)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(port_is_open(port) for port in ports):
        time.sleep(0.5)
    assert assistant.process.returncode is not None
    assert not any(port_is_open(port) for port in ports)
