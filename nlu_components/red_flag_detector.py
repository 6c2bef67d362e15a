"""Runs the red-flag detector (triage/) on every message and puts red flags first.

Adds "red_flags" to the parse: the signs found with their context, the level and
the rules that fired. When a sign is reported now (or asked about in general and
worth a doctor's visit) the intent becomes "red_flag", whatever else the message
asked; the original intent is kept in red_flags.original_intent so the question
can still be answered after the escalation. DIET's own "red_flag" guesses are
ignored: only the detector decides.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from channels.message_text import FULL_TEXT_METADATA_KEY
from triage.detector import RedFlagDetector
from triage.rules import assess, load_rulebook

RED_FLAG_INTENT = "red_flag"
RED_FLAGS_KEY = "red_flags"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class RedFlagDetectorComponent(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    def __init__(self) -> None:
        self.rulebook = load_rulebook()
        self.detector = RedFlagDetector(self.rulebook)

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
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
        detection = self.detector.detect(full_text or message.get(TEXT) or "")
        reported = assess(detection.active_signs, self.rulebook)
        asked_about = assess(detection.general_signs, self.rulebook)
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != RED_FLAG_INTENT]
        intent = message.get(INTENT) or {}
        if intent.get(INTENT_NAME_KEY) == RED_FLAG_INTENT:
            intent = ranking[0] if ranking else {INTENT_NAME_KEY: "nlu_fallback", "confidence": 0.0}
        message.set(
            RED_FLAGS_KEY,
            {
                **detection.as_dict(),
                "level": reported.level,
                "reasons": reported.reasons,
                "general_level": asked_about.level,
                "general_reasons": asked_about.reasons,
                "original_intent": intent.get(INTENT_NAME_KEY),
            },
            add_to_output=True,
        )
        if reported.level or asked_about.level:
            intent = {INTENT_NAME_KEY: RED_FLAG_INTENT, "confidence": 1.0}
            ranking = [intent] + ranking
        message.set(INTENT, intent, add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
