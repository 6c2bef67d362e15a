"""Requests a patient makes of the clinic, found from the patterns in
data/patient_request_rules.yml (core/patient_requests.py), and the component that makes them the
intent. The wordings here are ours; the blind-written measure is
tests/data/patient_requests_sealed.yml, counted in tests/test_understanding.py."""

from __future__ import annotations

import pytest
import yaml
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from core.names import CALLBACK_INTENT, FORGET_INTENT, PATIENT_REQUEST_KEY
from core.paths import PROJECT_ROOT
from core.patient_requests import REQUESTS_FILE, PatientRequests
from rasa_addons.nlu.patient_request_detector import PatientRequestDetector

NEAR_MISSES = PROJECT_ROOT / "tests" / "data" / "patient_request_near_misses.yml"


@pytest.fixture(scope="module")
def requests() -> PatientRequests:
    return PatientRequests()


@pytest.mark.parametrize(
    "text",
    [
        "can someone call me",
        "please call me back",
        "Call me back when you can",
        "give me a ring tomorrow pls",
        "Give me a call",
        "I'd like to be called back",
        "is it possible for a nurse to phone her at home",
        "could a nurse ring my mum, she can't use the chat",
        "nurse call back plz 0161 496 0000",
        "can I leave my number for someone",
        "callback please",
        "I'm scared and typing is hard. Can somebody just call me?",
    ],
)
def test_a_call_back_in_the_patients_words(requests, text):
    found = requests.find(text)
    assert found is not None and found.request == CALLBACK_INTENT, found


@pytest.mark.parametrize(
    "text",
    [
        "forget me",
        "delete what I said",
        "delte my convo pls",
        "Please erase my data.",
        "i don't want you to store my messages",
        "I typed my address by mistake, can you wipe it?",
        "clear this whole chat and keep no record",
        "how do i get rid of everything i wrote here",
        "remove me from your system",
    ],
)
def test_deleting_the_conversation_in_the_patients_words(requests, text):
    found = requests.find(text)
    assert found is not None and found.request == FORGET_INTENT, found


@pytest.mark.parametrize(
    "text",
    [
        # about a call, not asking for one
        "when will the clinic call me with my biopsy results",
        "the nurse called me yesterday about the test",
        "did anyone phone me this morning?",
        "should I call my doctor about this?",
        "What time does the clinic open? I want to call them myself",
        "can I call you tomorrow?",
        "will the nurse call me in from the waiting room",
        "whats the clinic phone number",
        # deleting something else, or a question about keeping
        "will the clinic delete my old mammogram pictures after a few years",
        "does the dye get removed from my body afterwards",
        "forget about the lump, what is prolactin",
        "can I remove my bra before the test",
        "do you keep what I type here?",
        "can you clear up some info about the test",
        "how do I get rid of the discharge",
        "forget it, how long does the test take",
        "I need to delete my appointment for Tuesday",
        # negated, or no request at all
        "Please don't call me, I'd rather read",
        "stop calling me",
        "Please don't delete my messages",
        "It's not clear what I should do before the test",
        "Will the surgeon remove everything?",
        "I forgot what you said about the dye",
        # a number given with another question
        "my number is +1 555 010 0199, can you fix my car?",
    ],
)
def test_words_a_request_shares_are_not_a_request(requests, text):
    assert requests.find(text) is None


def test_the_blind_near_misses_are_not_requests(requests):
    near_misses = yaml.safe_load(NEAR_MISSES.read_text(encoding="utf-8"))["near_misses"]
    assert [m["text"] for m in near_misses if requests.find(m["text"])] == []


def test_each_request_rule_says_why_and_where_from():
    rules = yaml.safe_load(REQUESTS_FILE.read_text(encoding="utf-8"))
    assert set(rules["requests"]) == {CALLBACK_INTENT, FORGET_INTENT}
    for rule in rules["requests"].values():
        assert rule["reason"].strip() and rule["reference"].strip()


def _parsed(text: str, intent: str, confidence: float) -> Message:
    message = Message(data={TEXT: text})
    message.set(INTENT, {"name": intent, "confidence": confidence})
    message.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": confidence}])
    return message


def test_the_component_makes_a_missed_request_the_intent_and_keeps_the_ranking():
    [message] = PatientRequestDetector().process(
        [_parsed("could someone ring me later, I'd rather talk", "faq", 0.6)]
    )
    assert message.get(INTENT) == {"name": CALLBACK_INTENT, "confidence": 1.0}
    assert [r["name"] for r in message.get(INTENT_RANKING_KEY)] == [CALLBACK_INTENT, "faq"]
    assert message.get(PATIENT_REQUEST_KEY) == "ring me"


def test_the_component_leaves_other_messages_as_the_classifier_read_them():
    [message] = PatientRequestDetector().process([_parsed("will it hurt", "faq", 0.9)])
    assert message.get(INTENT) == {"name": "faq", "confidence": 0.9}
    assert message.get(PATIENT_REQUEST_KEY) is None
