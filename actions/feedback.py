"""Rasa glue for ratings: store "did this answer help?" against the answer it refers to.
The reply to the patient comes from data/rules/feedback.yml."""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.safety import apologises_on_error
from core.names import FEEDBACK_SLOT
from core.review.ratings import last_answer, rating


class ActionRecordFeedback(Action):
    def name(self) -> str:
        return "action_record_feedback"

    @apologises_on_error("Sorry, I could not save your rating.")
    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        helpful = rating((tracker.latest_message.get("intent") or {}).get("name"))
        answer = last_answer(tracker.events)
        if answer is None or helpful is None:
            return []  # nothing was answered yet, so there is nothing to rate
        # A slot event in the tracker store: the rating stays with the conversation.
        return [SlotSet(FEEDBACK_SLOT, {"answer": answer, "helpful": helpful})]
