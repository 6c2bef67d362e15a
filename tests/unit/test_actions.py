"""The rating and symptom-check summary actions, run directly with rasa_sdk's
CollectingDispatcher and a Tracker built per test (rasa-demo style), one helper per action
(covidflow style). No servers, no model."""

import asyncio
import re
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.feedback import ActionRecordFeedback
from actions.symptom_check_form import RED_FLAG_SLOT, ActionSymptomCheckSummary
from core.names import FEEDBACK_SLOT, RED_FLAGS_KEY, SUBJECT_SLOT
from core.triage.symptom_check import QUESTIONS


def tracker(
    slots: dict[str, Any] | None = None, intent: str = "", events=(), flags=None
) -> Tracker:
    latest = {"text": "", "intent": {"name": intent, "confidence": 1.0}, RED_FLAGS_KEY: flags or {}}
    return Tracker("patient", slots or {}, latest, list(events), False, None, {}, "action_listen")


def answered(topic: str) -> dict[str, Any]:
    return {"event": "bot", "text": "…", "metadata": {"utter_action": f"utter_faq/{topic}"}}


def rate(intent: str, events=()) -> list[dict[str, Any]]:
    run = ActionRecordFeedback().run(
        CollectingDispatcher(), tracker(intent=intent, events=events), {}
    )
    return asyncio.run(run)


def summarise(
    answers: dict[str, str], **slots: Any
) -> tuple[CollectingDispatcher, list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    all_slots = {question: None for question in QUESTIONS} | answers | slots
    # Both actions apologise on errors (actions/safety.py), which makes their run a coroutine.
    events = asyncio.run(ActionSymptomCheckSummary().run(dispatcher, tracker(all_slots), {}))
    return dispatcher, events


# --- action_record_feedback --------------------------------------------------------------------


@pytest.mark.parametrize(
    "intent, helpful", [("feedback_helpful", True), ("feedback_not_helpful", False)]
)
def test_a_rating_is_stored_against_the_last_answer(intent, helpful):
    events = [
        answered("ductogram_pain"),
        {"event": "user", "text": "ok"},
        answered("ductogram_duration"),
    ]
    assert rate(intent, events) == [
        SlotSet(FEEDBACK_SLOT, {"answer": "utter_faq/ductogram_duration", "helpful": helpful})
    ]


def test_a_rating_before_any_answer_stores_nothing():
    assert rate("feedback_helpful", [{"event": "user", "text": "hi"}]) == []


def test_a_message_that_is_not_a_rating_stores_nothing():
    assert rate("greet", [answered("ductogram_pain")]) == []


# --- action_symptom_check_summary --------------------------------------------------------------


def test_the_check_ends_with_a_summary_and_clears_its_answers():
    dispatcher, events = summarise(
        {
            "discharge_colour": "milky",
            "discharge_side": "both",
            "discharge_trigger": "when_squeezed",
        }
    )
    *advice, printable, summary = dispatcher.messages
    # Milky fluid from both breasts: worth mentioning at the next visit (data/red_flags.yml).
    assert advice[1]["custom"]["triage"]["level"] == "routine"
    # The printable page for the doctor: the same answers, level and reasons, and the date.
    doctor = printable["custom"]["doctor_summary"]
    assert doctor["level"] == "routine"
    assert doctor["reasons"] == advice[1]["custom"]["triage"]["why"] and doctor["reasons"]
    assert doctor["answers"][:2] == [
        {"question": "Colour of the fluid", "answer": "the fluid is milky"},
        {"question": "Which breast", "answer": "it comes from both breasts"},
    ]
    assert doctor["tell_doctor"] in summary["text"]
    assert doctor["note"] == "General information, not a diagnosis."
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", doctor["date"])
    assert "milky" in summary["text"] and "both breasts" in summary["text"]
    assert [button["title"] for button in summary["buttons"]] == [
        "What is a ductogram?",
        "Is discharge usually cancer?",
    ]
    assert {event["name"] for event in events} == set(QUESTIONS) | {RED_FLAG_SLOT, SUBJECT_SLOT}
    assert all(event["value"] is None for event in events)


def test_a_red_flag_among_the_answers_escalates_before_the_summary():
    dispatcher, _ = summarise(
        {"discharge_colour": "bloody", "discharge_side": "one", "discharge_trigger": "on_its_own"}
    )
    escalation, payload, printable, summary = dispatcher.messages
    assert "doctor" in escalation["text"].lower()
    assert payload["custom"]["triage"]["level"] == "urgent"
    assert "bloody" in summary["text"]
    doctor = printable["custom"]["doctor_summary"]
    assert doctor["level"] == "urgent"
    assert doctor["headline"] == payload["custom"]["triage"]["headline"]
    assert doctor["next_step"] == payload["custom"]["triage"]["next_step"]


def test_a_carers_summary_speaks_of_the_person_they_write_for():
    dispatcher, _ = summarise(
        {"discharge_colour": "bloody", "discharge_side": "one"},
        **{SUBJECT_SLOT: {"relation": "husband", "pronoun": "he"}},
    )
    texts = " ".join(message.get("text") or "" for message in dispatcher.messages)
    assert "him" in texts or "his" in texts
