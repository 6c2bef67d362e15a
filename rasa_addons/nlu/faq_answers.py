"""The FAQ answers as the NLU components that pick one see them, and how a pick is written into
the response selector's output (where Rasa's retrieval action reads which answer to send)."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from core.names import ANSWER_PREFIX, FAQ_INTENT

Responses = Dict[str, List[Dict[str, Any]]]  # topic -> the answer's variants


def faq_examples(training_data: TrainingData) -> List[Message]:
    """The example questions of the FAQ topics (intent faq/<topic>)."""
    return [
        message
        for message in training_data.intent_examples
        if message.get(INTENT) == FAQ_INTENT and message.get(INTENT_RESPONSE_KEY)
    ]


def topic_of(message: Message) -> str:
    return str(message.get(INTENT_RESPONSE_KEY)).partition("/")[2]


def answers_by_topic(training_data: TrainingData) -> Responses:
    return {
        name[len(ANSWER_PREFIX) :]: variants
        for name, variants in training_data.responses.items()
        if name.startswith(ANSWER_PREFIX)
    }


def answer_with(message: Message, topic: str, confidence: float, responses: Responses) -> None:
    """Makes `topic` the response selector's pick for the FAQ, with this confidence."""
    selectors = message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {}
    selectors.setdefault(FAQ_INTENT, {})[RESPONSE_SELECTOR_PREDICTION_KEY] = {
        RESPONSE_SELECTOR_RESPONSES_KEY: responses.get(topic, []),
        PREDICTED_CONFIDENCE_KEY: confidence,
        INTENT_RESPONSE_KEY: f"{FAQ_INTENT}/{topic}",
        RESPONSE_SELECTOR_UTTER_ACTION_KEY: f"{ANSWER_PREFIX}{topic}",
    }
    message.set(RESPONSE_SELECTOR_PROPERTY_NAME, selectors, add_to_output=True)
