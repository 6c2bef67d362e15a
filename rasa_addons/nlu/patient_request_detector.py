"""Finds what a patient asks the clinic to do (a call back, deleting her conversation) from word
patterns (core/patient_requests.py, rules in data/patient_request_rules.yml) and makes it the intent
when the classifier read the message as something else. The classifier's own reading of a
request stands, unless the message uses a request's words in a way the rules ruled out ("does
the clinic call from a private number?"): then it becomes nlu_fallback, which offers the closest
topics or asks to rephrase, rather than opening a form nobody asked for. Runs before the red-flag
detector, so a red flag still comes first.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from core.names import (
    CALLBACK_INTENT,
    FALLBACK_INTENT,
    FORGET_INTENT,
    FULL_TEXT_METADATA_KEY,
    PATIENT_REQUEST_KEY,
)
from core.patient_requests import PatientRequests

REQUEST_INTENTS = (CALLBACK_INTENT, FORGET_INTENT)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class PatientRequestDetector(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {}

    def __init__(self) -> None:
        self.requests = PatientRequests()

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> PatientRequestDetector:
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            full_text = (message.get("metadata") or {}).get(FULL_TEXT_METADATA_KEY)
            text = full_text or message.get(TEXT) or ""
            guessed = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            found = self.requests.find(text)
            if found is not None:
                message.set(PATIENT_REQUEST_KEY, found.words, add_to_output=True)
                if guessed != found.request:
                    _make_first(message, {INTENT_NAME_KEY: found.request, "confidence": 1.0})
            # Only a request guess is checked: reading the words again costs every message.
            elif guessed in REQUEST_INTENTS and guessed in self.requests.mentions(text):
                confidence = (message.get(INTENT) or {}).get("confidence", 0.0)
                _make_first(message, {INTENT_NAME_KEY: FALLBACK_INTENT, "confidence": confidence})
        return messages


def _make_first(message: Message, intent: Dict[str, Any]) -> None:
    ranking = [
        r
        for r in message.get(INTENT_RANKING_KEY) or []
        if r.get(INTENT_NAME_KEY) != intent[INTENT_NAME_KEY]
    ]
    message.set(INTENT, intent, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [intent, *ranking], add_to_output=True)
