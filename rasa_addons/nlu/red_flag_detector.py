"""Runs the red-flag detector (core/triage/) on every message and puts red flags first.

Adds "red_flags" to the parse: the signs found with their context, the level, the
rules that fired and the verdict (core/triage/verdict.py). The verdict sets the intent,
whatever else the message asked:
- a sign reported now, or asked about in general: "red_flag" (escalate, or explain);
- a sign named but unclear whose or when: "clarify_symptom" (ask one question);
- a personal report with no red flag established: "check_symptoms" (start the check).
The original intent is kept in red_flags.original_intent so a question can still be
answered. The learned safety net (core/triage/safety_net.py) never escalates (only the rules
do), but when the rules find nothing and it fires, the patient is asked a clarifying
question. DIET's own "red_flag" guesses are ignored.
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
    CHECK_INTENT,
    CLARIFY_INTENT,
    FALLBACK_INTENT,
    FORGET_INTENT,
    FULL_TEXT_METADATA_KEY,
    RED_FLAG_INTENT,
    RED_FLAGS_KEY,
)
from core.triage.verdict import CHECK, CLARIFY, ESCALATE, GENERAL, Verdict, build_triage

# A patient who asks to be called or to delete her conversation, and mentions a symptom with no
# red flag, gets what she asked for rather than the symptom check.
PATIENT_REQUESTS = {CALLBACK_INTENT, FORGET_INTENT}

VERDICT_INTENTS = {
    ESCALATE: RED_FLAG_INTENT,
    GENERAL: RED_FLAG_INTENT,
    CLARIFY: CLARIFY_INTENT,
    CHECK: CHECK_INTENT,
}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class RedFlagDetectorComponent(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {}

    def __init__(self) -> None:
        self.triage = build_triage()

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RedFlagDetectorComponent:
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._process(message)
        return messages

    def _process(self, message: Message) -> None:
        # A long message reaches the model cut short; the red-flag check reads all of it.
        full_text = (message.get("metadata") or {}).get(FULL_TEXT_METADATA_KEY)
        detection, verdict, net_score = self.triage.assess(full_text or message.get(TEXT) or "")
        intent = message.get(INTENT) or {}
        ranking = [
            r
            for r in message.get(INTENT_RANKING_KEY) or []
            if r.get(INTENT_NAME_KEY) != RED_FLAG_INTENT
        ]
        if intent.get(INTENT_NAME_KEY) == RED_FLAG_INTENT:
            intent = (
                ranking[0] if ranking else {INTENT_NAME_KEY: FALLBACK_INTENT, "confidence": 0.0}
            )
        message.set(
            RED_FLAGS_KEY,
            {
                **detection.as_dict(),
                **_legacy_levels(verdict),
                "verdict": verdict.as_dict(),
                "safety_net": round(net_score, 3),
                "original_intent": intent.get(INTENT_NAME_KEY),
            },
            add_to_output=True,
        )
        asked_the_clinic = intent.get(INTENT_NAME_KEY) in PATIENT_REQUESTS
        if verdict.action in VERDICT_INTENTS and not (verdict.action == CHECK and asked_the_clinic):
            intent = {INTENT_NAME_KEY: VERDICT_INTENTS[verdict.action], "confidence": 1.0}
            ranking = [intent] + [
                r for r in ranking if r.get(INTENT_NAME_KEY) != intent[INTENT_NAME_KEY]
            ]
        message.set(INTENT, intent, add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)


def _legacy_levels(verdict: Verdict) -> Dict[str, Any]:
    """The level keys the reply, the symptom check and the dashboard read."""
    escalated = verdict.action == ESCALATE
    general = verdict.action == GENERAL
    return {
        "level": verdict.level if escalated else None,
        "reasons": verdict.reasons if escalated else [],
        "general_level": verdict.level if general else None,
        "general_reasons": verdict.reasons if general else [],
    }
