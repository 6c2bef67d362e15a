"""Rasa glue for red flags: escalate first, then still answer the question asked."""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from triage.messages import escalation_payload, escalation_text, general_sign_text
from triage.rules import load_rulebook

FAQ_INTENT = "faq"


def send_escalation(dispatcher: CollectingDispatcher, level: Text, reasons: List[Text]) -> None:
    """The escalation contract: the plain-words message, then the payload for banners and tests."""
    rulebook = load_rulebook()
    dispatcher.utter_message(text=escalation_text(level, reasons, rulebook))
    dispatcher.utter_message(json_message=escalation_payload(level, reasons, rulebook))


class ActionEscalateRedFlag(Action):
    def name(self) -> Text:
        return "action_escalate_red_flag"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        parse = tracker.latest_message or {}
        red_flags = parse.get("red_flags") or {}
        if red_flags.get("level"):
            send_escalation(dispatcher, red_flags["level"], red_flags["reasons"])
        elif red_flags.get("general_level"):
            dispatcher.utter_message(
                text=general_sign_text(red_flags["general_level"], red_flags["general_reasons"], load_rulebook())
            )
        selected = ((parse.get("response_selector") or {}).get(FAQ_INTENT) or {}).get("response") or {}
        if red_flags.get("original_intent") == FAQ_INTENT and selected.get("utter_action"):
            dispatcher.utter_message(response=selected["utter_action"])
        return []
