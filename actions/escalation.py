"""Rasa glue for red flags. The escalation itself comes first, from the Rasa server
(utter_red_flag, built by rasa_addons/nlg.py); this action then still answers the question asked."""

from collections.abc import Mapping
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.safety import apologises_on_error
from core.names import RED_FLAGS_KEY, REPHRASE_RESPONSE, SUBJECT_SLOT
from core.retrieval.decide import ANSWER_IT, DECLINE_IT, question_also_asked
from core.triage.messages import escalation_reply
from core.triage.rules import load_rulebook

TRIAGE_APOLOGY = (
    "Sorry, something went wrong on my side. If you have a worrying sign, such as blood "
    "in the fluid, a lump, skin changes or a fever, please see your doctor soon."
)


def send_escalation(
    dispatcher: CollectingDispatcher,
    level: str,
    reasons: list[str],
    subject: Mapping[str, Any] | None = None,
) -> None:
    """The escalation (core.triage.messages.escalation_reply) as two messages: words, then payload.
    With a subject ({"relation", "pronoun"}) it speaks about the person the writer asks for."""
    reply = escalation_reply(level, reasons, load_rulebook(), subject)
    dispatcher.utter_message(text=reply["text"])
    dispatcher.utter_message(json_message=reply["custom"])


# Under an answer to a question that came with a report: the symptom check, one tap away.
CHECK_OFFER = [{"title": "Check my symptoms", "payload": "Check my symptoms"}]


def answer_question_also_asked(
    dispatcher: CollectingDispatcher,
    parse: Mapping[str, Any],
    buttons: list[dict[str, Any]] | None = None,
    escalated: bool = False,
) -> bool:
    """Replies to the question a message asked besides what it reported or what was escalated
    (core.retrieval.decide.question_also_asked), with `buttons` under the reply. True when it
    replied."""
    found = question_also_asked(parse, escalated)
    if found is None:
        return False
    how, answers = found
    if how == ANSWER_IT:
        dispatcher.utter_message(response=answers[0], buttons=buttons or [])
    elif how == DECLINE_IT:
        # "Which pill stops my nipple leaking?": the honest decline, never a near-miss answer.
        dispatcher.utter_message(response="utter_out_of_scope", buttons=buttons or [])
    else:
        # The Rasa server's response generator turns this into "Did you mean ...?" with the
        # closest topics as buttons (rasa_addons/nlg.py); `buttons` come after them.
        dispatcher.utter_message(response=REPHRASE_RESPONSE, buttons=buttons or [])
    return True


class ActionAnswerAfterRedFlag(Action):
    def name(self) -> str:
        return "action_answer_after_red_flag"

    @apologises_on_error(TRIAGE_APOLOGY)
    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        answer_question_also_asked(dispatcher, tracker.latest_message or {}, escalated=True)
        return []


class ActionAnswerQuestionInReport(Action):
    """First step of the symptom check's rule (intent check_symptoms: "check my symptoms", or a
    report of discharge or a breast change with no red flag established).

    A report that also asks a question ("why are my nipples leaking?", "my nipple leaks, how
    do I prepare for a ductogram?") gets its answer, with the check offered under it, and the
    turn ends there: the question is what the patient came for, and many FAQ questions are
    worded as reports. Otherwise the rule goes on to start the check, which fills in what the
    message already said. Either way the check is about the person the report is about: the
    writer, or (red_flags.subject) the person they write for."""

    def name(self) -> str:
        return "action_answer_question_in_report"

    @apologises_on_error(TRIAGE_APOLOGY)
    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        message = tracker.latest_message or {}
        red_flags = message.get(RED_FLAGS_KEY) or {}
        events = [SlotSet(SUBJECT_SLOT, red_flags.get("subject"))]
        if answer_question_also_asked(dispatcher, message, buttons=CHECK_OFFER):
            return events + [FollowupAction("action_listen")]  # offered, not started
        return events
