"""The symptom check through the running servers (real form validation action), over REST."""

import pytest
from conftest import RunningAssistant, click, triage_of

# Its tests only talk to the servers, each in its own conversation: the servers are shared.
pytestmark = pytest.mark.shares_servers


def test_buttons_only_to_a_summary_without_a_red_flag(assistant: RunningAssistant):
    sender = "check-benign"
    reply = assistant.send(sender, "check my symptoms")
    assert "one at a time" in reply[0]["text"] and reply[-1]["text"] == "What colour is the fluid?"
    for title in [
        "Milky",
        "One breast",
        "Only when squeezed",
        "No",
        "No",
        "Female",
        "30 to 49",
        "Neither",
        "No",
        "Neither",
    ]:
        reply = assistant.send(sender, click(reply, title))
    assert triage_of(reply) is None
    summary = reply[-1]["text"]
    assert (
        "did not find a sign" in summary
        and "the fluid is milky; it comes from one breast" in summary
    )
    assert {b["title"] for b in reply[-1]["buttons"]} >= {"What is a ductogram?"}


def test_red_flag_answer_stops_at_once_and_escalates(assistant: RunningAssistant):
    sender = "check-bloody"
    reply = assistant.send(sender, "I have nipple discharge, should I worry?")
    reply = assistant.send(sender, click(reply, "Bloody, pink or brown"))
    assert (triage_of(reply)["level"], triage_of(reply)["reasons"]) == (
        "urgent",
        ["bloody_discharge"],
    )
    assert reply[0]["text"].startswith("Please see your doctor soon.")
    assert "What to tell your doctor: the fluid is bloody, pink or brown" in " ".join(
        m.get("text", "") for m in reply
    )


def test_free_text_answers_several_questions_then_a_combination_escalates(
    assistant: RunningAssistant,
):
    sender = "check-combination"
    assistant.send(sender, "check my symptoms")
    reply = assistant.send(sender, "it's clear and only from my left nipple")
    assert reply[-1]["text"] == "Does it come out by itself, or only when you squeeze?"
    reply = assistant.send(sender, click(reply, "By itself"))
    assert triage_of(reply)["level"] == "urgent"
    assert "spontaneous_one_side" in triage_of(reply)["reasons"]


def test_emergency_mid_way_stops_the_check(assistant: RunningAssistant):
    sender = "check-emergency"
    reply = assistant.send(sender, "check my symptoms")
    reply = assistant.send(sender, click(reply, "Milky"))
    reply = assistant.send(sender, "my throat is swelling after the dye")
    assert triage_of(reply)["level"] == "emergency"
    reply = assistant.send(sender, "thanks")
    assert "What colour" not in reply[-1]["text"] and "one breast or both" not in reply[-1]["text"]


def test_stop_leaves_the_check(assistant: RunningAssistant):
    sender = "check-stop"
    reply = assistant.send(sender, "check my symptoms")
    reply = assistant.send(sender, click(reply, "Milky"))
    reply = assistant.send(sender, "cancel")
    assert reply[-1]["text"].startswith("OK, I've stopped")
    reply = assistant.send(sender, "how long does a ductogram take")
    assert "30 to 60 minutes" in reply[-1]["text"]


def test_faq_question_mid_check_is_answered_and_the_check_goes_on(assistant: RunningAssistant):
    sender = "check-faq"
    assistant.send(sender, "check my symptoms")
    reply = assistant.send(sender, "will a ductogram hurt?")
    assert "Source: What Is a Ductogram?" in reply[0]["text"]
    assert reply[-1]["text"] == "What colour is the fluid?"
