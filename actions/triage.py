"""Rasa glue for red flags. The escalation itself comes first, from the Rasa server
(utter_red_flag, built by grounding/nlg.py); this action then still answers the question asked."""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.safety import apologises_on_error
from triage.messages import escalation_reply
from triage.rules import load_rulebook

FAQ_INTENT = "faq"
TRIAGE_APOLOGY = (
    "Sorry, something went wrong on my side. If you have a worrying sign, such as blood "
    "in the fluid, a lump, skin changes or a fever, please see your doctor soon."
)


def send_escalation(dispatcher: CollectingDispatcher, level: Text, reasons: List[Text]) -> None:
    """The escalation (triage.messages.escalation_reply) as two messages: words, then payload."""
    reply = escalation_reply(level, reasons, load_rulebook())
    dispatcher.utter_message(text=reply["text"])
    dispatcher.utter_message(json_message=reply["custom"])


class ActionAnswerAfterRedFlag(Action):
    def name(self) -> Text:
        return "action_answer_after_red_flag"

    @apologises_on_error(TRIAGE_APOLOGY)
    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        parse = tracker.latest_message or {}
        red_flags = parse.get("red_flags") or {}
        selected = ((parse.get("response_selector") or {}).get(FAQ_INTENT) or {}).get("response") or {}
        if red_flags.get("original_intent") == FAQ_INTENT and selected.get("utter_action"):
            dispatcher.utter_message(response=selected["utter_action"])
        return []
