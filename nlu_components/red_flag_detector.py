"""Runs the red-flag detector (triage/) on every message and puts red flags first.

Adds "red_flags" to the parse: the signs found with their context, the level, the
rules that fired and the verdict (triage/verdict.py). The verdict sets the intent,
whatever else the message asked:
- a sign reported now, or asked about in general: "red_flag" (escalate, or explain);
- a sign named but unclear whose or when: "clarify_symptom" (ask one question);
- a personal report with no red flag established: "check_symptoms" (start the check).
The original intent is kept in red_flags.original_intent so a question can still be
answered. DIET's own "red_flag" guess is the learned safety net: it never escalates
(only the rules do), but when the rules find nothing it turns silence into a question.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from channels.message_text import FULL_TEXT_METADATA_KEY
from triage.detector import RedFlagDetector
from triage.rules import load_rulebook
from triage.verdict import CHECK, CLARIFY, ESCALATE, GENERAL, Verdict, judge

RED_FLAG_INTENT = "red_flag"
CLARIFY_INTENT = "clarify_symptom"
CHECK_INTENT = "check_symptoms"
RED_FLAGS_KEY = "red_flags"
VERDICT_INTENTS = {ESCALATE: RED_FLAG_INTENT, GENERAL: RED_FLAG_INTENT, CLARIFY: CLARIFY_INTENT, CHECK: CHECK_INTENT}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class RedFlagDetectorComponent(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # DIET's confidence in "red_flag" above which a message the rules found nothing in
        # gets a clarifying question instead of an FAQ answer or "please rephrase".
        return {"safety_net_threshold": 0.6}

    def __init__(self, config: Optional[Dict[Text, Any]] = None) -> None:
        self.rulebook = load_rulebook()
        self.detector = RedFlagDetector(self.rulebook)
        self.safety_net_threshold = float((config or self.get_default_config())["safety_net_threshold"])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RedFlagDetectorComponent:
        return cls({**cls.get_default_config(), **config})

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._process(message)
        return messages

    def _process(self, message: Message) -> None:
        # A long message reaches the model cut short; the red-flag check reads all of it.
        full_text = (message.get("metadata") or {}).get(FULL_TEXT_METADATA_KEY)
        detection = self.detector.detect(full_text or message.get(TEXT) or "")
        verdict = judge(detection, self.rulebook)
        intent = message.get(INTENT) or {}
        full_ranking = message.get(INTENT_RANKING_KEY) or []
        ranking = [r for r in full_ranking if r.get(INTENT_NAME_KEY) != RED_FLAG_INTENT]
        net_confidence = _safety_net_confidence(full_ranking)
        if intent.get(INTENT_NAME_KEY) == RED_FLAG_INTENT:
            intent = ranking[0] if ranking else {INTENT_NAME_KEY: "nlu_fallback", "confidence": 0.0}
        if verdict.action is None and net_confidence >= self.safety_net_threshold:
            verdict = Verdict(CLARIFY)
        message.set(
            RED_FLAGS_KEY,
            {
                **detection.as_dict(),
                **_legacy_levels(verdict),
                "verdict": verdict.as_dict(),
                "safety_net": net_confidence,
                "original_intent": intent.get(INTENT_NAME_KEY),
            },
            add_to_output=True,
        )
        if verdict.action in VERDICT_INTENTS:
            intent = {INTENT_NAME_KEY: VERDICT_INTENTS[verdict.action], "confidence": 1.0}
            ranking = [intent] + [r for r in ranking if r.get(INTENT_NAME_KEY) != intent[INTENT_NAME_KEY]]
        message.set(INTENT, intent, add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)


def _safety_net_confidence(ranking: List[Dict[Text, Any]]) -> float:
    """DIET's confidence in "red_flag" when it is its first guess (the fallback classifier may
    have put "nlu_fallback" above it)."""
    guesses = [r for r in ranking if r.get(INTENT_NAME_KEY) != "nlu_fallback"]
    if guesses and guesses[0].get(INTENT_NAME_KEY) == RED_FLAG_INTENT:
        return float(guesses[0].get("confidence") or 0.0)
    return 0.0


def _legacy_levels(verdict: Verdict) -> Dict[Text, Any]:
    """The level keys the reply, the symptom check and the dashboard read."""
    escalated = verdict.action == ESCALATE
    general = verdict.action == GENERAL
    return {
        "level": verdict.level if escalated else None,
        "reasons": verdict.reasons if escalated else [],
        "general_level": verdict.level if general else None,
        "general_reasons": verdict.reasons if general else [],
    }
