"""Whatever is sent to the REST channel gets a clear answer or a 400 with a reason, nothing is
lost, and the same conversation goes on normally (the real servers, over HTTP)."""

from __future__ import annotations

import json
import sqlite3
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from conftest import PROJECT_ROOT, RunningAssistant, triage_of

from rasa_addons.channels.message_text import MAX_MODEL_CHARS, OWN_PAYLOADS

# Its tests only talk to the servers, each in its own conversation: the servers are shared.
pytestmark = pytest.mark.shares_servers

FAQ_QUESTION = "what is a ductogram?"
# Planted in messages; must never reach a log.
FAKE_PHONE, FAKE_EMAIL = "555-0199-7788", "jane.planted@example.org"


def new_sender() -> str:
    return f"bad-input-{uuid.uuid4().hex[:8]}"


def webhook(assistant: RunningAssistant) -> str:
    return f"{assistant.rasa_url}/webhooks/rest/webhook"


def post(assistant: RunningAssistant, **kwargs) -> requests.Response:
    return requests.post(webhook(assistant), timeout=120, **kwargs)


@pytest.fixture(scope="module")
def faq_answer(assistant) -> str:
    return assistant.send(new_sender(), FAQ_QUESTION)[0]["text"]


def assert_goes_on(assistant: RunningAssistant, sender: str, faq_answer: str) -> None:
    """The next normal message in the same conversation gets the normal answer."""
    reply = assistant.send(sender, FAQ_QUESTION)
    assert reply[0]["text"] == faq_answer, reply


def stored_user_texts(assistant: RunningAssistant, sender: str):
    with sqlite3.connect(assistant.tracker_db) as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
            (sender,),
        ).fetchall()
    return [json.loads(data) for (data,) in rows]


@pytest.mark.parametrize("message", ["", "   ", "\n\t ", "\u200b\u200b", "\x00\x00"])
def test_empty_messages_get_a_prompt_and_store_nothing(assistant, faq_answer, message):
    sender = new_sender()
    reply = assistant.send(sender, message)
    assert reply == [
        {"recipient_id": sender, "text": "I did not get any words. Please type your question."}
    ]
    assert stored_user_texts(assistant, sender) == []
    assert_goes_on(assistant, sender, faq_answer)


@pytest.mark.parametrize(
    "message",
    [
        "😀😀😀",
        "🙂",
        "ما هو تصوير القنوات اللبنية؟",
        "שלום",
        "<b>hello</b>",
        "<script>alert('x')</script>",
        "' OR 1=1; DROP TABLE events; --",
        "%s%s%s {0} ${HOME} {{7*7}}",
        "a" * 3000,
        "?!?!?!",
        "1234567890",
    ],
)
def test_odd_messages_all_get_a_reply(assistant, faq_answer, message):
    sender = new_sender()
    reply = assistant.send(sender, message)
    assert reply and all(m.get("text") or m.get("custom") for m in reply), reply
    assert stored_user_texts(assistant, sender), "the message was not stored"
    assert_goes_on(assistant, sender, faq_answer)


@pytest.mark.parametrize("noise", ["\u200b", "\x00", "\x07", "\u200e", "\ufeff"])
def test_invisible_characters_do_not_change_the_answer(assistant, faq_answer, noise):
    sender = new_sender()
    reply = assistant.send(sender, f"what{noise} is a{noise} ductogram?{noise}")
    assert reply[0]["text"] == faq_answer
    assert stored_user_texts(assistant, sender)[0]["text"] == FAQ_QUESTION


def test_a_100000_character_message_is_answered_and_its_end_still_checked_for_red_flags(
    assistant, faq_answer
):
    sender = new_sender()
    ending = " Also I have bloody discharge from my nipple."
    message = (FAQ_QUESTION + " I have a question about the test." * 3000)[
        : 100_000 - len(ending)
    ] + ending
    assert len(message) == 100_000 and message.endswith("nipple.")
    reply = assistant.send(sender, message)
    assert triage_of(reply) and triage_of(reply)["level"] == "urgent", reply
    [stored] = stored_user_texts(assistant, sender)
    assert MAX_MODEL_CHARS - 10 < len(stored["text"]) <= MAX_MODEL_CHARS and message.startswith(
        stored["text"]
    )
    assert stored["metadata"]["full_text"] == message.strip(), "the whole message must be kept"
    assert_goes_on(assistant, sender, faq_answer)


