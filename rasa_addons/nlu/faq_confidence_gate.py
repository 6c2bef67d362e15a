"""Turns an FAQ question into nlu_fallback when no single answer is clearly best.

Rasa's FallbackClassifier only looks at the intent. With one retrieval intent
("faq") that intent is usually confident even when the answer is a guess, so
this gate checks the answer's own confidence as well: the response selector's, blended with the
second topic classifier's (rasa_addons/nlu/faq_topic_classifier.py).
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.fallback_classifier import _fallback_intent
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class FaqAnswerConfidenceGate(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"retrieval_intent": "faq", "threshold": 0.3}

    def __init__(self, config: Dict[str, Any]) -> None:
        self.retrieval_intent = config["retrieval_intent"]
        self.threshold = config["threshold"]

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> FaqAnswerConfidenceGate:
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            confidence = self._answer_confidence(message)
            if confidence is not None and confidence < self.threshold:
                message.data[INTENT] = _fallback_intent(confidence)
                message.data.setdefault(INTENT_RANKING_KEY, []).insert(
                    0, _fallback_intent(confidence)
                )
        return messages

    def _answer_confidence(self, message: Message) -> float | None:
        if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) != self.retrieval_intent:
            return None
        selection = (message.get("response_selector") or {}).get(self.retrieval_intent) or {}
        return (selection.get("response") or {}).get("confidence")
