"""Rasa glue for the clarifying question (core/triage/clarify.py).

A message that names a sign without saying whose it is or whether it is current gets intent
clarify_symptom; the rule starts sign_owner_form, which asks utter_ask_sign_owner. Its
validation reads the answer, asks once more when it cannot, and then gives up as "unclear".
action_resolve_sign_owner then acts: the escalation the clarified message would have had,
the symptom check (with what the message already said filled in), or a calm word.

A red flag or "stop" in the answer is left to the rules (the form rejects it): the red-flag
rule escalates at once, as for any other message.
"""

from collections.abc import Mapping
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.escalation import TRIAGE_APOLOGY, answer_question_also_asked, send_escalation
from actions.safety import apologises_on_error
from core.names import (
    CHECK_INTENT,
    FAQ_INTENT,
    OWNER_SLOT,
    RED_FLAG_INTENT,
    RED_FLAGS_KEY,
    STOP_INTENT,
    SUBJECT_SLOT,
)
from core.retrieval.decide import selected_answer
from core.triage.clarify import (
    CALM,
    ESCALATE,
    GENERAL,
    OTHER,
    PAST,
    SELF,
    SOMEONE,
    UNCLEAR,
    answer_before_asking,
    check_answers,
    next_step,
    read_sign_owner,
    read_subject,
)
from core.triage.messages import general_sign_text
from core.triage.rules import load_rulebook
from core.triage.symptom_check import STOP_LEVELS, outcome

FORM = "sign_owner_form"
CHECK_FORM = "symptom_check_form"
# Intents whose rules must win over reading the answer.
LEFT_TO_RULES = {RED_FLAG_INTENT, STOP_INTENT}
# A personal report in answer to "is this happening to you?" means yes, to me.
REPORT_INTENTS = {CHECK_INTENT}
MAX_ANSWERS = 2  # ask once more, then start the symptom check


def answers_since_asked(tracker: Tracker, form: str = FORM) -> int:
    """How many messages the patient sent since the form first asked."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop" and event.get("name") == form:
            return count
        if event.get("event") == "user":
            count += 1
    return count


def clarified_message(tracker: Tracker, form: str = FORM) -> dict[str, Any]:
    """The parse of the message that started the form (the one the question is about)."""
    events = tracker.events
    started = max(
        (
            i
            for i, e in enumerate(events)
            if e.get("event") == "active_loop" and e.get("name") == form
        ),
        default=None,
    )
    if started is not None:
        for event in reversed(events[:started]):
            if event.get("event") == "user":
                return {"text": event.get("text"), **(event.get("parse_data") or {})}
    return dict(tracker.latest_message or {})


def _answer_unless_answered(dispatcher: CollectingDispatcher, clarified: Mapping[str, Any]) -> None:
    """The clarified message's question, unless it was answered with the clarifying question."""
    if not answer_before_asking(clarified):
        answer_question_also_asked(dispatcher, clarified)


def _has_faq_answer(message: Mapping[str, Any]) -> bool:
    return (message.get("intent") or {}).get("name") == FAQ_INTENT and bool(
        selected_answer(message)
    )


class ValidateSignOwnerForm(FormValidationAction):
    def name(self) -> str:
        return f"validate_{FORM}"

    @apologises_on_error(TRIAGE_APOLOGY)
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        return await super().run(dispatcher, tracker, domain)

    async def extract_sign_owner(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != OWNER_SLOT:
            return {}  # the form is starting: the message is the one the question is about
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name")
        if intent in LEFT_TO_RULES:
            return {}  # nothing read: the form rejects and the rules answer
        owner = read_sign_owner(message.get("text") or "", load_rulebook())
        if owner is None and intent in REPORT_INTENTS:
            owner = SELF
        if owner:
            return {OWNER_SLOT: owner}
        if _has_faq_answer(message):
            return {}  # a question instead of an answer: answered by a rule, then asked again
        if answers_since_asked(tracker) >= MAX_ANSWERS:
            return {OWNER_SLOT: UNCLEAR}
        dispatcher.utter_message(response="utter_sign_owner_unclear")
        return {OWNER_SLOT: None}  # a slot event, so the form asks again instead of rejecting

    def validate_sign_owner(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {OWNER_SLOT: value}


def _subject_for(
    owner: str | None, answer: str, clarified: Mapping[str, Any]
) -> dict[str, str] | None:
    """Who "other" is: as the answer names them, else as the clarified message did."""
    if owner != OTHER:
        return None
    rulebook = load_rulebook()
    candidates = [
        read_subject(answer, rulebook),
        (clarified.get(RED_FLAGS_KEY) or {}).get("subject"),
        read_subject(clarified.get("text") or "", rulebook),
    ]
    named = [c for c in candidates if c and c.get("relation") not in (None, SOMEONE)]
    said = [c for c in candidates if c]
    return dict((named or said or [{"relation": SOMEONE, "pronoun": "they"}])[0])


class ActionResolveSignOwner(Action):
    def name(self) -> str:
        return "action_resolve_sign_owner"

    @apologises_on_error(TRIAGE_APOLOGY)
    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        rulebook = load_rulebook()
        owner = tracker.get_slot(OWNER_SLOT)
        clarified = clarified_message(tracker)
        red_flags = clarified.get(RED_FLAGS_KEY) or {}
        verdict = red_flags.get("verdict") or {}
        subject = _subject_for(owner, (tracker.latest_message or {}).get("text") or "", clarified)
        events: list[dict[str, Any]] = [SlotSet(OWNER_SLOT, None)]
        step = next_step(owner, verdict)

        if step == ESCALATE:
            send_escalation(
                dispatcher,
                verdict["if_confirmed_level"],
                verdict.get("if_confirmed_reasons") or [],
                subject,
            )
            _answer_unless_answered(dispatcher, clarified)
            return events

        if step == CALM:
            if owner == GENERAL and verdict.get("if_confirmed_level"):
                dispatcher.utter_message(
                    text=general_sign_text(
                        verdict["if_confirmed_level"],
                        verdict.get("if_confirmed_reasons") or [],
                        rulebook,
                    )
                )
            _answer_unless_answered(dispatcher, clarified)
            dispatcher.utter_message(
                response="utter_sign_owner_past" if owner == PAST else "utter_sign_owner_general"
            )
            return events

        # Current, or still unclear after asking twice: the symptom check, with what the
        # clarified message already said filled in.
        answers = check_answers(clarified.get("text") or "", red_flags, owner, subject)
        already = outcome(answers, [], rulebook)
        if already.level in STOP_LEVELS:  # what they said is itself a reason to see a doctor soon
            send_escalation(dispatcher, already.level, already.reasons, subject)
            _answer_unless_answered(dispatcher, clarified)
            return events
        _answer_unless_answered(dispatcher, clarified)
        dispatcher.utter_message(response="utter_symptom_check_intro")
        return (
            events
            + [SlotSet(question, answer) for question, answer in answers.items()]
            + [SlotSet(SUBJECT_SLOT, subject), FollowupAction(CHECK_FORM)]
        )