def test_typed_intents_are_read_as_words_but_the_thumbs_still_work(assistant, faq_answer):
    sender = new_sender()
    assistant.send(sender, "/greet")
    assistant.send(sender, "/red_flag")
    stored = stored_user_texts(assistant, sender)
    assert [event["text"] for event in stored] == ["greet", "red_flag"]
    # The model read them: a typed intent would come back with confidence 1 and no ranking.
    assert all(len(event["parse_data"]["intent_ranking"]) > 1 for event in stored)
    assistant.send(sender, FAQ_QUESTION)
    reply = assistant.send(sender, "/feedback_helpful")
    assert "Thank you for telling me" in reply[0]["text"]
    assert (
        stored_user_texts(assistant, sender)[-1]["parse_data"]["intent"]["name"]
        == "feedback_helpful"
    )


def test_the_thumbs_payloads_match_the_widget():
    widget_source = (PROJECT_ROOT / "widget" / "src" / "rasa-replies.js").read_text()
    assert all(f'"{payload}"' in widget_source for payload in OWN_PAYLOADS)


@pytest.mark.parametrize(
    "request_kwargs, reason",
    [
        ({"data": "{not json", "headers": {"Content-Type": "application/json"}}, "JSON object"),
        (
            {
                "data": "message=hello&sender=x",
                "headers": {"Content-Type": "application/x-www-form-urlencoded"},
            },
            "JSON object",
        ),
        ({"json": ["what is a ductogram?"]}, "JSON object"),
        ({"json": "what is a ductogram?"}, "JSON object"),
        ({"json": {"message": FAQ_QUESTION}}, "sender"),
        ({"json": {"sender": "", "message": FAQ_QUESTION}}, "sender"),
        ({"json": {"sender": "x" * 10_000, "message": FAQ_QUESTION}}, "at most"),
        ({"json": {"sender": ["a"], "message": FAQ_QUESTION}}, "must be text"),
        ({"json": {"sender": 12, "message": FAQ_QUESTION}}, "must be text"),
        ({"json": {"sender": "x", "message": 42}}, "as text"),
        ({"json": {"sender": "x", "message": ["a", "b"]}}, "as text"),
        ({"json": {"sender": "x", "message": None}}, "as text"),
        ({"json": {"sender": "x"}}, "as text"),
        ({"json": {"sender": "x", "message": "a" * 200_001}}, "too long"),
    ],
)
def test_malformed_requests_get_a_400_with_the_reason(assistant, request_kwargs, reason):
    reply = post(assistant, **request_kwargs)
    assert reply.status_code == 400, reply.text
    assert reason.lower() in reply.json()["message"].lower()
    assert assistant.send(new_sender(), "hi")


def test_a_body_sent_as_plain_text_is_still_read(assistant, faq_answer):
    sender = new_sender()
    reply = post(
        assistant,
        data=json.dumps({"sender": sender, "message": FAQ_QUESTION}),
        headers={"Content-Type": "text/plain"},
    )
    assert reply.status_code == 200 and reply.json()[0]["text"] == faq_answer


def test_100_messages_at_once_from_one_sender_are_all_answered_and_stored_in_order(
    assistant, faq_answer
):
    sender = new_sender()
    messages = [f"what is a ductogram? ({number})" for number in range(100)]
    with ThreadPoolExecutor(max_workers=100) as pool:
        replies = list(
            pool.map(lambda m: post(assistant, json={"sender": sender, "message": m}), messages)
        )
    assert all(r.status_code == 200 and r.json() and r.json()[0].get("text") for r in replies)
    stored = [event["text"] for event in stored_user_texts(assistant, sender)]
    assert sorted(stored) == sorted(messages), "a message was lost or stored twice"
    assert_goes_on(assistant, sender, faq_answer)


def test_patient_text_never_reaches_the_log(assistant):
    sender = new_sender()
    for message in [
        f"call me on {FAKE_PHONE}",
        f"my email is {FAKE_EMAIL}",
        f"/{FAKE_EMAIL}",
        f"{FAKE_PHONE} " * 40_000,
    ]:
        post(assistant, json={"sender": sender, "message": message})
    post(assistant, json={"sender": sender, "message": 7, "note": FAKE_EMAIL})
    post(assistant, data=f"{{broken {FAKE_PHONE}", headers={"Content-Type": "application/json"})
    assert assistant.send(sender, "hi")
    log = assistant.log_file.read_text(errors="replace")
    assert FAKE_PHONE not in log and FAKE_EMAIL not in log


