"""The response selector's pick of FAQ answer, blended with a second classifier's
(core/retrieval/topic_model.py): logistic regression over the words the tokenizer read, spelled
right and in dictionary form. It runs right after the ResponseSelector, so the answer gate,
retrieval and the "Did you mean" choice all read the blended ranking and confidence.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Type

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    TOKENS_NAMES,
)
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import INTENT_RESPONSE_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.pipeline import Pipeline

from core.names import FAQ_INTENT
from core.retrieval.topic_model import (
    blend,
    from_stored_parts,
    stored_parts,
    topic_probabilities,
    train_topic_model,
)
from rasa_addons.nlu.faq_answers import (
    Responses,
    answer_with,
    answers_by_topic,
    faq_examples,
    topic_of,
)
from rasa_addons.nlu.stored_json import read_json, write_json

logger = logging.getLogger(__name__)

WORDS_FILE = "faq_topic_model.json"  # classes, vocabularies and the answers
ARRAYS_FILE = "faq_topic_model.npz"  # weights, read with allow_pickle=False
RANKING_LENGTH = 10  # as many topics as the ResponseSelector lists


def words_read(message: Message) -> str:
    """The message as the tokenizer read it: the question, spelled right, dictionary forms."""
    return " ".join(token.lemma for token in message.get(TOKENS_NAMES[TEXT]) or [])


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FaqTopicClassifier(GraphComponent):
    @classmethod
    def required_components(cls) -> List[Type]:
        # Not the ResponseSelector as well: Rasa checks that against the training graph, where
        # this trains from the examples alone. config.yml puts it after the ResponseSelector.
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {}

    def __init__(
        self,
        model_storage: ModelStorage,
        resource: Resource,
        model: Optional[Pipeline] = None,
        responses: Optional[Responses] = None,
    ) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self.model = model
        self.responses = responses or {}

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> FaqTopicClassifier:
        return cls(model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = faq_examples(training_data)
        topics = [topic_of(message) for message in examples]
        if len(set(topics)) < 2:
            return self._resource
        self.model = train_topic_model([words_read(message) for message in examples], topics)
        self.responses = answers_by_topic(training_data)
        words, arrays = stored_parts(self.model)
        write_json(
            self._model_storage,
            self._resource,
            WORDS_FILE,
            {"model": words, "responses": self.responses},
        )
        with self._model_storage.write_to(self._resource) as directory:
            np.savez_compressed(directory / ARRAYS_FILE, **arrays)
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> FaqTopicClassifier:
        stored = read_json(model_storage, resource, WORDS_FILE, {})
        model = None
        try:
            with model_storage.read_from(resource) as directory:
                with np.load(directory / ARRAYS_FILE, allow_pickle=False) as arrays:
                    model = from_stored_parts(stored["model"], dict(arrays))
        except (OSError, KeyError, ValueError) as error:
            logger.error("FAQ topic model not loaded; the response selector alone picks: %r", error)
        return cls(model_storage, resource, model, stored.get("responses"))

    def process(self, messages: List[Message]) -> List[Message]:
        if self.model is not None:
            for message in messages:
                self._blend(message, self.model)
        return messages

    def _blend(self, message: Message, model: Pipeline) -> None:
        selector = (message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {}).get(FAQ_INTENT) or {}
        if not selector.get(RESPONSE_SELECTOR_RANKING_KEY):
            return  # no pick to second
        words = words_read(message)
        if not words:
            return  # nothing read: the classifier would only give its priors
        ranked = {
            entry[INTENT_RESPONSE_KEY].partition("/")[2]: entry[PREDICTED_CONFIDENCE_KEY]
            for entry in selector[RESPONSE_SELECTOR_RANKING_KEY]
        }
        ranking = blend(ranked, topic_probabilities(model, words))
        selector[RESPONSE_SELECTOR_RANKING_KEY] = [
            {PREDICTED_CONFIDENCE_KEY: score, INTENT_RESPONSE_KEY: f"{FAQ_INTENT}/{topic}"}
            for topic, score in ranking[:RANKING_LENGTH]
        ]
        best, confidence = ranking[0]
        picked = selector.get(RESPONSE_SELECTOR_PREDICTION_KEY) or {}
        if picked.get(INTENT_RESPONSE_KEY) == f"{FAQ_INTENT}/{best}":
            picked[PREDICTED_CONFIDENCE_KEY] = confidence
        else:
            answer_with(message, best, confidence, self.responses)
