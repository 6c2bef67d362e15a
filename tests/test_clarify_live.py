"""The clarifying question and the start of the symptom check through the running servers
(real model, real actions), over REST."""

import re

import pytest
from conftest import RunningAssistant, click, triage_of

from core.names import CHECK_INTENT
from core.retrieval.decide import OFFER_TOPICS, question_also_asked
from tools.holdout import parses

# Its tests only talk to the servers, each in its own conversation: the servers are shared.
pytestmark = pytest.mark.shares_servers

QUESTION = "Is this happening to you, or to the person you are asking for, right now?"
UNSURE_BLOODY = "i had bloody discharge, should i be worried?"  # past or present? unclear
VAGUE = "is this something i should worry about"
# Reports whose question the model cannot place on one topic. The test takes the first one the
# running model reads that way (POST /model/parse stores nothing): a retraining may place one.
UNCLEAR_REPORTS = (
    "My nipples leak a bit whenever I'm on my drip - what could be going on?",
    "my boobs have been leaking since i started my monthly infusions, whats the deal with that",
    "I get wet patches on my bra every time they run my drip, any idea why?",
    "my nipple keeps leaking clear stuff, what is going on?",
)


def asked(assistant: RunningAssistant, sender: str, text: str):
    reply = assistant.send(sender, text)
    assert reply[-1]["text"] == QUESTION, reply
    assert triage_of(reply) is None, "nothing is decided before the answer"
    return reply


def test_yes_to_me_now_escalates(assistant: RunningAssistant):
    reply = asked(assistant, "clarify-self", UNSURE_BLOODY)
    reply = assistant.send("clarify-self", click(reply, "Yes, to me, now"))
    assert (triage_of(reply)["level"], triage_of(reply)["reasons"]) == (
        "urgent",
        ["bloody_discharge"],
    )
    assert reply[0]["text"].startswith("Please see your doctor soon.")


def test_its_my_mum_escalates_about_her(assistant: RunningAssistant):
    reply = asked(assistant, "clarify-mum", UNSURE_BLOODY)
    reply = assistant.send("clarify-mum", "its my mum")
    triage = triage_of(reply)
    assert triage["level"] == "urgent" and triage["about"] == "mum"
    assert re.search(r"\bher doctor\b", reply[0]["text"]) and "your doctor" not in reply[0]["text"]


def test_in_the_past_gets_a_calm_answer_and_no_alarm(assistant: RunningAssistant):
    reply = asked(assistant, "clarify-past", UNSURE_BLOODY)
    reply = assistant.send("clarify-past", click(reply, "No, it was in the past"))
    assert triage_of(reply) is None
    assert "gone away" in reply[-1]["text"] and reply[-1]["buttons"]


def test_a_general_question_is_told_why_it_matters(assistant: RunningAssistant):
    reply = asked(assistant, "clarify-general", UNSURE_BLOODY)
    reply = assistant.send("clarify-general", "just asking")
    assert triage_of(reply) is None
    assert reply[0]["text"].startswith("In general, this is a reason to see your doctor.")


def test_unclear_twice_starts_the_check_never_silence(assistant: RunningAssistant):
    asked(assistant, "clarify-unclear", VAGUE)
    reply = assistant.send("clarify-unclear", "asdkjh qwpoeiru")
    assert reply[0]["text"].startswith("Sorry") and reply[-1]["text"] == QUESTION
    reply = assistant.send("clarify-unclear", "hmm dunno")
    assert "one at a time" in reply[0]["text"] and reply[-1]["text"] == "What colour is the fluid?"


def test_a_red_flag_in_the_answer_escalates_at_once(assistant: RunningAssistant):
    asked(assistant, "clarify-red-flag", VAGUE)
    reply = assistant.send("clarify-red-flag", "theres blood coming from my nipple")
    assert triage_of(reply)["level"] == "urgent" and reply[0]["text"].startswith(
        "Please see your doctor soon."
    )
    reply = assistant.send("clarify-red-flag", "thanks")
    assert QUESTION not in [m.get("text") for m in reply], "the question is not asked again"


def test_yes_to_me_with_no_red_flag_starts_the_check(assistant: RunningAssistant):
    asked(assistant, "clarify-check", "not sure if this is normal for me")
    reply = assistant.send("clarify-check", "yes me")
    assert "one at a time" in reply[0]["text"] and reply[-1]["text"] == "What colour is the fluid?"


def test_a_report_starts_the_check_at_the_first_question_it_left_open(assistant: RunningAssistant):
    reply = assistant.send(
        "report-prefill", "I have clear discharge from my left nipple, should I worry?"
    )
    assert triage_of(reply) is None
    assert "one at a time" in reply[0]["text"]
    assert (
        reply[-1]["text"] == "Does it come out by itself, or only when you squeeze?"
    )  # colour and side were said
    reply = assistant.send("report-prefill", click(reply, "By itself"))
    assert triage_of(reply)["level"] == "urgent"


def test_a_report_that_asks_a_question_gets_the_answer_with_the_check_offered(
    assistant: RunningAssistant,
):
    sender = "report-question"
    [answer] = assistant.send(sender, "my nipple is leaking, how do i prepare for a ductogram")
    assert "Source: What Is a Ductogram?" in answer["text"]
    assert [b["title"] for b in answer["buttons"]] == ["Check my symptoms"]
    reply = assistant.send(sender, click([answer], "Check my symptoms"))
    assert "one at a time" in reply[0]["text"] and reply[-1]["text"] == "What colour is the fluid?"


def test_a_report_with_an_unclear_question_gets_the_closest_topics_with_the_check_offered(
    assistant: RunningAssistant,
):
    readings = parses(assistant.model_server, list(UNCLEAR_REPORTS))
    unclear = [
        text
        for text, reading in zip(UNCLEAR_REPORTS, readings, strict=True)
        if reading["intent"]["name"] == CHECK_INTENT
        and (question_also_asked(reading) or ("",))[0] == OFFER_TOPICS
    ]
    assert unclear, f"no report is read with an unclear question any more: {readings}"
    sender = "report-unclear"
    [offer] = assistant.send(sender, unclear[0])
    assert offer["text"].startswith("I'm not quite sure what you are asking"), offer
    titles = [b["title"] for b in offer["buttons"]]
    assert len(titles) >= 2 and titles[-1] == "Check my symptoms", titles
    assert triage_of([offer]) is None
    [answer] = assistant.send(sender, click([offer], titles[0]))
    assert "Source: " in answer["text"], answer


def test_a_carers_check_ends_speaking_of_the_person(assistant: RunningAssistant):
    sender = "report-carer"
    reply = assistant.send(sender, "my mum has some discharge from her nipple")
    assert "one at a time" in reply[0]["text"], "a report that asks nothing gets no unasked answer"
    answers = [
        "Milky",
        "Both breasts",
        "Only when squeezed",
        "No",
        "No",
        "50 or over",
        "Neither",
        "No",
        "Neither",
    ]
    for title in answers:
        if reply[-1]["text"] == "Are you female or male?":
            reply = assistant.send(sender, click(reply, "Female"))
        reply = assistant.send(sender, click(reply, title))
    summary = reply[-1]["text"]
    assert "What to tell her doctor:" in summary and "she is 50 or over" in summary, reply
    assert triage_of(reply)["about"] == "mum"