# --- socket.io (the channel other chat widgets use) -------------------------------------------


async def _socket_exchange(url: str, events: list, session_id: str = "socket-patient") -> list:
    """Sends each user_uttered event and collects what comes back on bot_uttered."""
    import asyncio

    import socketio

    received: asyncio.Queue = asyncio.Queue()
    client = socketio.AsyncClient()
    client.on("bot_uttered", received.put_nowait)
    confirmed = asyncio.Event()
    client.on("session_confirm", lambda _: confirmed.set())
    # Long polling: the websocket transport of this python-engineio needs a newer aiohttp than Rasa pins.
    await client.connect(url, socketio_path="/socket.io", transports=["polling"])
    await client.emit("session_request", {"session_id": session_id})
    await asyncio.wait_for(confirmed.wait(), 30)
    replies = []
    for data in events:
        await client.emit("user_uttered", data)
        got = [await asyncio.wait_for(received.get(), 120)]
        while True:
            try:
                got.append(await asyncio.wait_for(received.get(), 2))
            except asyncio.TimeoutError:
                break
        replies.append(got)
    await client.disconnect()
    return replies


def test_socketio_answers_every_kind_of_bad_input_and_goes_on(assistant, faq_answer):
    import asyncio

    session = new_sender()
    ending = " Also I have bloody discharge from my nipple."
    long_message = ("I have a question about the test." * 3000)[: 100_000 - len(ending)] + ending
    events = [
        "just a string",
        42,
        {"message": "hi"},  # no session id
        {"message": 42, "session_id": session},
        {"message": "", "session_id": session},
        {"message": " \u200b\x00 ", "session_id": session},
        {"message": "😀😀😀", "session_id": session},
        {"message": "/greet", "session_id": session},
        {"message": long_message, "session_id": session},
        {"message": "a" * 200_001, "session_id": session},
        {"message": FAQ_QUESTION, "session_id": session, "metadata": "{not json"},
        {"message": FAQ_QUESTION, "session_id": session},
    ]
    replies = asyncio.run(_socket_exchange(assistant.rasa_url, events, session))
    first_texts = [reply[0].get("text", "") for reply in replies]
    assert "JSON object" in first_texts[0] and "JSON object" in first_texts[1]
    assert "session_id" in first_texts[2]
    assert "as text" in first_texts[3]
    assert first_texts[4] == first_texts[5] == "I did not get any words. Please type your question."
    assert all(reply and (reply[0].get("text") or reply[0].get("triage")) for reply in replies[6:8])
    assert any(
        "triage" in message and message["triage"]["level"] == "urgent" for message in replies[8]
    ), replies[8]
    assert "too long" in first_texts[9]
    assert "metadata" in first_texts[10]
    assert first_texts[11] == faq_answer.split("\n\n")[0]
    texts = [event["text"] for event in stored_user_texts(assistant, session)]
    assert texts[:2] == ["😀😀😀", "greet"] and texts[-1] == FAQ_QUESTION and len(texts) == 4


def test_a_binary_socketio_packet_ends_its_connection(assistant, faq_answer):
    """python-socketio 5.9 would keep every attachment such a packet announces (CVE-2026-48804)."""
    import asyncio

    import socketio

    async def announce_a_million_attachments() -> bool:
        client = socketio.AsyncClient()
        await client.connect(assistant.rasa_url, socketio_path="/socket.io", transports=["polling"])
        await client.eio.send('51000000-["user_uttered",{"_placeholder":true,"num":0}]')
        for _ in range(20):
            if not client.connected:
                return True
            await client.eio.send(b"\x01" * 400_000)
            await asyncio.sleep(0.5)
        await client.disconnect()
        return False

    assert asyncio.run(announce_a_million_attachments()), "the server kept taking attachments"
    session = new_sender()
    (reply,) = asyncio.run(
        _socket_exchange(
            assistant.rasa_url, [{"message": FAQ_QUESTION, "session_id": session}], session
        )
    )
    assert reply[0]["text"] == faq_answer.split("\n\n")[0]
