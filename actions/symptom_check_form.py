"""Rasa glue for the symptom check form: fill answers, stop at a red flag, summarise."""

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.escalation import TRIAGE_APOLOGY, send_escalation
from actions.safety import apologises_on_error
from core.clinic_hours import clinic_now
from core.names import CHECK_INTENT, CLARIFY_INTENT, RED_FLAGS_KEY, SUBJECT_SLOT
from core.settings import clinic
from core.triage.clarify import sex_of
from core.triage.messages import doctor_summary, symptom_check_summary
from core.triage.rules import load_rulebook
from core.triage.symptom_check import (
    QUESTIONS,
    STOP_LEVELS,
    answer_summary,
    answered,
    outcome,
    questions_left,
    read_answers,
)

FORM = "symptom_check_form"
RED_FLAG_SLOT = "symptom_check_red_flag"
# A report or a worried question in the middle of the check that answers nothing: ask the
# question again rather than start over.
ASK_AGAIN_INTENTS = {CHECK_INTENT, CLARIFY_INTENT}


def _answers(tracker: Tracker) -> dict[str, Any]:
    return {question: tracker.get_slot(question) for question in QUESTIONS}


def _message_signs(tracker: Tracker) -> list[str]:
    return (tracker.latest_message.get(RED_FLAGS_KEY) or {}).get("active_signs") or []


class ValidateSymptomCheckForm(FormValidationAction):
    def name(self) -> str:
        return f"validate_{FORM}"

    @apologises_on_error(TRIAGE_APOLOGY)
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        return await super().run(dispatcher, tracker, domain)

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name")
        requested = tracker.get_slot("requested_slot")
        found = read_answers(
            message.get("text") or "", message.get(RED_FLAGS_KEY) or {}, intent, requested
        )
        sex = sex_of(tracker.get_slot(SUBJECT_SLOT), message.get(RED_FLAGS_KEY) or {})
        if sex and not requested:  # starting a carer's check: "my husband's nipple leaks"
            found.setdefault("sex", sex)
        known = _answers(tracker)
        events = [
            SlotSet(question, answer)
            for question, answer in found.items()
            if not known.get(question)
        ]
        level = (message.get(RED_FLAGS_KEY) or {}).get("level")
        if level in STOP_LEVELS:
            events.append(SlotSet(RED_FLAG_SLOT, level))
        if not events and requested in QUESTIONS and intent in ASK_AGAIN_INTENTS:
            dispatcher.utter_message(response="utter_symptom_check_continue")
            events.append(SlotSet(requested, None))  # a slot event: the form asks again, no restart
        return events

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        # rasa_sdk keeps only the slots listed here and asks for the first empty one, so
        # answered questions stay listed; once a red flag is established only filled
        # slots remain, which ends the form.
        answers = _answers(tracker)
        if questions_left(answers, _message_signs(tracker), load_rulebook()) or all(
            answers.values()
        ):
            return list(QUESTIONS)
        return [q for q in QUESTIONS if answers[q]] + (
            [RED_FLAG_SLOT] if tracker.get_slot(RED_FLAG_SLOT) else []
        )


class ActionSymptomCheckSummary(Action):
    def name(self) -> str:
        return "action_symptom_check_summary"

    @apologises_on_error(TRIAGE_APOLOGY)
    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        answers = _answers(tracker)
        subject = tracker.get_slot(SUBJECT_SLOT)
        result = outcome(answers, _message_signs(tracker), load_rulebook())
        if result.level:
            send_escalation(dispatcher, result.level, result.reasons, subject)
        # The printable page for the doctor ("Show this to your doctor" in the widget), before
        # the summary, so that the words and their buttons stay the last message.
        today = clinic_now(clinic().timezone).date().isoformat()
        summary = doctor_summary(
            result.level, result.reasons, answered(answers), load_rulebook(), today, subject
        )
        dispatcher.utter_message(json_message={"doctor_summary": summary})
        dispatcher.utter_message(
            text=symptom_check_summary(result.level, answer_summary(answers), subject),
            buttons=[
                {"title": "What is a ductogram?", "payload": "What is a ductogram?"},
                {
                    "title": "Is discharge usually cancer?",
                    "payload": "Is nipple discharge usually cancer?",
                },
            ],
        )
        # A fresh start for the next check.
        return [SlotSet(slot, None) for slot in QUESTIONS + [RED_FLAG_SLOT, SUBJECT_SLOT]]
